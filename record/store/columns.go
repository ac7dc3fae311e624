package store

// The Parquet columns of a probe segment, as Probe's parquet tags spell
// them. TestColumnsMatchProbe checks ProbeColumns against the tags.
const (
	ColRunID           = "run_id"
	ColKind            = "kind"
	ColConn            = "conn"
	ColEndpoint        = "endpoint"
	ColProfile         = "profile"
	ColSeq             = "seq"
	ColIntended        = "intended"
	ColStart           = "start"
	ColConnectDone     = "connect_done"
	ColEnd             = "end"
	ColLatency         = "latency_ns"
	ColOutcome         = "outcome"
	ColErrorClass      = "error_class"
	ColSQLState        = "sqlstate"
	ColError           = "error"
	ColResolvedAddrs   = "resolved_addrs"
	ColDialedAddr      = "dialed_addr"
	ColConnEstablished = "conn_established"
	ColServerAddr      = "server_addr"
	ColServerStart     = "server_start"
	ColSystemID        = "system_id"
	ColInRecovery      = "in_recovery"
	ColSeenSeq         = "seen_seq"
	ColObserved        = "observed"
	ColServerTime      = "server_time"
	ColTimeline        = "timeline"
)

// ColumnType is the Go type of a column's values in Probe.
type ColumnType int

const (
	TypeString ColumnType = iota // string: NULL is ""
	TypeInt64                    // int64 or *int64 (timestamps in nanoseconds): NULL is 0 or nil
	TypeBool                     // *bool: NULL is nil
)

// Column describes one Parquet column of a probe segment.
type Column struct {
	Name string
	Type ColumnType
	// Optional columns may be NULL. They may also be absent from a file:
	// one written before the schema version that introduced them (Since)
	// lacks them, and readers read them as NULL. A required column is in
	// every file; a file without one is not a probe file.
	Optional bool
	// Since is the schema version that introduced the column. A column
	// added after version 1 must be optional, so that older files still read.
	Since int
	// Time marks a timestamp: nanoseconds in Probe, in whatever unit a
	// file's schema says (TimeScale).
	Time bool
}

// ProbeColumns lists Probe's columns in the order of its fields.
var ProbeColumns = []Column{
	{Name: ColRunID, Type: TypeString, Since: 1},
	{Name: ColKind, Type: TypeString, Since: 1},
	{Name: ColConn, Type: TypeString, Since: 1},
	{Name: ColEndpoint, Type: TypeString, Since: 1},
	{Name: ColProfile, Type: TypeString, Optional: true, Since: 2},
	{Name: ColSeq, Type: TypeInt64, Since: 1},
	{Name: ColIntended, Type: TypeInt64, Since: 1, Time: true},
	{Name: ColStart, Type: TypeInt64, Optional: true, Since: 1, Time: true},
	{Name: ColConnectDone, Type: TypeInt64, Optional: true, Since: 1, Time: true},
	{Name: ColEnd, Type: TypeInt64, Optional: true, Since: 1, Time: true},
	{Name: ColLatency, Type: TypeInt64, Since: 1},
	{Name: ColOutcome, Type: TypeString, Since: 1},
	{Name: ColErrorClass, Type: TypeString, Optional: true, Since: 1},
	{Name: ColSQLState, Type: TypeString, Optional: true, Since: 1},
	{Name: ColError, Type: TypeString, Optional: true, Since: 1},
	{Name: ColResolvedAddrs, Type: TypeString, Optional: true, Since: 1},
	{Name: ColDialedAddr, Type: TypeString, Optional: true, Since: 2},
	{Name: ColConnEstablished, Type: TypeInt64, Optional: true, Since: 2, Time: true},
	{Name: ColServerAddr, Type: TypeString, Optional: true, Since: 1},
	{Name: ColServerStart, Type: TypeInt64, Optional: true, Since: 1, Time: true},
	{Name: ColSystemID, Type: TypeString, Optional: true, Since: 1},
	{Name: ColInRecovery, Type: TypeBool, Optional: true, Since: 1},
	{Name: ColSeenSeq, Type: TypeInt64, Optional: true, Since: 1},
	{Name: ColObserved, Type: TypeInt64, Optional: true, Since: 2, Time: true},
	{Name: ColServerTime, Type: TypeInt64, Optional: true, Since: 2, Time: true},
	{Name: ColTimeline, Type: TypeInt64, Optional: true, Since: 2},
}

// ProbeColumn returns the column of Probe named name.
func ProbeColumn(name string) (Column, bool) {
	for _, c := range ProbeColumns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}
