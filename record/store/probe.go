package store

import (
	"fmt"
	"time"

	"github.com/switchwatch/switchwatch/internal/vocab"
)

// SchemaVersion is written into run.json and into every segment's key/value
// metadata. Readers read the versions from OldestSchemaVersion to
// SchemaVersion (a later version only adds optional columns, see
// ProbeColumns) and refuse others with a clear error.
//
// Version 2 added what each probe's own connection did and when it saw
// the server: dialed_addr, conn_established, observed, server_time,
// timeline; and the client profile each probe ran in: profile.
const SchemaVersion = 2

// OldestSchemaVersion is the oldest schema version readers still read.
const OldestSchemaVersion = 1

// readsVersion reports whether readers read files of schema version v.
func readsVersion(v int) bool { return v >= OldestSchemaVersion && v <= SchemaVersion }

// versionsRead says which schema versions readers read, for errors.
func versionsRead() string {
	if OldestSchemaVersion == SchemaVersion {
		return fmt.Sprint(SchemaVersion)
	}
	return fmt.Sprintf("%d to %d", OldestSchemaVersion, SchemaVersion)
}

// The words of the format (kinds, connection modes, endpoint roles,
// outcomes, error classes) are defined once in internal/vocab, which
// readers of summaries use without this package's readers; they are named
// here again for the users of the store.

// Probe kinds.
const (
	KindWrite   = vocab.KindWrite
	KindRead    = vocab.KindRead
	KindConnect = vocab.KindConnect
)

// ProbeKinds is vocab.Kinds: every kind a row may have.
var ProbeKinds = vocab.Kinds

// Connection modes.
const (
	ConnNew    = vocab.ConnNew
	ConnPooled = vocab.ConnPooled
)

// Endpoint roles.
const (
	EndpointWrite = vocab.EndpointWrite
	EndpointRead  = vocab.EndpointRead
)

// Outcomes.
const (
	OutcomeOK      = vocab.OutcomeOK
	OutcomeError   = vocab.OutcomeError
	OutcomeTimeout = vocab.OutcomeTimeout
	OutcomeSkipped = vocab.OutcomeSkipped
)

// Error classes (vocab's).
const (
	ClassConnectTimeout     = vocab.ClassConnectTimeout
	ClassQueryTimeout       = vocab.ClassQueryTimeout
	ClassRefused            = vocab.ClassRefused
	ClassReset              = vocab.ClassReset
	ClassDNS                = vocab.ClassDNS
	ClassTLS                = vocab.ClassTLS
	ClassAuth               = vocab.ClassAuth
	ClassReadOnly           = vocab.ClassReadOnly
	ClassShutdown           = vocab.ClassShutdown
	ClassTooManyConnections = vocab.ClassTooManyConnections
	ClassOther              = vocab.ClassOther
	ClassInflightLimit      = vocab.ClassInflightLimit
	ClassInferred           = vocab.ClassInferred
)

// ErrorClasses lists every error class in a stable order (vocab.ErrorClasses).
var ErrorClasses = vocab.ErrorClasses

// MaxErrorLen bounds the stored error message, in bytes.
const MaxErrorLen = 256

// CutError cuts an error message to MaxErrorLen bytes at a rune boundary,
// the form every writer of Probe.Error stores.
func CutError(msg string) string {
	if len(msg) <= MaxErrorLen {
		return msg
	}
	cut := MaxErrorLen
	for cut > 0 && (msg[cut]&0xC0) == 0x80 {
		cut--
	}
	return msg[:cut]
}

// Probe is one row of a run: one scheduled probe and what came of it.
//
// Timestamps are nanoseconds since the Unix epoch, UTC. The recorder takes
// them from one wall-clock reading at the start of the run plus Go's
// monotonic clock, so a wall-clock step during a run moves no probe. A zero
// timestamp is stored as NULL (for example Start of a skipped probe).
//
// The Parquet tags choose encodings that keep a probe at about 10-20 bytes on
// disk: dictionaries for the few distinct strings, delta encoding for the
// timestamps (segments are sorted by stream and intended time), zstd for all.
type Probe struct {
	RunID    string `parquet:"run_id,dict,zstd" json:"run_id"`
	Kind     string `parquet:"kind,dict,zstd" json:"kind"`
	Conn     string `parquet:"conn,dict,zstd" json:"conn"`
	Endpoint string `parquet:"endpoint,dict,zstd" json:"endpoint"`
	// Profile names the client profile (a named client configuration of
	// record --client/--clients) the probe ran in; Conn stays its
	// connection mode. Empty (NULL, and in every file of schema version 1)
	// means the built-in profile named like the mode, see ProfileName.
	// Schema version 2.
	Profile string `parquet:"profile,optional,dict,zstd" json:"profile,omitempty"`
	// Seq numbers the probes of one stream (kind, profile, endpoint) from 0, one per grid
	// slot, so a gap in Seq is a lost row, never a missed slot.
	Seq int64 `parquet:"seq,delta,zstd" json:"seq"`

	Intended    int64 `parquet:"intended,timestamp(nanosecond),delta,zstd" json:"intended"`
	Start       int64 `parquet:"start,optional,timestamp(nanosecond),delta,zstd" json:"start,omitempty"`
	ConnectDone int64 `parquet:"connect_done,optional,timestamp(nanosecond),delta,zstd" json:"connect_done,omitempty"`
	End         int64 `parquet:"end,optional,timestamp(nanosecond),delta,zstd" json:"end,omitempty"`
	// LatencyNS is End-Start measured on the monotonic clock.
	LatencyNS int64 `parquet:"latency_ns,delta,zstd" json:"latency_ns"`

	Outcome    string `parquet:"outcome,dict,zstd" json:"outcome"`
	ErrorClass string `parquet:"error_class,optional,dict,zstd" json:"error_class,omitempty"`
	SQLState   string `parquet:"sqlstate,optional,dict,zstd" json:"sqlstate,omitempty"`
	Error      string `parquet:"error,optional,dict,zstd" json:"error,omitempty"`

	// ResolvedAddrs is the comma-separated, sorted list of addresses the
	// endpoint's host name resolved to for the connection this probe used:
	// for a new connection, its own lookup; for a pooled probe, the lookup
	// made when the connection it was handed was dialled (or, when the
	// acquire failed, the lookup of the pool's oldest dial still in flight).
	// Empty when no lookup was made for it (an IP address or a socket
	// needs none, and is stored as is).
	ResolvedAddrs string `parquet:"resolved_addrs,optional,dict,zstd" json:"resolved_addrs,omitempty"`
	// DialedAddr is the address (ip:port, or unix:path) the probe's
	// connection was dialled to: its remote address once connected; when
	// connecting failed, the last address a dial was started to (for a
	// pooled probe, the pool's oldest dial still in flight, which is what
	// kept the probe waiting). Schema version 2.
	DialedAddr string `parquet:"dialed_addr,optional,dict,zstd" json:"dialed_addr,omitempty"`
	// ConnEstablished is when the probe's connection finished its startup:
	// for a new connection about ConnectDone, for a pooled one when the
	// pool dialled it, so Observed-ConnEstablished is the connection's age.
	// NULL when the probe got no connection. Schema version 2.
	ConnEstablished int64 `parquet:"conn_established,optional,timestamp(nanosecond),delta,zstd" json:"conn_established,omitempty"`

	// Identity of the server that answered, read in the probe's own round trip.
	ServerAddr  string `parquet:"server_addr,optional,dict,zstd" json:"server_addr,omitempty"`                         // inet_server_addr():inet_server_port()
	ServerStart int64  `parquet:"server_start,optional,timestamp(nanosecond),dict,zstd" json:"server_start,omitempty"` // pg_postmaster_start_time()
	SystemID    string `parquet:"system_id,optional,dict,zstd" json:"system_id,omitempty"`                             // pg_control_system(), where readable
	InRecovery  *bool  `parquet:"in_recovery,optional" json:"in_recovery,omitempty"`                                   // pg_is_in_recovery()

	// SeenSeq is, for read probes, the newest Seq of this run's write stream
	// of the same profile that the reader could see (NULL when it saw
	// none, or the run has no write probes). The analyzer measures a
	// reader's staleness from it.
	SeenSeq *int64 `parquet:"seen_seq,optional,zstd" json:"seen_seq,omitempty"`

	// Observed is when the answer carrying the server identity arrived (the
	// recorder's clock, as Start and End): the moment this probe saw which
	// server answered. NULL when no answer came. Schema version 2.
	Observed int64 `parquet:"observed,optional,timestamp(nanosecond),delta,zstd" json:"observed,omitempty"`
	// ServerTime is the server's clock_timestamp() in the same answer. With
	// Start and End it gives the client/server clock offset. Schema version 2.
	ServerTime int64 `parquet:"server_time,optional,timestamp(nanosecond),delta,zstd" json:"server_time,omitempty"`
	// Timeline is the server's timeline in the same answer: on a primary the
	// timeline of its current WAL file, on a standby the timeline it
	// receives or, without a WAL receiver, that of its last restartpoint
	// (see record's identity.go). 0 (NULL) when unreadable. Schema version 2.
	Timeline int64 `parquet:"timeline,optional,dict,zstd" json:"timeline,omitempty"`
}

// Stream names the probe stream of a row: kind/profile/endpoint, which for
// the built-in profiles is kind/conn/endpoint.
func (p *Probe) Stream() string { return p.Kind + "/" + p.ProfileName() + "/" + p.Endpoint }

// ProfileName is the client profile of the row: Profile, or for a row
// without one (schema version 1, the built-in profiles, importers) the
// built-in profile of its connection mode, which is named like the mode.
func (p *Probe) ProfileName() string {
	if p.Profile != "" {
		return p.Profile
	}
	return p.Conn
}

// ServerIdentity is the identity of the server that answered: its address,
// port and postmaster start time. A physical standby shares its primary's
// system identifier, so the system identifier alone cannot tell blue from
// green; address and start time can (a restart is a new identity too).
func (p *Probe) ServerIdentity() string {
	if p.ServerAddr == "" {
		return ""
	}
	if p.ServerStart == 0 {
		return p.ServerAddr
	}
	return fmt.Sprintf("%s@%s", p.ServerAddr, time.Unix(0, p.ServerStart).UTC().Format(time.RFC3339Nano))
}

// Clone is a copy of p that shares no memory with it, pointer columns
// included: what keeps a row that ReadRun, which reuses its *Probe, handed
// over.
func (p *Probe) Clone() Probe {
	c := *p
	if p.InRecovery != nil {
		v := *p.InRecovery
		c.InRecovery = &v
	}
	if p.SeenSeq != nil {
		v := *p.SeenSeq
		c.SeenSeq = &v
	}
	return c
}

// Failed reports whether the probe ran and did not succeed.
func (p *Probe) Failed() bool {
	return p.Outcome == OutcomeError || p.Outcome == OutcomeTimeout
}

// MaxProfileName bounds a client profile's name, in bytes.
const MaxProfileName = 40

// CheckProfileName says why name cannot name a client profile, or nil. A
// name is part of a stream's name (kind/profile/endpoint), of the probe
// table's key and of file and folder names a user may derive from it
// (Hive-style key=value partitions), so it is kept to lower-case ASCII
// letters, digits, '_' and '-', starting with a letter or digit.
func CheckProfileName(name string) error {
	if name == "" {
		return fmt.Errorf("empty profile name")
	}
	if len(name) > MaxProfileName {
		return fmt.Errorf("profile name %q is longer than %d bytes", name, MaxProfileName)
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '_' || c == '-')
		if !ok {
			return fmt.Errorf("profile name %q: want lower-case letters, digits, '_' and '-' (starting with a letter or digit)", name)
		}
	}
	return nil
}
