package analyze

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// WriteJSON writes the summary as indented JSON: the documented, stable
// form for automation (see result.go; SummaryVersion).
func WriteJSON(w io.Writer, s *Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	return nil
}

// ReadJSON reads a summary written by WriteJSON, refusing another version.
func ReadJSON(r io.Reader) (*Summary, error) {
	var s Summary
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("decode summary: %w", err)
	}
	if s.Version != SummaryVersion {
		return nil, fmt.Errorf("summary version %d, this switchwatch reads version %d", s.Version, SummaryVersion)
	}
	return &s, nil
}

// PhaseRow is a row of phases.parquet (store.PhaseRow, which owns the
// file's schema).
type PhaseRow = store.PhaseRow

// PhaseRows flattens the phases of every run.
func PhaseRows(s *Summary) []PhaseRow {
	var rows []PhaseRow
	for _, r := range s.Runs {
		labels, _ := json.Marshal(r.Labels)
		if r.Labels == nil {
			labels = []byte("{}")
		}
		for _, p := range r.Phases {
			rows = append(rows, PhaseRow{
				RunID: r.RunID, Index: int32(p.Index), State: string(p.State), Label: p.Label,
				Start: p.Start.UnixNano(), End: p.End.UnixNano(), DurationNS: p.DurationNS, ResolutionNS: p.ResolutionNS,
				Server: p.Server, NewServer: p.NewServer, Cause: p.Cause, ErrorClass: p.ErrorClass,
				Labels: string(labels),
			})
		}
	}
	return rows
}

// WritePhases writes the phases of every run as a Parquet file at path
// (store.WritePhases of PhaseRows).
func WritePhases(path string, s *Summary) error {
	return store.WritePhases(path, PhaseRows(s))
}

// fmtDur formats nanoseconds for people: seconds with as many decimals as
// the resolution warrants (milliseconds when there is none).
func fmtDur(ns, res int64) string {
	dec := 3
	if res > 0 {
		dec = max(0, min(9, int(math.Ceil(-math.Log10(float64(res)/1e9)-1e-9))))
	}
	if res <= 0 && math.Abs(float64(ns)) < 1e9 {
		return fmt.Sprintf("%.3gms", float64(ns)/1e6)
	}
	return fmt.Sprintf("%.*fs", dec, float64(ns)/1e9)
}

func fmtD(d Duration) string {
	if d.NS == 0 && d.ResolutionNS == 0 {
		return "0s"
	}
	return fmtDur(d.NS, d.ResolutionNS) + " ± " + fmtDur(d.ResolutionNS, d.ResolutionNS)
}

func fmtT(t time.Time) string { return t.UTC().Format("15:04:05.000") }

// PhaseLine is a run's phases as a person would say them:
// "healthy 20.0s → unavailable 4.1s → read-only 5.9s → healthy (new server) 20.0s".
func PhaseLine(r *RunResult) string {
	parts := make([]string, len(r.Phases))
	for i, p := range r.Phases {
		parts[i] = p.Label + " " + fmtDur(p.DurationNS, p.ResolutionNS)
	}
	return strings.Join(parts, " → ")
}

// TextOptions tune WriteTextWith.
type TextOptions struct {
	// NoRuns leaves out the section of every run (phases, metrics), for
	// datasets of many runs: the groups and comparisons remain.
	NoRuns bool
}

// WriteText writes the human-readable report: input, every run's phases and
// metrics, the group statistics and the comparisons.
func WriteText(w io.Writer, s *Summary) error { return WriteTextWith(w, s, TextOptions{}) }

// WriteTextWith is WriteText with options.
func WriteTextWith(w io.Writer, s *Summary, opt TextOptions) error {
	b := &strings.Builder{}
	in := s.Input
	fmt.Fprintf(b, "%d runs, %d probes from %d files", in.Runs, in.Rows, in.Files)
	if len(in.Skipped) > 0 {
		var lost int64
		unknown := false
		for _, k := range in.Skipped {
			if k.Rows < 0 {
				unknown = true
			} else {
				lost += k.Rows
			}
		}
		fmt.Fprintf(b, "; SKIPPED %d files or parts (%d rows%s)", len(in.Skipped), lost, map[bool]string{true: " and more", false: ""}[unknown])
	}
	b.WriteString("\n")
	for _, k := range in.Skipped {
		if strings.Contains(k.Reason, k.Path) {
			fmt.Fprintf(b, "  skipped: %s\n", k.Reason)
		} else {
			fmt.Fprintf(b, "  skipped %s: %s\n", k.Path, k.Reason)
		}
	}
	for i := range s.Runs {
		if opt.NoRuns {
			break
		}
		writeRun(b, &s.Runs[i])
	}
	writeGroups(b, s)
	writeComparisons(b, s)
	if s.Accuracy != nil {
		writeAccuracy(b, s.Accuracy)
	}
	b.WriteString("\nDurations are measured between intended probe starts and carry ± their resolution (one probe interval per boundary pair).\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRun(b *strings.Builder, r *RunResult) {
	fmt.Fprintf(b, "\nrun %s", r.RunID)
	if len(r.Labels) > 0 {
		fmt.Fprintf(b, " [%s]", strings.Join(store.LabelPairs(r.Labels), " "))
	}
	fmt.Fprintf(b, "\n  %d probes in %d streams, interval %v (%s)", r.Rows, len(r.Streams), time.Duration(r.IntervalNS), r.IntervalSource)
	if r.Duplicates > 0 {
		fmt.Fprintf(b, ", %d duplicate rows dropped", r.Duplicates)
	}
	b.WriteString("\n")
	for _, w := range r.Warnings {
		fmt.Fprintf(b, "  warning: %s\n", w)
	}
	if len(r.Phases) == 0 {
		return
	}
	fmt.Fprintf(b, "  phases: %s\n", PhaseLine(r))
	for i := range r.Streams {
		fmt.Fprintf(b, "    %s\n", streamLine(&r.Streams[i]))
	}
	m := &r.Metrics
	var parts []string
	if m.WriteDowntime != nil {
		parts = append(parts, fmt.Sprintf("write down %s (longest %s)", fmtD(*m.WriteDowntime), fmtD(*m.LongestWriteOutage)))
	}
	if m.ReadDowntime != nil {
		parts = append(parts, fmt.Sprintf("read down %s", fmtD(*m.ReadDowntime)))
	}
	fmt.Fprintf(b, "  %s\n", strings.Join(parts, ", "))
	rec := "recovered"
	if !m.Recovered {
		rec = "NOT RECOVERED by the end of the run"
	}
	fmt.Fprintf(b, "  read-only %s, unavailable %s, error %s; %d outage windows, %s\n",
		fmtD(m.ReadOnlyTime), fmtD(m.UnavailableTime), fmtD(m.ErrorTime), m.Outages, rec)
	var when []string
	if m.FirstError != nil {
		when = append(when, "first error "+fmtT(*m.FirstError))
	}
	if m.Recovery != nil {
		when = append(when, "recovery "+fmtT(*m.Recovery))
	}
	if m.ServerChange != nil {
		when = append(when, "server changed "+fmtT(*m.ServerChange))
	}
	if m.DNSChange != nil {
		when = append(when, "DNS changed "+fmtT(*m.DNSChange))
	}
	if len(when) > 0 {
		fmt.Fprintf(b, "  %s\n", strings.Join(when, ", "))
	}
	const show = 8
	for i, c := range m.ServerChanges {
		if i == show {
			fmt.Fprintf(b, "    ... %d server changes in all\n", m.ServerChangeCount)
			break
		}
		fmt.Fprintf(b, "    server %s %s: %s → %s\n", fmtT(c.Time), c.Stream, c.From, c.To)
	}
	for i, c := range m.DNSChanges {
		if i == show {
			fmt.Fprintf(b, "    ... %d DNS answer changes in all\n", m.DNSChangeCount)
			break
		}
		fmt.Fprintf(b, "    dns    %s %s: %s → %s\n", fmtT(c.Time), c.Endpoint, c.From, c.To)
	}
	for _, e := range m.Events {
		line := fmt.Sprintf("  event %s %s (%s)", e.Name, fmtT(e.Time), e.Source)
		if e.ToFirstError != nil {
			line += ": first error +" + fmtD(*e.ToFirstError)
		}
		if e.ToRecovery != nil {
			line += ", recovered +" + fmtD(*e.ToRecovery)
		}
		if e.Trigger {
			line += " [trigger]"
		}
		b.WriteString(line + "\n")
	}
	var fails []string
	for _, c := range store.ErrorClasses {
		if n := m.FailedByClass[c]; n > 0 {
			fails = append(fails, fmt.Sprintf("%s %d", c, n))
		}
	}
	if len(fails) > 0 {
		fmt.Fprintf(b, "  failed probes: %s\n", strings.Join(fails, ", "))
	}
	kinds := make([]string, 0, len(m.Latency))
	for k := range m.Latency {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		l := m.Latency[k]
		fmt.Fprintf(b, "  %s latency p50/p99: before %s, during %s, after %s\n", k, fmtLat(l.Before), fmtLat(l.During), fmtLat(l.After))
	}
	if st := m.Staleness; st != nil {
		fmt.Fprintf(b, "  reader staleness: %d of %d reads stale, p99 %s, max %s\n", st.Stale, st.Reads, fmtDur(st.P99NS, 0), fmtDur(st.MaxNS, 0))
	}
	if lw := m.LostWrites; lw != nil {
		fmt.Fprintf(b, "  lost writes: %d lost, %d committed although failed, %d unexpected\n", lw.Lost, lw.CommittedFailed, lw.Unexpected)
	}
}

func fmtLat(l Latency) string {
	if l.Count == 0 {
		return "-"
	}
	return fmtDur(l.P50NS, 0) + "/" + fmtDur(l.P99NS, 0)
}

func fmtVal(unit string, v float64) string {
	if unit == UnitNS {
		return fmtDur(int64(v), 0)
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func fmtValS(unit string, v float64) string {
	if unit == UnitNS {
		if math.Abs(v) >= 1e9 {
			return fmt.Sprintf("%.2fs", v/1e9)
		}
		return fmtDur(int64(v), 0)
	}
	return fmtVal(unit, v)
}

func writeGroups(b *strings.Builder, s *Summary) {
	for _, g := range s.Groups {
		fmt.Fprintf(b, "\ngroup %s: %d runs\n", g.Key, len(g.Runs))
		tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "metric\tn\tmedian\t95% CI of median\tmin\tmean\tp95\tmax\tstddev\t")
		var warns []string
		for _, st := range g.Stats {
			if st.N == 0 {
				continue
			}
			ci := "?"
			if st.MedianLo != nil && st.MedianHi != nil {
				ci = "[" + fmtValS(st.Unit, *st.MedianLo) + ", " + fmtValS(st.Unit, *st.MedianHi) + "]"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", st.Metric, st.N,
				fmtValS(st.Unit, st.Median), ci, fmtValS(st.Unit, st.Min), fmtValS(st.Unit, st.Mean),
				fmtValS(st.Unit, st.P95), fmtValS(st.Unit, st.Max), fmtValS(st.Unit, st.Stddev))
			for _, w := range st.Warnings {
				if !contains(warns, w) {
					warns = append(warns, w)
				}
			}
		}
		tw.Flush()
		for _, w := range warns {
			fmt.Fprintf(b, "  note: %s (\"?\" above)\n", w)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func writeComparisons(b *strings.Builder, s *Summary) {
	if len(s.Comparisons) == 0 {
		return
	}
	fmt.Fprintf(b, "\ncompared with %s (difference of medians; ~ = not significant at alpha %.2f, Mann-Whitney U)\n", s.Comparisons[0].Baseline, Alpha)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "metric\tgroup\tbaseline median\tgroup median\tdelta\t\t")
	var warns []string
	warnMetrics := map[string][]string{}
	medians := map[[2]string]float64{}
	for _, g := range s.Groups {
		for _, st := range g.Stats {
			medians[[2]string{g.Key, st.Metric}] = st.Median
		}
	}
	for _, c := range s.Comparisons {
		delta := "~"
		if c.Significant {
			delta = (map[bool]string{true: "+", false: ""})[c.Delta >= 0] + fmtValS(c.Unit, c.Delta)
			if c.DeltaPct != nil {
				delta += fmt.Sprintf(" (%+.1f%%)", *c.DeltaPct)
			}
		}
		p := fmt.Sprintf("(p=%.3f n=%d+%d)", c.P, c.N1, c.N2)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Metric, c.Group,
			fmtValS(c.Unit, medians[[2]string{c.Baseline, c.Metric}]), fmtValS(c.Unit, medians[[2]string{c.Group, c.Metric}]), delta, p)
		for _, w := range c.Warnings {
			if !contains(warns, w) {
				warns = append(warns, w)
			}
			if !contains(warnMetrics[w], c.Metric) {
				warnMetrics[w] = append(warnMetrics[w], c.Metric)
			}
		}
	}
	tw.Flush()
	for _, w := range warns {
		fmt.Fprintf(b, "  note: %s (%s)\n", w, strings.Join(warnMetrics[w], ", "))
	}
}

func writeAccuracy(b *strings.Builder, a *Accuracy) {
	fmt.Fprintf(b, "\naccuracy against ground truth: %d of %d expected event edges lie where the probes place a change\n", a.Within, a.Total)
	b.WriteString("(from one probe interval before a boundary to the end of the first probe after it; error = boundary - event)\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tevent\tedge\tevent time\tboundary\tstream\terror\tfirst probe\twithin\t")
	for _, x := range a.Boundaries {
		bt := "-"
		if !x.Boundary.IsZero() {
			bt = fmtT(x.Boundary)
		}
		within := fmt.Sprint(x.Within)
		if !x.Expected {
			within = "(not expected)"
		}
		stream := x.Stream
		if stream == "" {
			stream = "phases"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%+.3fs\t%s\t%s\t\n", x.RunID, x.Event, x.Edge, fmtT(x.EventTime), bt, stream, float64(x.ErrorNS)/1e9, fmtDur(x.LatencyNS, 0), within)
	}
	tw.Flush()
}

// streamLine sums a stream's time by state, for people:
// "write/new/write: read_only 5.9s (1), unavailable 4.1s (1); slow above 12ms".
func streamLine(st *StreamResult) string {
	var parts []string
	for _, s := range States {
		if s == StateOK || st.StateWindows[s] == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s (%d)", s, fmtDur(st.StateNS[s], st.IntervalNS), st.StateWindows[s]))
	}
	if len(parts) == 0 {
		parts = append(parts, "ok throughout")
	}
	return fmt.Sprintf("%s: %s; slow above %s", st.Stream, strings.Join(parts, ", "), fmtDur(st.SlowThresholdNS, 0))
}
