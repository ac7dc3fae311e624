package result

import "time"

// Vantage points: one switchover recorded from several hosts (one per
// availability zone or client subnet), each run naming where it probed from
// (run.json "vantage") and, when the recorders were told, which switchover
// it watched (run.json "switchover_id"). Summary.Switchovers puts the
// vantages of each such switchover side by side:
//
//	for _, sw := range sum.Switchovers {
//		for _, v := range sw.Vantages {
//			v.Vantage, v.FirstError.Time, v.Recovery.Time, v.Phases ...
//		}
//		sw.Vantage("zone-b").Recovery // nil: no outage seen, or not recovered
//		sw.RecoverySpread.NS, sw.RecoverySpread.Latest ...
//	}
//
// # One clock
//
// Every vantage dates its probes by its own clock, and two hosts' clocks
// may disagree by more than the differences sought (NTP keeps them within
// milliseconds to seconds; a host without it drifts freely). Every vantage
// talks to the same servers, whose clock_timestamp() each ok probe reads
// (server_time): ClockOffset is how far the servers' clock is from the
// vantage's, so a vantage's times plus its median offset are on the
// servers' clock, the one clock all vantages share. That is the clock of
// Switchover's times (Clock "servers").
//
// Its limits: the offset is known to about half a statement's round trip
// per probe, and the spread of the probes' offsets (p5 to p95) says how
// well the median is known: half of it, OffsetUncertaintyNS, is added to
// every comparison across vantages. The servers of a switchover (old and
// new primary) have clocks of their own; the offset is the median over the
// run, mostly of one of them, so a difference between the servers' clocks
// shifts every vantage alike, not one against another, as long as the
// vantages saw the same servers for comparable times. A clock that jumps
// during the run (a step of NTP) is not corrected.
//
// A vantage with no offset (no probe read the servers' clock: files of
// schema version 1, imported traces, a summary made with --no-runs's
// projection) keeps its times on its own clock, Clock "own": it is
// listed, drawn and marked so, and left out of the spreads, which never mix
// two clocks.
//
// # Grouping
//
// Runs are grouped by switchover_id; runs without one by the same write
// endpoint (run.json settings.write_endpoint: its hosts and database) over
// overlapping time. A group with at least two distinct vantages is a
// Switchover; two runs of one vantage are one vantage (the first run is
// used, the others named in Warnings). Runs without a vantage (older runs
// and other tools name none; the recorder's default is the host name) are
// not grouped.

// Values of Switchover.GroupedBy.
const (
	GroupedBySwitchoverID  = "switchover_id"
	GroupedByWriteEndpoint = "write_endpoint"
)

// Values of VantageResult.Clock.
const (
	// VantageClockServers: the vantage's times are shifted by its clock
	// offset onto the servers' clock.
	VantageClockServers = "servers"
	// VantageClockOwn: the vantage has no clock offset; its times are on
	// its own clock and are not compared with the others'.
	VantageClockOwn = "own"
)

// Switchover is one switchover seen from several vantages (see "Vantage
// points" above). Times are on the servers' clock, except those of a
// vantage whose Clock is VantageClockOwn.
type Switchover struct {
	// ID is the runs' switchover_id; empty when they were grouped by their
	// write endpoint.
	ID string `json:"id,omitempty"`
	// GroupedBy says how the runs were found to be one switchover
	// (GroupedBySwitchoverID or GroupedByWriteEndpoint).
	GroupedBy string `json:"grouped_by"`
	// WriteEndpoint is the runs' write endpoint (hosts/database) when they
	// all name the same one.
	WriteEndpoint string `json:"write_endpoint,omitempty"`
	// Vantages are the vantages in the order of their first error (those
	// without an outage last), then by name.
	Vantages []VantageResult `json:"vantages"`
	// Reference is the earliest first error on the servers' clock, the zero
	// of the relative times the text and the picture show; nil when no
	// vantage on the servers' clock saw a failed probe (the picture then
	// counts from From).
	Reference *time.Time `json:"reference,omitempty"`
	// From and To bound the window the picture shows: the vantages'
	// outages padded by half their span and at least 5 s (within the
	// runs), on the servers' clock.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// FirstErrorSpread and RecoverySpread compare the vantages' first
	// error and recovery.
	FirstErrorSpread Spread `json:"first_error_spread"`
	RecoverySpread   Spread `json:"recovery_spread"`
	// Warnings say what was left out of the switchover and why.
	Warnings []string `json:"warnings,omitempty"`
}

// Vantage returns the vantage named name, nil when the switchover has
// none of that name.
func (s *Switchover) Vantage(name string) *VantageResult {
	for i := range s.Vantages {
		if s.Vantages[i].Vantage == name {
			return &s.Vantages[i]
		}
	}
	return nil
}

// VantageResult is one vantage's run of a Switchover.
type VantageResult struct {
	Vantage string `json:"vantage"`
	RunID   string `json:"run_id"`
	// ClockOffset is the run's (RunResult.Metrics.ClockOffset): servers'
	// clock − the vantage's; nil when no probe read the servers' clock.
	ClockOffset *ClockOffset `json:"clock_offset,omitempty"`
	// OffsetNS is the shift applied to the vantage's times (the median
	// offset; 0 with Clock "own") and OffsetUncertaintyNS how well it is
	// known: (p95 − p5) / 2 of the probes' offsets.
	OffsetNS            int64 `json:"offset_ns"`
	OffsetUncertaintyNS int64 `json:"offset_uncertainty_ns"`
	// Clock is the clock of its times: VantageClockServers or
	// VantageClockOwn.
	Clock string `json:"clock"`
	// Start and End are the run's (RunResult.Start and End), on Clock.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// IntervalNS is the run's probe interval.
	IntervalNS int64 `json:"interval_ns"`
	// Phases are the run's phases on Clock (all of them).
	Phases []VantagePhase `json:"phases"`
	// Outage is false for a run that never failed nor stalled: "no outage
	// seen" (its FirstError and Recovery are nil, never 0).
	Outage bool `json:"outage"`
	// FirstError is the intended start of its first failed probe
	// (RunResult.Metrics.FirstError) on Clock; nil when none failed.
	FirstError *Instant `json:"first_error,omitempty"`
	// Recovery is the end of its last non-healthy phase on Clock; nil when
	// it had no outage, or did not recover before its run ended
	// (Recovered false).
	Recovery  *Instant `json:"recovery,omitempty"`
	Recovered bool     `json:"recovered"`
	// WriteDowntime is the run's (RunResult.Metrics.WriteDowntime): nil
	// without write probes, unknown (null) when the data cannot tell.
	WriteDowntime *Duration `json:"write_downtime,omitempty"`
	// WriteDowntimeUnknown says why the run's write downtime is unknown
	// (Metrics.UnknownWhy), KnownWriteDowntime its known part, a lower
	// bound; both empty when it is known or there were no writes. Kept
	// apart because a nil WriteDowntime alone cannot tell "no writes"
	// from "the data cannot tell", in memory or in summary.json.
	WriteDowntimeUnknown string    `json:"write_downtime_unknown,omitempty"`
	KnownWriteDowntime   *Duration `json:"known_write_downtime,omitempty"`
}

// VantagePhase is one phase of a vantage's run, on its Clock. Each edge
// is known to ± its resolution: the run's probe interval on the recorder's
// grid, the edge's own (Window.StartResolutionNS, EndResolutionNS) in a run
// without one.
type VantagePhase struct {
	State             PhaseState `json:"state"`
	Label             string     `json:"label"`
	Start             time.Time  `json:"start"`
	End               time.Time  `json:"end"`
	StartResolutionNS int64      `json:"start_resolution_ns"`
	EndResolutionNS   int64      `json:"end_resolution_ns"`
}

// Instant is a moment on a vantage's Clock, known to ± ResolutionNS (the
// edge's resolution, without the clock offset's uncertainty).
type Instant struct {
	Time         time.Time `json:"time"`
	ResolutionNS int64     `json:"resolution_ns"`
}

// Spread is how far apart the vantages saw one moment (their first error,
// their recovery): the latest minus the earliest, on the servers' clock.
type Spread struct {
	// NS is Latest's moment − Earliest's; nil (JSON null) when it cannot
	// be known: fewer than two vantages have the moment on the servers'
	// clock, or (recovery) a vantage with an outage did not recover.
	NS *int64 `json:"ns"`
	// ResolutionNS is how well NS is known: the two edges' resolutions
	// plus the two offsets' uncertainties.
	ResolutionNS int64 `json:"resolution_ns"`
	// Earliest and Latest name the vantages that saw it first and last.
	Earliest string `json:"earliest,omitempty"`
	Latest   string `json:"latest,omitempty"`
	// Vantages counts the vantages compared.
	Vantages int `json:"vantages"`
	// LeftOut are the vantages not compared, and why ("no outage seen",
	// "own clock", "did not recover").
	LeftOut []LeftOut `json:"left_out,omitempty"`
}

// LeftOut is a vantage a Spread does not compare, and why.
type LeftOut struct {
	Vantage string `json:"vantage"`
	Why     string `json:"why"`
}

// Reasons a vantage is left out of a Spread (LeftOut.Why).
const (
	WhyNoOutage = "no outage seen"
	// WhyNoFailure: an outage of stalls only, no failed probe.
	WhyNoFailure    = "no failed probe (stalled only)"
	WhyOwnClock     = "own clock (no clock offset)"
	WhyNotRecovered = "did not recover before its run ended"
)
