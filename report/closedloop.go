package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/vocab"
)

// This file renders what the analyzer says of time it cannot tell about
// (no data, no traffic), of closed-loop traffic's edges (each with its own
// ±) and of the services of a run with several, for the --runs text and
// report.md alike: the lines are built once (closedLoopLines) and each
// output escapes them its own way.

// unknownPhase reports whether a phase state is time the data cannot tell
// about: neither healthy nor an outage.
func unknownPhase(s result.PhaseState) bool { return s.Unknown() }

// outagePhase reports whether a phase is part of an outage or a
// disruption: not healthy and not unknown.
func outagePhase(s result.PhaseState) bool { return s.Outage() }

// fmtDowntime is a downtime for a table cell: the value, or, when the
// analysis could not know it (missing rows), "unknown (≥ the known part)".
func fmtDowntime(d, known *result.Duration) string {
	if d == nil && known != nil {
		return "unknown (≥ " + fmtDur(*known) + ")"
	}
	return fmtOptDur(d)
}

// fmtEdgePM is the clock time of an edge and its own ±: "19:00:10.950 ±
// 1.05 s".
func fmtEdgePM(t time.Time, res int64) string {
	return fmtClock(t) + " ± " + fmtExact(float64(res))
}

// closedLoopLines are the facts of a run about unknown time, closed-loop
// edges and services, one a line, unescaped (text from the data in them:
// stream, service and server names).
func closedLoopLines(r *result.RunResult) []string {
	m := &r.Metrics
	var out []string
	if m.NoDataTime.NS > 0 || m.NoTrafficTime.NS > 0 {
		out = append(out, fmt.Sprintf("unknown time: no data %s, no traffic %s (neither healthy nor down)", fmtDurPM(m.NoDataTime), fmtDurPM(m.NoTrafficTime)))
	}
	// metrics unknown for one reason make one line
	for i := 0; i < len(m.Unknown); {
		names := []string{m.Unknown[i].Metric}
		j := i + 1
		for ; j < len(m.Unknown) && m.Unknown[j].Why == m.Unknown[i].Why; j++ {
			names = append(names, m.Unknown[j].Metric)
		}
		out = append(out, fmt.Sprintf("%s unknown: %s", strings.Join(names, ", "), m.Unknown[i].Why))
		i = j
	}
	if r.ClosedLoop {
		out = append(out, edgeLines(r)...)
	}
	for _, e := range r.UnplaceableEdges {
		out = append(out, fmt.Sprintf("unplaceable edge on %s: %s → %s somewhere between %s and %s (no request for %s; more than ± %s)",
			e.Stream, e.From, e.To, fmtClock(e.After), fmtClock(e.Before), fmtExact(float64(e.GapNS)), fmtDuration(result.MaxEdgeUncertainty)))
	}
	for i := range r.Services {
		out = append(out, serviceLine(&r.Services[i]))
	}
	return out
}

// edgeLines are a closed-loop run's phase boundaries, each with its own ±
// (half the gap between the requests either side).
func edgeLines(r *result.RunResult) []string {
	var out []string
	for i := 1; i < len(r.Phases); i++ {
		p, q := r.Phases[i-1], r.Phases[i]
		out = append(out, fmt.Sprintf("edge %s: %s → %s", fmtEdgePM(q.Start, q.StartResolutionNS), phaseName(p), phaseName(q)))
	}
	return out
}

func phaseName(p result.Phase) string {
	if p.Label != "" {
		return p.Label
	}
	return string(p.State)
}

// serviceLine says what one service saw: "service checkout (2 streams,
// 300 requests): first failure 19:00:10.000, last 19:00:14.900,
// read_only 50; server 10.0.1.7:5432 before, 10.0.2.9:5432 after".
func serviceLine(s *result.ServiceResult) string {
	line := fmt.Sprintf("service %s (%s, %s): ", s.Service, Count(int64(len(s.Streams)), "stream", "streams"), Count(s.Requests, "request", "requests"))
	if s.FirstFailure == nil {
		line += "no failure"
	} else {
		var classes []string
		for _, c := range append(slices.Clone(vocab.ErrorClasses), "") {
			if n := s.FailedByClass[c]; n > 0 {
				classes = append(classes, fmt.Sprintf("%s %d", c, n))
			}
		}
		line += fmt.Sprintf("first failure %s, last %s, %s", fmtClock(*s.FirstFailure), fmtClock(*s.LastFailure), strings.Join(classes, ", "))
	}
	var servers []string
	if s.ServerBefore != "" {
		servers = append(servers, s.ServerBefore+" before")
	}
	if s.ServerAfter != "" {
		servers = append(servers, s.ServerAfter+" after")
	}
	if len(servers) > 0 {
		line += "; server " + strings.Join(servers, ", ")
	}
	if s.NoTrafficNS > 0 {
		line += "; no traffic " + fmtExact(float64(s.NoTrafficNS))
	}
	return line
}

// closedLoopMethod is report.md's method paragraph on unknown time and
// closed-loop traffic, for reports with a run that has either.
const closedLoopMethod = "- **Missing data and closed-loop traffic.** Time the data cannot tell about is its own state, neither healthy nor down, and counts toward neither: *no data* where a recorder's stream has no row (missing probe slots, or a stream that ended while others went on), *no traffic* where imported application traffic (traces, request logs) sent no request for longer than its lull bound (ten times the stream's 90th percentile gap, within 1 s to 10 s). A lull does not end an outage. A downtime whose streams have no data is unknown, shown with the part that is known. Application traffic has no probe grid: an edge between the last request in one state and the first in another lies at their midpoint, known to ± half their gap, and each edge says its own ±; a change across more than 10 s without requests cannot be placed within 5 s and is listed as unplaceable with its bounds. Traces say what the application's requests saw, only when it sent them: a timeout says a request got no answer, not how long the server was down; a pool's wait and the connections it opened that worked are not requests; sampled traces have wider gaps; spans carry the application host's clock, server logs their own.\n"

// hasUnknown reports whether any run has unknown time or is closed-loop
// traffic.
func hasUnknown(runs []*RunView) bool {
	for _, r := range runs {
		if r.ClosedLoop || r.Metrics.NoDataTime.NS > 0 || r.Metrics.NoTrafficTime.NS > 0 || len(r.Metrics.Unknown) > 0 {
			return true
		}
	}
	return false
}
