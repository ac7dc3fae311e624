package result

import (
	"slices"
	"time"
)

// SummaryVersion is the major version of the JSON summary (Summary and
// everything it holds), its "version". It changes only when a field
// changes meaning or disappears; a reader refuses a summary of a newer
// major version (ReadJSON), whose fields it might misread.
const SummaryVersion = 1

// SummarySchema is the summary's schema version, "major.minor", its
// "schema_version": the major is SummaryVersion, the minor counts the
// additions (a summary of an older minor lacks the newer fields, one of a
// newer minor has fields this reader ignores).
//
//	1.0  (no schema_version) everything up to the series
//	1.1  schema_version; RunResult.Series, the probes of the runs drawn in
//	     detail, so that report.md and its pictures render from the
//	     summary alone
//	1.2  vantage points: RunResult.Vantage, SwitchoverID and WriteEndpoint
//	     (from run.json), Summary.Switchovers (see vantage.go)
const SummarySchema = "1.2"

// State is what one probe tells about the service at its intended start.
type State string

// Probe states. Every probe is in exactly one.
const (
	// StateOK: the probe succeeded within the slow threshold.
	StateOK State = "ok"
	// StateSlow: the probe succeeded, but its latency was above the slow
	// threshold of its stream (see Options.Slow and StreamResult.SlowThresholdNS)
	// and not above its stall threshold. Slow is healthy: mild slowness.
	StateSlow State = "slow"
	// StateStalled: the probe succeeded, but its latency was above the stall
	// threshold of its stream (see Options.Stall and
	// StreamResult.StallThresholdNS): the client waited, a disruption.
	StateStalled State = "stalled"
	// StateReadOnly: the probe failed with error class read_only (SQLSTATE
	// 25006): the endpoint answered, but with a server that refuses writes.
	StateReadOnly State = "read_only"
	// StateUnavailable: the probe could not reach a usable server: connect or
	// query timeout, connection refused or reset, server shutting down, too
	// many connections, DNS failure.
	StateUnavailable State = "unavailable"
	// StateError: any other failure (authentication, TLS, other errors).
	StateError State = "error"
	// StateSkipped: the probe never ran because its stream's in-flight
	// limit was reached (every earlier probe still hanging).
	StateSkipped State = "skipped"
)

// States lists every probe state in a stable order, so that counts by state
// can always show every state, a missing one reading as zero.
var States = []State{StateOK, StateSlow, StateStalled, StateReadOnly, StateUnavailable, StateError, StateSkipped}

// PhaseState is the state of a whole run during one of its phases: the
// sequence a person would describe ("healthy → unavailable → read-only →
// healthy (new server)").
type PhaseState string

// Phase states, from the least to the most severe. At any moment the run is
// in the most severe state of any of its streams (see the package doc):
// ok and slow probes are healthy, stalled probes stalled, skipped probes
// carry on the state of their stream before them.
const (
	PhaseHealthy     PhaseState = "healthy"
	PhaseStalled     PhaseState = "stalled"
	PhaseReadOnly    PhaseState = "read_only"
	PhaseError       PhaseState = "error"
	PhaseUnavailable PhaseState = "unavailable"
)

// PhaseStates lists every phase state from the least to the most severe.
var PhaseStates = []PhaseState{PhaseHealthy, PhaseStalled, PhaseReadOnly, PhaseError, PhaseUnavailable}

// The states of time the data cannot tell about (see the package doc,
// "Missing data and lulls"): neither healthy nor down. They never count
// toward downtime nor toward healthy time, and no outage ends in one.
const (
	// PhaseNoData: a recorder's stream has no row for the time (missing
	// Seqs, or the stream ended while others went on), and no stream
	// failed then.
	PhaseNoData PhaseState = "no_data"
	// PhaseNoTraffic: no stream of closed-loop traffic (imported traces or
	// request logs) sent a request for longer than its lull bound.
	PhaseNoTraffic PhaseState = "no_traffic"
)

// UnknownPhaseStates lists the phase states of unknown time.
var UnknownPhaseStates = []PhaseState{PhaseNoData, PhaseNoTraffic}

// Unknown reports whether s is time the data cannot tell about (no data,
// no traffic): neither healthy nor down.
func (s PhaseState) Unknown() bool { return slices.Contains(UnknownPhaseStates, s) }

// Outage reports whether s is part of an outage or a disruption: neither
// healthy nor unknown.
func (s PhaseState) Outage() bool { return s != PhaseHealthy && !s.Unknown() }

// Duration is a measured length of time and how precisely the sampling
// allows it to be known. The true length lies within NS ± ResolutionNS.
//
// A window (an interval of one state) is measured from the intended start of
// its first probe to the intended start of the first probe in another state,
// so it is known to one probe interval: ResolutionNS is the stream's probe
// interval. A total over k windows is known to k probe intervals.
type Duration struct {
	NS           int64 `json:"ns"`
	ResolutionNS int64 `json:"resolution_ns"`
	// Unknown: the data cannot tell (a column it rests on is absent, see
	// markUnknown); JSON null.
	Unknown bool `json:"-"`
}

// Seconds returns the length in seconds.
func (d Duration) Seconds() float64 { return float64(d.NS) / 1e9 }

// Window is an interval of time in one state. Start is the intended start of
// its first probe; End is the intended start of the first probe after it in
// another state (or, at the end of the data, the last probe's intended start
// plus one interval). Both boundaries are known to ± ResolutionNS.
//
// In a run without a grid (RunResult.ClosedLoop: imported traces or
// request logs) each boundary has its own resolution: StartResolutionNS
// and EndResolutionNS are half the gap between the requests either side
// of it (the boundary is their midpoint), and ResolutionNS, the
// resolution of the duration, is their sum. Both are absent on the
// recorder's grid, and 0 (absent) at the data's own first and last
// request, which bound the run exactly.
type Window struct {
	Start             time.Time `json:"start"`
	End               time.Time `json:"end"`
	DurationNS        int64     `json:"duration_ns"`
	ResolutionNS      int64     `json:"resolution_ns"`
	StartResolutionNS int64     `json:"start_resolution_ns,omitempty"`
	EndResolutionNS   int64     `json:"end_resolution_ns,omitempty"`
}

// Segment is a maximal interval of one stream in which every probe had the
// same state.
type Segment struct {
	Window
	State State `json:"state"`
	// Probes is the number of probes in the segment.
	Probes int64 `json:"probes"`
	// FirstSeq and LastSeq are the Seq numbers of its first and last probe.
	FirstSeq int64 `json:"first_seq"`
	LastSeq  int64 `json:"last_seq"`
	// FirstLatencyNS is how long after its intended start the segment's
	// first probe ended (for a timeout, about the timeout). The change that started the segment
	// happened after the previous probe started and before this one ended:
	// between Start - one interval and Start + FirstLatencyNS. With probes
	// much faster than the interval that is Start ± one interval; on a
	// machine where probes take seconds, or for a probe caught by a
	// no-answer window while it was connecting, the change can be up to
	// FirstLatencyNS later than Start.
	FirstLatencyNS int64 `json:"first_latency_ns"`
	// MedianLatencyNS is the median latency of the segment's probes (start
	// to end of each, those sent): what one attempt in this state typically
	// cost a client, a connect timeout its timeout, a read-only error a
	// round trip. 0 for a segment of skipped probes.
	MedianLatencyNS int64 `json:"median_latency_ns"`
	// ErrorClass is the most frequent error class of a failed segment.
	ErrorClass string `json:"error_class,omitempty"`
	// Error is one error message of that class, for people.
	Error string `json:"error,omitempty"`
}

// Phase is one step of a run's combined timeline.
type Phase struct {
	Window
	// Index numbers the phases of a run from 0.
	Index int        `json:"index"`
	State PhaseState `json:"state"`
	// Label is State as a person would say it, "healthy (new server)" for a
	// healthy phase answered by another server than the first healthy one,
	// "healthy (restarted)" when that is the first server restarted.
	Label string `json:"label"`
	// Server is the server identity (address:port@postmaster start) that
	// answered most write probes (else read probes) in the phase, when known.
	Server string `json:"server,omitempty"`
	// NewServer is set on a healthy phase whose Server differs from the
	// Server of the run's first healthy phase.
	NewServer bool `json:"new_server,omitempty"`
	// Restarted is set on a NewServer phase whose server is the first one
	// restarted: the same address, a new postmaster start, and the same
	// system identifier and timeline where the probes carry them. Its Label
	// is "healthy (restarted)".
	Restarted bool `json:"restarted,omitempty"`
	// Cause is the stream (kind/conn/endpoint) whose state set the phase's
	// state, for a phase other than healthy (the first one, in stream order).
	Cause string `json:"cause,omitempty"`
	// ErrorClass is the most frequent error class of the failed probes in
	// the phase.
	ErrorClass string `json:"error_class,omitempty"`
}

// StreamResult is one probe stream of a run: kind × client profile ×
// endpoint.
type StreamResult struct {
	Stream string `json:"stream"` // kind/profile/endpoint
	Kind   string `json:"kind"`
	Conn   string `json:"conn"` // the profile's connection mode
	// Profile is the client profile, empty for the built-in profile of
	// Conn (named like it); see ProfileName.
	Profile  string `json:"profile,omitempty"`
	Endpoint string `json:"endpoint"`

	// IntervalNS is the stream's probe interval: the grid step.
	IntervalNS int64 `json:"interval_ns"`
	// SlowThresholdNS is the latency above which a successful probe is slow.
	SlowThresholdNS int64 `json:"slow_threshold_ns"`
	// SlowThresholdSource says where it came from: "option" (--slow) or
	// "steady_state" (derived from the run, see the package doc).
	SlowThresholdSource string `json:"slow_threshold_source"`
	// StallThresholdNS is the latency above which a successful probe is
	// stalled; StallThresholdSource says where it came from, as
	// SlowThresholdSource ("option" is --stall).
	StallThresholdNS     int64  `json:"stall_threshold_ns"`
	StallThresholdSource string `json:"stall_threshold_source"`

	// Probes counts the rows used (after removing duplicates).
	Probes int64 `json:"probes"`
	// Duplicates counts rows dropped because an earlier row had the same
	// stream and Seq.
	Duplicates int64 `json:"duplicates"`
	// OutOfOrder counts rows that came after a row with a later intended
	// start (they are sorted before use).
	OutOfOrder int64 `json:"out_of_order"`
	// MissingSeqs counts Seq numbers between the first and last that no row
	// carries: rows lost from the record (the grid slot itself is never
	// missed by the recorder).
	MissingSeqs int64 `json:"missing_seqs"`

	// States counts the probes by state; every state is present.
	States map[State]int64 `json:"states"`
	// StateNS is the time spent in each state (every state present), summed
	// over the segments; StateWindows counts the segments of each state.
	StateNS      map[State]int64 `json:"state_ns"`
	StateWindows map[State]int64 `json:"state_windows"`
	// Segments are the stream's maximal intervals of one state, in time
	// order: the first MaxSegments of SegmentsTotal (a stream flipping
	// between ok and slow on every other probe would otherwise make the
	// summary grow with the data).
	Segments      []Segment `json:"segments"`
	SegmentsTotal int64     `json:"segments_total"`

	// NoDataNS is the time inside the stream with no row (missing Seqs);
	// NoTrafficNS, in a run without a grid, the time of its lulls, gaps
	// between requests longer than LullBoundNS (see the package doc).
	// Neither is in StateNS: neither is healthy nor down.
	NoDataNS    int64 `json:"no_data_ns,omitempty"`
	NoTrafficNS int64 `json:"no_traffic_ns,omitempty"`
	LullBoundNS int64 `json:"lull_bound_ns,omitempty"`
}

// UnplaceableEdge is a change of a stream's state across a gap too long
// to place it: no request for more than 2 × MaxEdgeUncertainty, so the
// change lies somewhere between After and Before, and the gap between
// them is no traffic rather than either state.
type UnplaceableEdge struct {
	Stream string `json:"stream"`
	From   State  `json:"from"`
	To     State  `json:"to"`
	// After is the intended start of the last request in From, Before of
	// the first in To.
	After  time.Time `json:"after"`
	Before time.Time `json:"before"`
	GapNS  int64     `json:"gap_ns"`
}

// MaxEdgeUncertainty is the largest ± an edge of closed-loop traffic is
// placed to: a change across a longer gap is an UnplaceableEdge.
const MaxEdgeUncertainty = 5 * time.Second

// ServiceResult is what one service of a run with several (imported
// traces: service.name) saw. Times are intended starts of requests.
type ServiceResult struct {
	Service string   `json:"service"`
	Streams []string `json:"streams"`
	// Requests counts its rows, Failed the failed ones.
	Requests int64 `json:"requests"`
	Failed   int64 `json:"failed"`
	// FirstFailure and LastFailure are its first and last failed request;
	// nil when none failed.
	FirstFailure *time.Time `json:"first_failure,omitempty"`
	LastFailure  *time.Time `json:"last_failure,omitempty"`
	// FailedByClass counts its failed requests by error class (only the
	// classes seen).
	FailedByClass map[string]int64 `json:"failed_by_class,omitempty"`
	// ServerBefore is the server that answered its last successful
	// request before the first failure (its first answer when none
	// failed); ServerAfter the one that answered its first successful
	// request after the last failure (its last answer when none failed).
	ServerBefore string `json:"server_before,omitempty"`
	ServerAfter  string `json:"server_after,omitempty"`
	// NoTrafficNS is the time in which none of its streams sent.
	NoTrafficNS int64 `json:"no_traffic_ns"`
}

// MaxSegments bounds StreamResult.Segments.
const MaxSegments = 1000

// The clocks a change is dated on (ServerChange.Clock and the like).
// Phases are always on intended starts (open-loop scheduling makes them
// comparable); a change is dated when a probe saw it.
const (
	// ClockObserved: when the probe saw it, the arrival of the answer that
	// carried it (Probe.Observed; for a file of schema version 1, End).
	ClockObserved = "observed"
	// ClockIntended: the probe's intended start, for a probe with neither
	// (imported rows, say).
	ClockIntended = "intended"
)

// ChangeTime is when a change was seen, on which clock and to what
// resolution: the first fields of ServerChange, DNSChange and
// TimelineChange (embedded, so the JSON is flat).
type ChangeTime struct {
	// Time is when the first probe that saw the new value saw it, on Clock
	// (for a DNS change: see DNSChange).
	Time time.Time `json:"time"`
	// ResolutionNS is the time from the last sighting of the old value to
	// Time: the change happened in between (0 when the two overlapped).
	ResolutionNS int64  `json:"resolution_ns"`
	Clock        string `json:"clock"`
	// Observed is Time when Clock is "observed"; Intended is the intended
	// start of that probe (the phases' clock).
	Observed *time.Time `json:"observed,omitempty"`
	Intended time.Time  `json:"intended"`
}

// ServerChange is a moment the answering server identity changed.
type ServerChange struct {
	ChangeTime
	Stream string `json:"stream"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// DNSChange is a moment the endpoint's DNS answer (Probe.ResolvedAddrs)
// changed. Its Time is when the first connection with the answer To was
// made (its ConnEstablished; a new connection that failed, or any probe of
// a file of schema version 1: its Start, the lookup being the first thing
// it does), on Clock; ResolutionNS is the time from the last such moment
// with From.
type DNSChange struct {
	ChangeTime
	Endpoint string `json:"endpoint"`
	Conn     string `json:"conn,omitempty"`    // the connection mode of the streams that saw it
	Profile  string `json:"profile,omitempty"` // and their profile, when not the built-in one of Conn
	From     string `json:"from"`
	To       string `json:"to"`
}

// TimelineChange is a moment the timeline of the server answering a stream
// changed: a promotion, seen from the server itself (the third signal of
// one beside the server identity and in_recovery).
type TimelineChange struct {
	ChangeTime
	Stream string `json:"stream"`
	From   int64  `json:"from"`
	To     int64  `json:"to"`
	Server string `json:"server"` // the server that answered on To
}

// ClockOffset is how far the servers' clocks were from the recorder's:
// server_time − the midpoint of each ok probe's statement round trip
// (connect_done to end: a new connection's handshake is no part of it),
// over the run's probes. A probe's own uncertainty is half its round trip,
// so the median is the figure to trust and the spread says how much.
type ClockOffset struct {
	Probes   int64 `json:"probes"`
	MedianNS int64 `json:"median_ns"`
	P5NS     int64 `json:"p5_ns"`
	P95NS    int64 `json:"p95_ns"`
}

// StaleDial is a stream's probes that, after an endpoint's DNS answer
// changed, still used (or waited for) a connection dialled to an address
// the new answer no longer has: a pool still on the old address, as
// opposed to a server that is slow.
type StaleDial struct {
	Stream string `json:"stream"`
	Addr   string `json:"addr"` // the address dialled (Probe.DialedAddr)
	// DNSChange is the Time of the DNS change they came after.
	DNSChange time.Time `json:"dns_change"`
	Probes    int64     `json:"probes"`
	Failed    int64     `json:"failed"`
	// Last is the observation time (else end) of the last such probe.
	Last time.Time `json:"last"`
	// MaxAgeNS is the oldest such connection's age when it answered
	// (observed − conn_established), 0 when none answered.
	MaxAgeNS int64 `json:"max_age_ns"`
}

// Latency is a latency distribution of successful probes (ok and slow), in
// nanoseconds. Count 0 means there were none and the rest is zero.
type Latency struct {
	Count int64 `json:"count"`
	P50NS int64 `json:"p50_ns"`
	P90NS int64 `json:"p90_ns"`
	P99NS int64 `json:"p99_ns"`
	MaxNS int64 `json:"max_ns"`
}

// LatencyPeriods splits a latency distribution by the run's outage span:
// before its first non-healthy phase, during (from the start of the first to
// the end of the last non-healthy phase), and after. A run that never fails
// has all of its probes in Before.
type LatencyPeriods struct {
	Before Latency `json:"before"`
	During Latency `json:"during"`
	After  Latency `json:"after"`
}

// Staleness is how far behind the writes the reader was. For a successful
// read probe that saw write Seq s (Probe.SeenSeq), it is the time between
// the acknowledgement of write s+1 and the read's start, when write s+1 was
// acknowledged before the read started; otherwise zero.
type Staleness struct {
	// Reads counts the read probes that could be measured.
	Reads int64 `json:"reads"`
	// Stale counts those that missed an acknowledged write.
	Stale int64 `json:"stale"`
	P50NS int64 `json:"p50_ns"`
	P99NS int64 `json:"p99_ns"`
	MaxNS int64 `json:"max_ns"`
	// WriteStream is the write stream whose Seq numbers SeenSeq refers to.
	WriteStream string `json:"write_stream"`
}

// EventOffset relates a ground-truth or annotated event to the run.
type EventOffset struct {
	// Name is the event's machine name (what --trigger matches); Label its
	// label as the source wrote it when that differs (event.Label: a
	// CSV label, a mark, an AWS message), for people.
	Name   string    `json:"name"`
	Label  string    `json:"label,omitempty"`
	Source string    `json:"source"`
	Time   time.Time `json:"time"`
	// ToFirstError is the time from the event to the intended start of the
	// first failed probe at or after it (nil when none failed after it).
	ToFirstError *Duration `json:"to_first_error,omitempty"`
	// OutageSince is set when the event came inside an outage already under
	// way, one that began more than one interval (a boundary's uncertainty)
	// before it: the start of that outage window (ToFirstError is then 0).
	OutageSince *time.Time `json:"outage_since,omitempty"`
	// ToRecovery is the time from the event to the end of the last
	// non-healthy phase after it (nil when the run did not recover).
	ToRecovery *Duration `json:"to_recovery,omitempty"`
	// Trigger marks the event the Metrics' Event* offsets are measured from.
	Trigger bool `json:"trigger,omitempty"`
}

// Disruption is how one probe kind's streams were disrupted: failed or
// stalled (a successful probe slower than the stall threshold).
type Disruption struct {
	// StallTime is the time during which at least one stream of the kind
	// was stalled and none failed, summed over windows.
	StallTime Duration `json:"stall_time"`
	// DisruptionTime is from the start of the first to the end of the last
	// window in which a stream of the kind failed or stalled (zero when
	// none did); Start and End are those moments.
	DisruptionTime Duration   `json:"disruption_time"`
	Start          *time.Time `json:"start,omitempty"`
	End            *time.Time `json:"end,omitempty"`
	// Probes counts the probes of the kind that ran inside the disruption,
	// StalledProbes those of them that stalled.
	Probes        int64 `json:"probes"`
	StalledProbes int64 `json:"stalled_probes"`
	// MaxLatencyNS and P99LatencyNS are the largest and the 99th percentile
	// latency of those probes, failed ones at the latency they took (a
	// timeout at its timeout): how long clients waited.
	MaxLatencyNS int64 `json:"max_latency_ns"`
	P99LatencyNS int64 `json:"p99_latency_ns"`
	// StallThresholdNS is the largest stall threshold of the kind's streams,
	// StallThresholdMinNS the smallest: each stream has its own (from its
	// steady latency), and a pool's is lower than a new connection's.
	StallThresholdNS    int64 `json:"stall_threshold_ns"`
	StallThresholdMinNS int64 `json:"stall_threshold_min_ns"`
}

// LostWrites is the lost-write check of a run (verify.json).
type LostWrites struct {
	// Lost counts writes acknowledged to the client but missing afterwards.
	Lost int64 `json:"lost"`
	// CommittedFailed counts writes the client saw fail that committed anyway.
	CommittedFailed int64 `json:"committed_failed"`
	// Unexpected counts keys of the run that no probe row accounts for.
	Unexpected          int64   `json:"unexpected"`
	LostSeqs            []int64 `json:"lost_seqs"`
	CommittedFailedSeqs []int64 `json:"committed_failed_seqs"`
	// LostWrites and CommittedFailedWrites are LostSeqs and
	// CommittedFailedSeqs with the stream of each write, when verify.json
	// names them (store.Verify's Lost and CommittedFailed; absent in older
	// runs): several write streams share sequence numbers.
	LostWrites            []StreamSeq `json:"lost_writes,omitempty"`
	CommittedFailedWrites []StreamSeq `json:"committed_failed_writes,omitempty"`
}

// StreamSeq is one write probe: its stream and sequence number.
type StreamSeq struct {
	Stream string `json:"stream"`
	Seq    int64  `json:"seq"`
}

// Metrics are the few numbers a post-mortem of one run needs. A nil pointer
// means "not applicable to this run" (no write probes, no event, never
// recovered...), never zero.
type Metrics struct {
	// WriteDowntime is the time during which at least one write stream was
	// failing (read_only, unavailable, error), summed over windows.
	WriteDowntime *Duration `json:"write_downtime,omitempty"`
	// LongestWriteOutage is the longest single window of WriteDowntime.
	LongestWriteOutage *Duration `json:"longest_write_outage,omitempty"`
	// ReadDowntime is the time during which at least one read stream was
	// failing.
	ReadDowntime *Duration `json:"read_downtime,omitempty"`
	// ReadOnlyTime is the total time of the run's read_only phases.
	ReadOnlyTime Duration `json:"read_only_time"`
	// UnavailableTime is the total time of the run's unavailable phases.
	UnavailableTime Duration `json:"unavailable_time"`
	// ErrorTime is the total time of the run's error phases.
	ErrorTime Duration `json:"error_time"`
	// NoDataTime is the total time of the run's no_data phases and
	// NoTrafficTime of its no_traffic phases: the time of the window the
	// data cannot tell about. Neither counts as healthy or down time.
	NoDataTime    Duration `json:"no_data_time"`
	NoTrafficTime Duration `json:"no_traffic_time"`
	// KnownWriteDowntime holds the failing time of the write streams that
	// is known (a lower bound) when WriteDowntime is unknown because they
	// have time without data (see Unknown); KnownReadDowntime likewise.
	KnownWriteDowntime *Duration `json:"known_write_downtime,omitempty"`
	KnownReadDowntime  *Duration `json:"known_read_downtime,omitempty"`
	// StalledTime is the total time of the run's stalled phases: some
	// stream stalled while none failed.
	StalledTime Duration `json:"stalled_time"`
	// Disruption measures, by probe kind ("write", "read"; a kind without
	// streams is absent), how long its streams failed or stalled and how
	// long its clients waited then. Failing and stalling stay separate:
	// WriteDowntime is the failure, Disruption["write"].StallTime the wait.
	Disruption map[string]Disruption `json:"disruption,omitempty"`
	// OutageTime is the time from the start of the first to the end of the
	// last non-healthy phase (zero for a run that never failed).
	OutageTime Duration `json:"outage_time"`
	// Outages counts the separate outage windows: maximal runs of
	// non-healthy phases between healthy ones. More than one is flapping.
	Outages int `json:"outages"`
	// Recovered is false when the run ended in a non-healthy phase.
	Recovered bool `json:"recovered"`

	// FirstError is the intended start of the first failed probe.
	FirstError *time.Time `json:"first_error,omitempty"`
	// Recovery is the end of the last non-healthy phase, when the run recovered.
	Recovery *time.Time `json:"recovery,omitempty"`

	// Events relates each event of the run to its failure and recovery.
	Events []EventOffset `json:"events,omitempty"`
	// EventToFirstError and EventToRecovery repeat the offsets of the first
	// event (the trigger), the ones grouped across runs.
	EventToFirstError *Duration `json:"event_to_first_error,omitempty"`
	EventToRecovery   *Duration `json:"event_to_recovery,omitempty"`
	// Trigger names the event the Event* offsets are measured from, and
	// TriggerRule the rule that chose it (the TriggerBy* values): the one
	// named by Options.Trigger; else the first event marked as the trigger
	// ("switchwatch mark --trigger", record --switchover's command); else
	// the first --switchover command event; else the first switchover step
	// the lab, a provider or a server's promote request names; else the
	// first event not from a server's log at or after the
	// run's start. A plain mark is an annotation, never chosen before those.
	Trigger     string `json:"trigger,omitempty"`
	TriggerRule string `json:"trigger_rule,omitempty"`
	// EventToServerChange and EventToDNSChange are the times from the
	// trigger event to ServerChange and DNSChange (negative when the change
	// came first), with the resolution of the change.
	EventToServerChange *Duration `json:"event_to_server_change,omitempty"`
	EventToDNSChange    *Duration `json:"event_to_dns_change,omitempty"`

	// ServerChanges lists the moments the server answering a stream changed
	// (at most 50 per stream); ServerChangeCount counts them all, nil
	// (JSON null) when unknown: a run without the server columns cannot
	// tell its server changes, which is not 0 of them.
	ServerChanges     []ServerChange `json:"server_changes,omitempty"`
	ServerChangeCount *int64         `json:"server_change_count"`
	// ServerChange is the first change on a write stream (else on any).
	ServerChange *time.Time `json:"server_change,omitempty"`
	// DNSChanges lists the moments an endpoint's DNS answer (as a set of
	// addresses) changed, at most 50 per stream; DNSChangeCount counts them
	// all, per stream.
	DNSChanges     []DNSChange `json:"dns_changes,omitempty"`
	DNSChangeCount int64       `json:"dns_change_count"`
	// DNSChange is the first DNS change on the write endpoint (else on any).
	DNSChange *time.Time `json:"dns_change,omitempty"`
	// TimelineChanges lists the moments the timeline of the server
	// answering a stream changed (at most 50 per stream); TimelineChange
	// is the first on a write stream (else on any).
	TimelineChanges       []TimelineChange `json:"timeline_changes,omitempty"`
	TimelineChange        *time.Time       `json:"timeline_change,omitempty"`
	EventToTimelineChange *Duration        `json:"event_to_timeline_change,omitempty"`
	// StaleDials lists, per stream and address, probes on connections
	// dialled to an address a DNS change had dropped.
	StaleDials []StaleDial `json:"stale_dials,omitempty"`
	// ClockOffset is nil when no probe read the server's clock (files of
	// schema version 1).
	ClockOffset *ClockOffset `json:"clock_offset,omitempty"`

	// FailedByClass counts failed and skipped probes by error class; every
	// class of store.ErrorClasses is present.
	FailedByClass map[string]int64 `json:"failed_by_class"`
	// FailedProbes counts the probes in state read_only, unavailable or error.
	FailedProbes int64 `json:"failed_probes"`
	// Latency is the latency of successful probes by probe kind.
	Latency map[string]LatencyPeriods `json:"latency"`
	// Staleness of the reader; nil for a run without measurable reads.
	Staleness *Staleness `json:"staleness,omitempty"`
	// LostWrites is nil when the run has no verify.json.
	LostWrites *LostWrites `json:"lost_writes,omitempty"`
	// OldPrimaryWrites are the writes a server other than the one holding
	// the data afterwards acknowledged once that one had answered a
	// write; nil when no successful write names its server.
	OldPrimaryWrites *OldPrimaryWrites `json:"old_primary_writes,omitempty"`
	// Unknown names the metrics the data cannot tell, and why: a column
	// they rest on is absent from a segment, or their streams have time
	// without data. Their values here are null or empty, never a measured
	// 0, and the statistics leave the run out of them.
	Unknown []UnknownMetric `json:"unknown,omitempty"`
}

// UnknownMetric is a metric the data of a run cannot tell, and why.
type UnknownMetric struct {
	Metric string `json:"metric"`
	Why    string `json:"why"`
}

// MarkUnknown records that the metrics named cannot be told, and why.
func (m *Metrics) MarkUnknown(why string, names ...string) {
	for _, n := range names {
		m.Unknown = append(m.Unknown, UnknownMetric{Metric: n, Why: why})
	}
}

// UnknownWhy says why the metric named name is unknown, and whether it is
// (MarkUnknown).
func (m *Metrics) UnknownWhy(name string) (string, bool) {
	for _, u := range m.Unknown {
		if u.Metric == name {
			return u.Why, true
		}
	}
	return "", false
}

// OldPrimaryWrites counts writes acknowledged by an old primary after the
// new one had taken over (see the metric old_primary_writes).
type OldPrimaryWrites struct {
	Count int64 `json:"count"`
	// Holder is the server identity that holds the data afterwards: the
	// one on the newest timeline that acknowledged a write (the latest to
	// answer where that does not tell); HolderSince its first answer to a
	// write.
	Holder      string    `json:"holder"`
	HolderSince time.Time `json:"holder_since"`
	// First and Last are the answers of the first and last counted write.
	First *time.Time `json:"first,omitempty"`
	Last  *time.Time `json:"last,omitempty"`
	// Servers lists the servers that acknowledged them, most writes first
	// (at most 8).
	Servers []OldPrimaryServer `json:"servers,omitempty"`
}

// OldPrimaryServer is one server that acknowledged writes after the
// holder had taken over.
type OldPrimaryServer struct {
	Server   string    `json:"server"`
	Timeline int64     `json:"timeline,omitempty"`
	Writes   int64     `json:"writes"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Streams  []string  `json:"streams"`
}

// RunResult is the analysis of one run.
type RunResult struct {
	RunID string `json:"run_id"`
	// Path is the run folder (or the Parquet file the rows came from).
	Path   string            `json:"path"`
	Labels map[string]string `json:"labels,omitempty"`
	// Vantage is where the run was recorded from (run.json "vantage", else
	// its "host"), SwitchoverID the switchover it watched (run.json
	// "switchover_id"), WriteEndpoint its write endpoint as
	// "host:port,host:port/database" (run.json settings.write_endpoint):
	// what Summary.Switchovers groups runs by (added in schema 1.2).
	Vantage       string `json:"vantage,omitempty"`
	SwitchoverID  string `json:"switchover_id,omitempty"`
	WriteEndpoint string `json:"write_endpoint,omitempty"`
	// Start and End are the first probe's intended start and the last
	// probe's intended start plus one interval.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// IntervalNS is the run's probe interval, the resolution of its phase
	// boundaries; IntervalSource says where it came from: "run.json" (the
	// "interval" setting) or "median_step" (the median step between the
	// intended starts of consecutive probes of a stream).
	IntervalNS     int64  `json:"interval_ns"`
	IntervalSource string `json:"interval_source"`

	// Rows counts the rows read; Duplicates those dropped as duplicates.
	Rows       int64 `json:"rows"`
	Duplicates int64 `json:"duplicates"`

	Streams []StreamResult `json:"streams"`
	Phases  []Phase        `json:"phases"`
	Metrics Metrics        `json:"metrics"`
	// ClosedLoop is set for a run without the recorder's grid (run.json's
	// settings.schedule "irregular" or "closed_loop": imported traces,
	// request logs, pgbench without --rate): its boundaries have their
	// own resolutions (Window), lulls are no_traffic, and IntervalNS is
	// only the importer's nominal step.
	ClosedLoop bool `json:"closed_loop,omitempty"`
	// UnplaceableEdges are the changes of a closed-loop stream's state
	// that lie in a gap too long to place them (at most 50).
	UnplaceableEdges []UnplaceableEdge `json:"unplaceable_edges,omitempty"`
	// Services is what each service saw, for a run whose streams name
	// their services (run.json settings.profiles, as import otlp writes).
	Services []ServiceResult `json:"services,omitempty"`
	// Recorder says how well the recorder kept its schedule and whether
	// the run is degraded (RecorderHealth); nil in a summary written
	// before it existed, and for a run without rows.
	Recorder *RecorderHealth `json:"recorder,omitempty"`
	// Profiles is each client profile analyzed on its own streams, in
	// the order the recording listed them; only for a run with a profile
	// beyond the built-in new and pooled (see ProfileResult).
	Profiles []ProfileResult `json:"profiles,omitempty"`
	// Warnings about this run (interval disagreement, missing rows, ...).
	Warnings []string `json:"warnings,omitempty"`
	// Series are the run's probes in its detail window, for the pictures
	// of a run drawn in detail (Summary.DetailRuns); nil for the others
	// (added in summary version 1.1).
	Series *Series `json:"series,omitempty"`
	// Latencies are each stream's latency histograms per phase, with
	// Options.Latencies only (for HdrHistogram interval logs; not in the
	// JSON).
	Latencies []StreamLatency `json:"-"`
}

// Stats summarise one metric over the runs of one group. Values are in the
// metric's unit (see MetricInfo.Unit): nanoseconds for times, a plain
// number for counts.
type Stats struct {
	Metric string `json:"metric"`
	Unit   string `json:"unit"`
	// N is the number of runs that had the metric; Missing those that did not
	// (a run that never recovered has no recovery time).
	N       int     `json:"n"`
	Missing int     `json:"missing"`
	Min     float64 `json:"min"`
	Median  float64 `json:"median"`
	Mean    float64 `json:"mean"`
	P95     float64 `json:"p95"`
	Max     float64 `json:"max"`
	Stddev  float64 `json:"stddev"`
	// MedianLo and MedianHi bound the median's confidence interval at level
	// Confidence (0.95); they are ±Inf (JSON null) when n is too small.
	MedianLo   *float64 `json:"median_lo"`
	MedianHi   *float64 `json:"median_hi"`
	Confidence float64  `json:"confidence"`
	// ResolutionNS is the largest per-run resolution of the metric in the
	// group (for time metrics).
	ResolutionNS int64 `json:"resolution_ns,omitempty"`
	// Warnings are statistical caveats, e.g. "need >= 6 samples for
	// confidence interval at level 0.95".
	Warnings []string `json:"warnings,omitempty"`
}

// Group is the runs that share the values of the --by labels.
type Group struct {
	// Key is the group's label values in --by order, "key=value,key=value",
	// where "path" (ByPath) is the path argument as given ("today/"); "all"
	// when there is no --by. Labels holds the same values by key.
	Key    string            `json:"key"`
	Labels map[string]string `json:"labels"`
	Runs   []string          `json:"runs"`
	Stats  []Stats           `json:"stats"`
}

// Comparison compares one metric of a group with the same metric of the
// baseline group (the first group).
type Comparison struct {
	Metric   string `json:"metric"`
	Unit     string `json:"unit"`
	Baseline string `json:"baseline"` // group key
	Group    string `json:"group"`    // group key
	// Delta is Group's median minus Baseline's median.
	Delta float64 `json:"delta"`
	// DeltaPct is Delta relative to Baseline's median (nil when that is 0).
	DeltaPct *float64 `json:"delta_pct"`
	// P is the Mann-Whitney U test p-value; Significant is P < Alpha.
	P           float64 `json:"p"`
	Alpha       float64 `json:"alpha"`
	Significant bool    `json:"significant"`
	N1          int     `json:"n1"`
	N2          int     `json:"n2"`
	// Warnings say, for example, that n is too small to ever be significant.
	Warnings []string `json:"warnings,omitempty"`
}

// BoundaryError is the distance between one ground-truth event edge and the
// nearest phase boundary the analyzer detected.
type BoundaryError struct {
	RunID string `json:"run_id"`
	Event string `json:"event"`
	// Edge is "start" (the event's Time) or "end" (its End).
	Edge      string    `json:"edge"`
	EventTime time.Time `json:"event_time"`
	// Boundary is the detected boundary nearest to EventTime (zero time when
	// the run has no boundary).
	Boundary time.Time `json:"boundary"`
	// Stream is the stream whose state changed at Boundary ("" for a
	// boundary of the combined phases only).
	Stream string `json:"stream,omitempty"`
	// ErrorNS is Boundary - EventTime.
	ErrorNS      int64 `json:"error_ns"`
	ResolutionNS int64 `json:"resolution_ns"`
	// HalfGapNS is half the gap between the last probe before Boundary and
	// the first after it (half an interval on the recorder's grid): the
	// boundary is their midpoint, known to ± HalfGapNS.
	HalfGapNS int64 `json:"half_gap_ns"`
	// LatencyNS is the FirstLatencyNS of the segment that starts at
	// Boundary: the change may lie up to this long after the first probe
	// after the boundary started.
	LatencyNS int64 `json:"latency_ns"`
	// Within says the event lies where the probes place the change: after
	// the last probe before the boundary started (ErrorNS <= HalfGapNS)
	// and before the first probe after it ended (ErrorNS >= -HalfGapNS -
	// LatencyNS).
	Within bool `json:"within"`
	// Expected is set for event edges that change what clients see (an
	// endpoint stops or starts answering, a server turns read-only, is
	// killed, restarts or is promoted), so that a boundary must lie near
	// them. Other events (a wait, the scenario span) are listed for
	// reference and not counted.
	Expected bool `json:"expected"`
	// Effect is what an expected edge does to clients: event.Fails or
	// event.Recovers, matched only with a boundary into a worse, or a
	// better, state; event.Changes (synthetic faults), with either.
	Effect string `json:"effect,omitempty"`
	// TooShort is set, and Expected cleared, on the edges that would be
	// expected when all of a run's such edges lie within one probe
	// interval: a disruption that short may fall between two probes.
	TooShort bool `json:"too_short,omitempty"`
}

// Accuracy is the --truth check: how far detected boundaries (a change of
// the combined phases or of one stream's healthy / read-only / unavailable /
// error state) lie from the ground-truth events. Within and Total count
// the expected edges only.
type Accuracy struct {
	Boundaries []BoundaryError `json:"boundaries"`
	Within     int             `json:"within"`
	Total      int             `json:"total"`
	// MeanErrorNS is the mean signed ErrorNS of the expected edges that
	// probes date to ± half their gap, those whose first probe after the
	// boundary ended within one interval (LatencyNS <= ResolutionNS);
	// MaxErrorNS the largest |ErrorNS| of them, ErrorEdges their number.
	// An edge whose first probe was in flight for longer (a timeout, a
	// connect that hung) places the change anywhere in that flight, and its
	// error says how long the flight was rather than how well the edge is
	// placed.
	MeanErrorNS int64 `json:"mean_error_ns"`
	MaxErrorNS  int64 `json:"max_error_ns"`
	ErrorEdges  int   `json:"error_edges"`
}

// Input counts what was read and what had to be skipped. Nothing is
// dropped silently: every skipped file is listed with its reason.
type Input struct {
	Paths   []string      `json:"paths"`
	Runs    int           `json:"runs"` // the runs in the statistics (not Excluded)
	Files   int           `json:"files"`
	Rows    int64         `json:"rows"`
	Skipped []SkippedFile `json:"skipped"`
	// Excluded are runs found but left out of the runs and statistics:
	// those without a readable row (a zero-outage run they are not), and
	// a run reached a second time (a copy, a link, another spelling).
	Excluded []ExcludedRun `json:"excluded,omitempty"`
}

// ExcludedRun is a run left out of the analysis, and why.
type ExcludedRun struct {
	RunID  string `json:"run_id"`
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// SkippedFile is an input file, or part of one, that could not be used.
type SkippedFile struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
	// Rows lost with it, -1 when unknown.
	Rows int64 `json:"rows"`
}

// Summary is everything an analysis found: what `switchwatch analyze --json`
// writes and what a renderer (the report) takes.
type Summary struct {
	Version int `json:"version"` // SummaryVersion
	// Schema is the schema version, "major.minor" (SummarySchema); empty
	// in summaries of schema 1.0.
	Schema      string    `json:"schema_version,omitempty"`
	Tool        string    `json:"tool"`
	ToolVersion string    `json:"tool_version"`
	GeneratedAt time.Time `json:"generated_at"`
	// By is the --by label keys the groups are made of; "path" (ByPath) is
	// the path argument each run was found under, which is also how several
	// paths without --by are grouped. Empty: one group "all".
	By []string `json:"by"`
	// Metrics documents every metric that Groups and Comparisons name.
	Metrics     []MetricInfo `json:"metrics"`
	Input       Input        `json:"input"`
	Runs        []RunResult  `json:"runs"`
	Groups      []Group      `json:"groups"`
	Comparisons []Comparison `json:"comparisons,omitempty"`
	// ProfileComparison compares the runs' client profiles, paired by
	// run; nil when no run has a profile beyond the built-in ones.
	ProfileComparison *ProfileSummary `json:"profile_comparison,omitempty"`
	Accuracy          *Accuracy       `json:"accuracy,omitempty"`
	// Switchovers are the switchovers seen from several vantages, each
	// vantage's run side by side on the servers' clock (see vantage.go;
	// added in schema 1.2); empty when no two vantages saw one.
	Switchovers []Switchover `json:"switchovers,omitempty"`
	// Checks are the --check thresholds and what each found, in the
	// order given, one result per group or run a check applies to.
	Checks []CheckResult `json:"checks,omitempty"`
	// Warnings are about the analysis as a whole.
	Warnings []string `json:"warnings,omitempty"`
	// Notes explain how to read the numbers (resolution, definitions).
	Notes []string `json:"notes,omitempty"`
}

// MetricInfo names and explains one metric of the group statistics.
type MetricInfo struct {
	Name        string `json:"name"`
	Unit        string `json:"unit"` // "ns" or "count"
	Description string `json:"description"`
}

// ProfileName is the stream's client profile: Profile, or the built-in
// profile named like its connection mode.
func (s *StreamResult) ProfileName() string {
	if s.Profile != "" {
		return s.Profile
	}
	return s.Conn
}

// Called is what to call the event: its label as written, else its name.
func (e *EventOffset) Called() string {
	if e.Label != "" {
		return e.Label
	}
	return e.Name
}

// Check verdicts. A value within its resolution of the threshold is
// undecided, not passed; a metric that no run has is unknown. Only
// CheckPass passes.
const (
	CheckPass      = "pass"
	CheckFail      = "fail"
	CheckUndecided = "undecided"
	CheckUnknown   = "unknown"
)

// CheckResult is one --check applied to one group or run.
type CheckResult struct {
	// Check is the expression as given, e.g. "write_downtime.median<5s".
	Check  string `json:"check"`
	Metric string `json:"metric"`
	// Stat is the statistic across the group's runs (min, median, mean,
	// p95, max); "" for a check of each run's own value.
	Stat string `json:"stat,omitempty"`
	// Scope is "group" or "run"; Subject the group key or run id.
	Scope   string `json:"scope"`
	Subject string `json:"subject"`
	Op      string `json:"op"`
	Unit    string `json:"unit"`
	// Threshold and Value are in Unit; Value is nil when unknown.
	Threshold    float64  `json:"threshold"`
	Value        *float64 `json:"value"`
	ResolutionNS int64    `json:"resolution_ns,omitempty"`
	// N is the number of runs behind a group statistic.
	N      int    `json:"n,omitempty"`
	Status string `json:"status"`
	// Reason says why a check is unknown or undecided.
	Reason string `json:"reason,omitempty"`
}

// Passed reports whether the check passed.
func (c *CheckResult) Passed() bool { return c.Status == CheckPass }
