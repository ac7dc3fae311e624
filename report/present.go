package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/vocab"
)

// The presentation model: what the text table (WriteText) and the
// Markdown (WriteMarkdown) both show, made once from the Summary with the
// formatters of format.go. The renderers choose columns and add their own
// prose around it, but never format a number themselves.

// note is a caveat printed under a table, with the rows it concerns.
type note struct {
	text    string
	metrics []string
}

// addNote adds w (for metric) to the notes, once per text.
func addNote(ns []note, w, metric string) []note {
	for i := range ns {
		if ns[i].text == w {
			if !slices.Contains(ns[i].metrics, metric) {
				ns[i].metrics = append(ns[i].metrics, metric)
			}
			return ns
		}
	}
	return append(ns, note{text: w, metrics: []string{metric}})
}

// statsTable is a group's statistics, one row per metric with runs, and
// the warnings of its "?" cells.
func statsTable(g *result.Group) (*table, []note) {
	if len(g.Runs) == 1 {
		return oneRunTable(g), nil
	}
	t := &table{cols: []column{{name: "metric", data: true}, {name: "n", right: true}, {name: "median", right: true},
		{name: "95% CI of median", right: true}, {name: "min", right: true}, {name: "mean", right: true},
		{name: "p95", right: true}, {name: "max", right: true}, {name: "stddev", right: true}}}
	var notes []note
	for i := range g.Stats {
		st := &g.Stats[i]
		if st.N == 0 {
			continue
		}
		ci := "?"
		if st.MedianLo != nil && st.MedianHi != nil {
			ci = statVal(st, *st.MedianLo) + " – " + statVal(st, *st.MedianHi)
		}
		t.add(st.Metric, fmt.Sprint(st.N), statVal(st, st.Median), ci, statVal(st, st.Min), statVal(st, st.Mean),
			statVal(st, st.P95), statVal(st, st.Max), statVal(st, st.Stddev))
		for _, w := range st.Warnings {
			notes = addNote(notes, w, st.Metric)
		}
	}
	return t, notes
}

// oneRunTable is the statistics of a group of one run: its values, each ±
// its resolution; medians, percentiles and n would only repeat them.
func oneRunTable(g *result.Group) *table {
	t := &table{cols: []column{{name: "metric", data: true}, {name: "value", right: true}}}
	for i := range g.Stats {
		if st := &g.Stats[i]; st.N > 0 {
			t.add(st.Metric, oneValue(st))
		}
	}
	return t
}

// oneValue is the value of a metric of one run, "3.2 s ± 0.1 s".
func oneValue(st *result.Stats) string {
	if st.Unit == result.UnitNS && st.ResolutionNS > 0 {
		return fmtDurPM(result.Duration{NS: int64(st.Median), ResolutionNS: st.ResolutionNS})
	}
	return statVal(st, st.Median)
}

// comparisonTable is every comparison with the baseline, in benchstat's
// manner: the difference of medians, "~" when it is not significant.
func comparisonTable(s *result.Summary) (*table, []note) {
	t := &table{cols: []column{{name: "metric", data: true}, {name: "group", data: true}, {name: "baseline median", right: true},
		{name: "group median", right: true}, {name: "delta", right: true}, {name: "p, n"}}}
	stats := map[[2]string]*result.Stats{}
	for _, g := range s.Groups {
		for i := range g.Stats {
			stats[[2]string{g.Key, g.Stats[i].Metric}] = &g.Stats[i]
		}
	}
	var notes []note
	for i := range s.Comparisons {
		c := &s.Comparisons[i]
		a, b := stats[[2]string{c.Baseline, c.Metric}], stats[[2]string{c.Group, c.Metric}]
		if a == nil || b == nil || !c.CanBeSignificant() {
			continue // hopeless ones are said once per group (tooFewToCompare)
		}
		delta := "~"
		switch {
		case !c.Significant:
		case c.DeltaPct != nil:
			delta = fmt.Sprintf("%+.1f%%", *c.DeltaPct)
		case c.Delta < 0:
			delta = "−" + statVal(a, -c.Delta)
		default:
			delta = "+" + statVal(a, c.Delta)
		}
		t.add(c.Metric, c.Group, statVal(a, a.Median), statVal(b, b.Median), delta, fmt.Sprintf("(p=%.3f n=%d+%d)", c.P, c.N1, c.N2))
		for _, w := range c.Warnings {
			notes = addNote(notes, w, c.Metric)
		}
	}
	return t, notes
}

// tooFewToCompare lists, once per group compared, the comparisons with the
// baseline that could never be significant: either side has too few runs
// for the Mann-Whitney U test to reach alpha whatever the numbers
// (benchstat's "need >= 4 samples"). Groups with some comparisons that can
// be significant are left to the table.
func tooFewToCompare(s *result.Summary) []*result.Comparison {
	hopeless := map[string]*result.Comparison{}
	var order []string
	testable := map[string]bool{}
	for i := range s.Comparisons {
		c := &s.Comparisons[i]
		if c.CanBeSignificant() {
			testable[c.Group] = true
			continue
		}
		if hopeless[c.Group] == nil {
			hopeless[c.Group] = c
			order = append(order, c.Group)
		}
	}
	var out []*result.Comparison
	for _, g := range order {
		if !testable[g] {
			out = append(out, hopeless[g])
		}
	}
	return out
}

// tooFewLine says it of one group, its names passed through esc.
func tooFewLine(c *result.Comparison, esc func(string) string) string {
	return fmt.Sprintf("%s (%d %s) against %s (%d %s): too few runs for the Mann-Whitney U test to call any difference significant at alpha %.2f (the smallest p it can give is %.2f); record at least %d runs of each to compare",
		esc(c.Group), c.N2, plural(c.N2, "run", "runs"), esc(c.Baseline), c.N1, plural(c.N1, "run", "runs"), c.Alpha, c.MinP(), c.RunsToCompare())
}

// hasComparable reports whether some comparison can be significant.
func hasComparable(s *result.Summary) bool {
	for i := range s.Comparisons {
		if s.Comparisons[i].CanBeSignificant() {
			return true
		}
	}
	return false
}

// errorSummary is the mean signed and the largest boundary error of the
// expected edges that probes date to ± half their gap (Accuracy.ErrorEdges).
func errorSummary(a *result.Accuracy) string {
	if a.ErrorEdges == 0 {
		return "no edge dated by a probe that ended within one interval"
	}
	return fmt.Sprintf("of the %d dated by a probe that ended within one interval, mean error %+.1f ms, largest %s",
		a.ErrorEdges, float64(a.MeanErrorNS)/1e6, fmtExact(float64(a.MaxErrorNS)))
}

// resolutionSentence says what every duration is known to.
const resolutionSentence = "Boundaries lie midway between the probes either side of them (their intended starts; their answers, where a success meets a failure the server answered and the probes say when they saw it), each ± half a probe interval, " +
	"so every duration carries ± its resolution (one probe interval per pair of boundaries)."

// accuracyTable lists detected boundaries against ground-truth events.
func accuracyTable(bs []result.BoundaryError) *table {
	t := &table{cols: []column{{name: "run", data: true}, {name: "event", data: true}, {name: "edge", data: true},
		{name: "event time"}, {name: "boundary"}, {name: "stream", data: true}, {name: "error", right: true},
		{name: "resolution", right: true}, {name: "first probe", right: true}, {name: "within"}}}
	for _, x := range bs {
		bt := "-"
		if !x.Boundary.IsZero() {
			bt = fmtClock(x.Boundary)
		}
		within := fmt.Sprint(x.Within)
		switch {
		case x.TooShort:
			within = "(too short to see)"
		case !x.Expected:
			within = "(not expected)"
		}
		stream := x.Stream
		if stream == "" {
			stream = "phases"
		}
		t.add(x.RunID, x.Event, x.Edge, fmtClock(x.EventTime), bt, stream, fmtSignedMS(x.ErrorNS),
			fmtDuration(time.Duration(x.ResolutionNS)), fmtExact(float64(x.LatencyNS)), within)
	}
	return t
}

// PhaseLine is a run's phases as a person would say them: "healthy →
// unavailable 4.1 s → read-only 5.9 s → healthy (new server)". The healthy
// phases at either end carry no length (it is only how long the recording
// ran).
func PhaseLine(r *result.RunResult) string {
	parts := make([]string, len(r.Phases))
	for i, p := range r.Phases {
		label := p.Label
		if label == "" {
			label = string(p.State)
		}
		if p.State == result.PhaseHealthy && (i == 0 || i == len(r.Phases)-1) {
			parts[i] = label
			continue
		}
		parts[i] = label + " " + fmtSec(float64(p.DurationNS), p.ResolutionNS)
	}
	if len(parts) == 0 {
		return "no probes"
	}
	return strings.Join(parts, " → ")
}

// streamLine sums a stream's time by state, for people:
// "write/new/write: read_only 5.9 s (1), unavailable 4.1 s (1); slow above 12.0 ms, stalled above 1 s".
func streamLine(st *result.StreamResult) string {
	var parts []string
	for _, s := range result.States {
		if s == result.StateOK || st.StateWindows[s] == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s (%d)", s, fmtSec(float64(st.StateNS[s]), st.IntervalNS), st.StateWindows[s]))
	}
	if len(parts) == 0 {
		parts = append(parts, "ok throughout")
	}
	if st.NoDataNS > 0 {
		parts = append(parts, "no data "+fmtSec(float64(st.NoDataNS), st.IntervalNS))
	}
	if st.NoTrafficNS > 0 {
		parts = append(parts, fmt.Sprintf("no traffic %s (gaps over %s)", fmtExact(float64(st.NoTrafficNS)), fmtExact(float64(st.LullBoundNS))))
	}
	line := fmt.Sprintf("%s: %s; slow above %s", st.Stream, strings.Join(parts, ", "), fmtExact(float64(st.SlowThresholdNS)))
	if st.StallThresholdNS > 0 {
		line += ", stalled above " + fmtExact(float64(st.StallThresholdNS))
	}
	return line
}

// stallClause says how long clients of one kind waited: "they waited up to
// 2.95 s, and were delayed beyond 1 s for 2.9 s", from the largest latency
// inside the disruption (waited), the stall threshold and the stall time;
// "" when they never stalled (stall is 0).
func stallClause(waited, threshold, stall string, stalled bool) string {
	if !stalled {
		return ""
	}
	return fmt.Sprintf("they waited up to %s, and were delayed beyond %s for %s", waited, threshold, stall)
}

// thresholdText is the stall threshold of a kind's streams, "1 s", or
// their range when they differ (each stream has its own, and a pool's is
// lower than a new connection's): "their stall thresholds (587 ms to
// 1.44 s)", so that "waited up to 1.14 s, delayed beyond ..." never reads
// as a contradiction.
func thresholdText(d result.Disruption) string {
	if d.StallThresholdMinNS > 0 && d.StallThresholdMinNS < d.StallThresholdNS {
		return fmt.Sprintf("their stall thresholds (%s to %s)", fmtExact(float64(d.StallThresholdMinNS)), fmtExact(float64(d.StallThresholdNS)))
	}
	return fmtExact(float64(d.StallThresholdNS))
}

// runDisruptionLine is a run's disruption of one kind for the text table:
// "writes never failed; they waited up to 2.95 s, and were delayed beyond
// 1 s for 2.9 s ± 0.1 s (disrupted 2.9 s ± 0.1 s, p99 2.9 s)"; "" when the
// run has no streams of the kind or they were never disrupted.
func runDisruptionLine(m *result.Metrics, kind string) string {
	d, ok := m.Disruption[kind]
	if !ok || d.Start == nil {
		return ""
	}
	down := m.WriteDowntime
	if kind == vocab.KindRead {
		down = m.ReadDowntime
	}
	s := kind + "s "
	if down == nil || down.NS == 0 {
		s += "never failed"
	} else {
		s += "failed for " + fmtDurPM(*down)
	}
	if c := stallClause(fmtExact(float64(d.MaxLatencyNS)), thresholdText(d), fmtDurPM(d.StallTime), d.StallTime.NS > 0); c != "" {
		s += "; " + c
	} else {
		s += " and never stalled"
	}
	return s + fmt.Sprintf(" (disrupted %s, latency inside p99 %s, max %s)", fmtDurPM(d.DisruptionTime), fmtExact(float64(d.P99LatencyNS)), fmtExact(float64(d.MaxLatencyNS)))
}
