package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

// Phase states of a script.
const (
	Healthy     = "healthy"
	Unavailable = "unavailable"
	ReadOnly    = "read_only"
	Error       = "error"
)

// Phase is one step of a run's ground-truth timeline.
type Phase struct {
	State    string
	Duration time.Duration
	// Class is the error class of failing probes (default: connect_timeout
	// for unavailable, read_only for read_only, other for error).
	Class string
	// Kinds limits the probe kinds that fail (default: every kind for
	// unavailable and error, write for read_only).
	Kinds []string
	// Server is the index of the server that answers in this phase; a change
	// of Server is a switchover to another server.
	Server int
}

// Run describes one synthetic run.
type Run struct {
	ID     string
	Labels map[string]string
	// Vantage and SwitchoverID go to run.json as the recorder writes them
	// (record --vantage, --switchover-id); empty: none.
	Vantage, SwitchoverID string
	Start                 time.Time
	Interval              time.Duration
	// Kinds and Conns make the streams, kind × conn (default write, read ×
	// new). Writes and connects go to the write endpoint, reads to the read
	// endpoint.
	Kinds []string
	Conns []string
	// Stagger offsets the grids of the streams from each other by a
	// fraction of the interval, as independent schedulers would.
	Stagger bool
	Phases  []Phase
	// Timeout is the connect/query timeout: the latency of a probe that
	// times out (default 3s).
	Timeout time.Duration
	// MaxInflight skips a probe when this many earlier probes of its stream
	// are still hanging (0: no limit).
	MaxInflight int
	// DNSChangeAt changes the write endpoint's DNS answer this long after
	// Start (0: never).
	DNSChangeAt time.Duration
	// Lost lists write Seqs lost after acknowledgement, CommittedFailed
	// failed writes that committed (written to verify.json when either is
	// set or Verify is true).
	Lost, CommittedFailed []int64
	Verify                bool
	// ReplicaLag makes reads see only the writes acknowledged at least this
	// long before the read started (0: every acknowledged write).
	ReplicaLag time.Duration
	// NoInterval leaves the interval out of run.json, so the analyzer must
	// derive it from the rows.
	NoInterval bool
	Seed       uint64
}

// Truth is the ground truth of a run.
type Truth struct {
	// Boundaries are the moments the state changed, in order.
	Boundaries []time.Time
	// Phases are the script's phases in absolute time.
	Phases []TruthPhase
	// Events are what events.jsonl holds: one per non-healthy phase, from
	// its start to its end.
	Events []store.Event
}

// TruthPhase is a Phase placed in time.
type TruthPhase struct {
	State      string
	Start, End time.Time
	Server     int
}

var servers = []struct{ addr, dns string }{
	{"10.0.1.23:5432", "10.0.1.23"},
	{"10.0.2.47:5432", "10.0.2.47"},
	{"10.0.3.11:5432", "10.0.3.11"},
	{"10.0.4.90:5432", "10.0.4.90"},
}

// Messages are realistic error messages and SQLSTATEs by error class.
var Messages = map[string]struct{ SQLState, Error string }{
	store.ClassConnectTimeout:     {"", "failed to connect to `user=switchwatch database=postgres`: 10.0.1.23:5432 (db.cluster-c1x2.eu-west-1.rds.amazonaws.com): dial error: timeout: context deadline exceeded"},
	store.ClassQueryTimeout:       {"", "timeout: context deadline exceeded"},
	store.ClassRefused:            {"", "failed to connect to `user=switchwatch database=postgres`: 10.0.1.23:5432: dial error: dial tcp 10.0.1.23:5432: connect: connection refused"},
	store.ClassReset:              {"", "read tcp 10.0.0.5:53422->10.0.1.23:5432: read: connection reset by peer"},
	store.ClassDNS:                {"", "hostname resolving error: lookup db.cluster-c1x2.eu-west-1.rds.amazonaws.com: no such host"},
	store.ClassTLS:                {"", "tls: failed to verify certificate: x509: certificate signed by unknown authority"},
	store.ClassAuth:               {"28P01", "FATAL: password authentication failed for user \"switchwatch\" (SQLSTATE 28P01)"},
	store.ClassReadOnly:           {"25006", "ERROR: cannot execute INSERT in a read-only transaction (SQLSTATE 25006)"},
	store.ClassShutdown:           {"57P01", "FATAL: terminating connection due to administrator command (SQLSTATE 57P01)"},
	store.ClassTooManyConnections: {"53300", "FATAL: sorry, too many clients already (SQLSTATE 53300)"},
	store.ClassOther:              {"40001", "ERROR: could not serialize access due to concurrent update (SQLSTATE 40001)"},
	store.ClassInflightLimit:      {"", "in-flight limit reached: probe skipped"},
}

func (r *Run) defaults() {
	if r.Interval <= 0 {
		r.Interval = 100 * time.Millisecond
	}
	if len(r.Kinds) == 0 {
		r.Kinds = []string{store.KindWrite, store.KindRead}
	}
	if len(r.Conns) == 0 {
		r.Conns = []string{store.ConnNew}
	}
	if r.Timeout <= 0 {
		r.Timeout = 3 * time.Second
	}
	if r.Start.IsZero() {
		r.Start = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	}
	if r.ID == "" {
		r.ID = "synth"
	}
}

// Truth places the run's phases in time.
func (r *Run) Truth() Truth {
	r.defaults()
	var t Truth
	at := r.Start
	for i, p := range r.Phases {
		end := at.Add(p.Duration)
		t.Phases = append(t.Phases, TruthPhase{State: p.State, Start: at, End: end, Server: p.Server})
		if i > 0 {
			t.Boundaries = append(t.Boundaries, at)
		}
		if p.State != Healthy {
			e := end
			t.Events = append(t.Events, store.Event{Time: at, End: &e, Name: event.FaultPrefix + p.State, Source: event.SourceSynth,
				Message: fmt.Sprintf("synthetic %s phase of %v", p.State, p.Duration)})
		}
		at = end
	}
	return t
}

// Duration is the run's length.
func (r *Run) Duration() time.Duration {
	var d time.Duration
	for _, p := range r.Phases {
		d += p.Duration
	}
	return d
}

type streamSpec struct {
	kind, conn, endpoint string
	offset               int64
}

func (r *Run) streams() []streamSpec {
	var ss []streamSpec
	for _, k := range r.Kinds {
		for _, c := range r.Conns {
			ep := store.EndpointWrite
			if k == store.KindRead {
				ep = store.EndpointRead
			}
			ss = append(ss, streamSpec{kind: k, conn: c, endpoint: ep})
		}
	}
	if r.Stagger {
		for i := range ss {
			ss[i].offset = int64(r.Interval) * int64(i) / int64(len(ss))
		}
	}
	return ss
}

// Rows counts the probe rows the run will have.
func (r *Run) Rows() int64 {
	r.defaults()
	return int64(len(r.streams())) * r.slots()
}

func (r *Run) slots() int64 { return int64(r.Duration() / r.Interval) }

// phaseAt returns the index of the phase at time t (ns since Start).
func (r *Run) phaseAt(ends []int64, t int64) int {
	return sort.Search(len(ends), func(i int) bool { return ends[i] > t })
}

// Probes generates every probe row of the run, stream by stream in grid
// order, and the run's ground truth.
func (r *Run) Probes() ([]store.Probe, Truth) {
	r.defaults()
	truth := r.Truth()
	g := &probeGen{r: r, rng: rand.New(rand.NewPCG(r.Seed, 0x5eed)), iv: int64(r.Interval), start: r.Start.UnixNano(),
		serverStart: r.Start.Add(-36 * time.Hour).UnixNano()}
	for _, p := range r.Phases {
		g.total += int64(p.Duration)
		g.ends = append(g.ends, g.total)
	}
	rows := make([]store.Probe, 0, r.Rows())
	// The write streams whose Seqs reads see: a read sees the writes of its
	// own connection mode (store.Probe.SeenSeq), else of the first write
	// stream. Write streams come before read streams in specs.
	writes := map[string]*writeLog{}
	var firstWrites *writeLog
	for _, sp := range r.streams() {
		recordAcks := sp.kind == store.KindWrite && writes[sp.conn] == nil
		wl := writes[sp.conn]
		if wl == nil {
			wl = firstWrites
		}
		var acks []int64
		rows, acks = g.stream(rows, sp, wl, recordAcks)
		if recordAcks {
			writes[sp.conn] = newWriteLog(acks)
			if firstWrites == nil {
				firstWrites = writes[sp.conn]
			}
		}
	}
	return rows, truth
}

// writeLog is what a write stream acknowledged, for the reads that see it.
type writeLog struct {
	ack    []int64 // ack time (ns since Start) by seq, -1 if failed
	lastOK []int64 // the newest acknowledged seq at or before seq
}

func newWriteLog(acks []int64) *writeLog {
	lastOK := make([]int64, len(acks))
	for i := range acks {
		switch {
		case acks[i] >= 0:
			lastOK[i] = int64(i)
		case i > 0:
			lastOK[i] = lastOK[i-1]
		default:
			lastOK[i] = -1
		}
	}
	return &writeLog{ack: acks, lastOK: lastOK}
}

// probeGen makes the probe rows of a run, stream after stream, from one
// random source (so the order of its draws is the dataset).
type probeGen struct {
	r                *Run
	rng              *rand.Rand
	ends             []int64 // end of each phase, ns since Start
	total, iv, start int64
	serverStart      int64
	hanging          []int64 // end times of the stream's hanging probes
}

// stream appends the rows of stream sp to rows; with recordAcks it also
// returns each row's ack time (ns since Start, -1 unless ok). Reads see
// the writes of wl.
func (g *probeGen) stream(rows []store.Probe, sp streamSpec, wl *writeLog, recordAcks bool) ([]store.Probe, []int64) {
	g.hanging = make([]int64, 0, 64)
	var acks []int64
	for seq := int64(0); ; seq++ {
		t := seq*g.iv + sp.offset
		if t >= g.total {
			break
		}
		p := g.probe(sp, seq, t, wl)
		rows = append(rows, p)
		if recordAcks {
			if p.Outcome == store.OutcomeOK {
				acks = append(acks, p.End-g.start)
			} else {
				acks = append(acks, -1)
			}
		}
	}
	return rows, acks
}

// failClass is the error class of a probe failing in phase ph.
func failClass(ph Phase) string {
	if ph.Class != "" {
		return ph.Class
	}
	switch ph.State {
	case Unavailable:
		return store.ClassConnectTimeout
	case ReadOnly:
		return store.ClassReadOnly
	}
	return store.ClassOther
}

// probe is the probe of stream sp at seq, due t ns after Start.
func (g *probeGen) probe(sp streamSpec, seq, t int64, wl *writeLog) store.Probe {
	r := g.r
	ph := r.Phases[r.phaseAt(g.ends, t)]
	p := store.Probe{
		RunID: r.ID, Kind: sp.kind, Conn: sp.conn, Endpoint: sp.endpoint,
		Seq: seq, Intended: g.start + t,
	}
	fails := ph.State != Healthy && affects(ph, sp.kind)
	class := ph.Class
	if fails {
		class = failClass(ph)
	}
	// the in-flight limit
	k := 0
	for _, e := range g.hanging {
		if e > t {
			g.hanging[k] = e
			k++
		}
	}
	g.hanging = g.hanging[:k]
	if r.MaxInflight > 0 && len(g.hanging) >= r.MaxInflight {
		p.Outcome, p.ErrorClass, p.Error = store.OutcomeSkipped, store.ClassInflightLimit, Messages[store.ClassInflightLimit].Error
		return p
	}
	var lat int64
	switch {
	case !fails:
		lat = healthyLatency(g.rng, sp)
		p.Outcome = store.OutcomeOK
	case class == store.ClassConnectTimeout || class == store.ClassQueryTimeout:
		lat = int64(r.Timeout) + g.rng.Int64N(int64(2*time.Millisecond))
		p.Outcome = store.OutcomeTimeout
		g.hanging = append(g.hanging, t+lat)
	default:
		lat = healthyLatency(g.rng, sp)
		p.Outcome = store.OutcomeError
	}
	p.Start = g.start + t + g.rng.Int64N(200_000) // scheduling delay up to 0.2 ms
	p.End = p.Start + lat
	p.LatencyNS = lat
	if sp.conn == store.ConnNew || p.Outcome != store.OutcomeOK {
		p.ConnectDone = p.Start + lat/2
	}
	if fails {
		p.ErrorClass = class
		m := Messages[class]
		p.SQLState, p.Error = m.SQLState, m.Error
	}
	g.identity(&p, ph, sp, t, class)
	if sp.kind == store.KindRead && p.Outcome == store.OutcomeOK && wl != nil {
		if seen := seenSeq(wl.ack, wl.lastOK, p.Start-g.start-int64(r.ReplicaLag), g.iv); seen >= 0 {
			p.SeenSeq = &seen
		}
	}
	return p
}

// identity sets what the probe p of stream sp, due at t in phase ph,
// learnt of the server: its DNS answer and, when a server answered, who.
func (g *probeGen) identity(p *store.Probe, ph Phase, sp streamSpec, t int64, class string) {
	r := g.r
	srv := servers[ph.Server%len(servers)]
	if sp.conn == store.ConnNew {
		p.ResolvedAddrs = servers[0].dns
		if r.DNSChangeAt > 0 && t >= int64(r.DNSChangeAt) && sp.endpoint == store.EndpointWrite {
			p.ResolvedAddrs = servers[1].dns
		}
	}
	if p.Outcome == store.OutcomeOK || class == store.ClassReadOnly {
		p.ServerAddr = srv.addr
		p.ServerStart = g.serverStart + int64(ph.Server)*int64(time.Hour)
		p.SystemID = "7312345678901234567"
		rec := class == store.ClassReadOnly
		p.InRecovery = &rec
	}
}

func affects(p Phase, kind string) bool {
	kinds := p.Kinds
	if len(kinds) == 0 {
		if p.State == ReadOnly {
			return kind == store.KindWrite
		}
		return true
	}
	for _, k := range kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// healthyLatency draws a log-normal latency around a median that depends on
// the probe kind and connection mode, with rare slow outliers.
func healthyLatency(rng *rand.Rand, sp streamSpec) int64 {
	median := 600 * time.Microsecond
	switch sp.kind {
	case store.KindWrite:
		median = 1200 * time.Microsecond
	case store.KindConnect:
		median = 400 * time.Microsecond
	}
	if sp.conn == store.ConnNew {
		median += 3 * time.Millisecond
	}
	v := float64(median) * math.Exp(0.25*rng.NormFloat64())
	if rng.IntN(2000) == 0 {
		v *= 8
	}
	return int64(v)
}

// seenSeq is the newest write Seq acknowledged at or before the read's
// start (ns since the run's start), or -1.
func seenSeq(ack, lastOK []int64, readStart, iv int64) int64 {
	if readStart < 0 {
		return -1
	}
	s := min(int64(len(ack))-1, readStart/iv)
	for s >= 0 {
		s = lastOK[s]
		if s < 0 || ack[s] <= readStart {
			return s
		}
		s--
	}
	return -1
}
