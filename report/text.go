package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/termtext"
	"github.com/switchwatch/switchwatch/internal/vocab"
)

// TextOptions tune WriteText.
type TextOptions struct {
	// Runs adds the section of every run (phases, streams, metrics, events)
	// before the group tables; report.md always has them.
	Runs bool
}

// maxExcludedListed bounds the excluded runs listed one by one (10,000
// empty run folders are one line of count and a few examples).
const maxExcludedListed = 20

// WriteText writes the plain-text report of a summary, what `switchwatch
// analyze` prints: the input, every run's phases and metrics, the group
// statistics, the comparisons and the accuracy against ground truth. It
// renders the same tables with the same formatters as WriteMarkdown.
func WriteText(w io.Writer, s *result.Summary, opt TextOptions) error {
	b := &strings.Builder{}
	in := s.Input
	fmt.Fprintf(b, "%d %s, %d %s from %d %s", in.Runs, plural(in.Runs, "run", "runs"), in.Rows, plural(int(in.Rows), "probe", "probes"), in.Files, plural(in.Files, "file", "files"))
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
		more := ""
		if unknown {
			more = " and more"
		}
		fmt.Fprintf(b, "; SKIPPED %d files or parts (%d %s%s)", len(in.Skipped), lost, plural(int(lost), "row", "rows"), more)
	}
	if n := len(in.Excluded); n > 0 {
		fmt.Fprintf(b, "; EXCLUDED %d %s (not in the statistics)", n, plural(n, "run", "runs"))
	}
	b.WriteString("\n")
	for _, k := range in.Skipped {
		if strings.Contains(k.Reason, k.Path) {
			fmt.Fprintf(b, "  skipped: %s\n", k.Reason)
		} else {
			fmt.Fprintf(b, "  skipped %s: %s\n", k.Path, k.Reason)
		}
	}
	for i, x := range in.Excluded {
		if i == maxExcludedListed {
			fmt.Fprintf(b, "  … and %d more excluded\n", len(in.Excluded)-i)
			break
		}
		fmt.Fprintf(b, "  excluded run %s (%s): %s\n", x.RunID, x.Path, x.Reason)
	}
	if opt.Runs {
		for i := range s.Runs {
			writeTextRun(b, &s.Runs[i])
		}
	} else {
		// what a run's section would warn of is said without it
		for i := range s.Runs {
			for _, w := range s.Runs[i].Warnings {
				fmt.Fprintf(b, "  warning: run %s: %s\n", s.Runs[i].RunID, w)
			}
		}
	}
	if len(s.Groups) > 1 || len(s.By) > 0 {
		b.WriteString(wrapText(groupsLine(s), "  ", textWidth))
	}
	if len(s.Groups) > 0 {
		bases := baselines(s)
		for _, base := range bases {
			gt := buildGroupTables(s, base)
			if len(bases) > 1 {
				fmt.Fprintf(b, "\nagainst %s:\n", gt.base)
			}
			gt.writeText(b)
		}
	}
	writeTextProfiles(b, s)
	writeTextVantages(b, s)
	if a := s.Accuracy; a != nil {
		fmt.Fprintf(b, "\naccuracy against ground truth: %d of %d expected event edges lie where the probes place a change; %s\n", a.Within, a.Total, errorSummary(a))
		b.WriteString("(a boundary lies midway between the last probe before it and the first after it; the change lies from the start of the one to the end of the other; error = boundary - event)\n")
		accuracyTable(a.Boundaries).writeText(b, "")
	}
	b.WriteString("\n" + wrapText(resolutionSentence, "", textWidth))
	_, err := io.WriteString(w, b.String())
	return err
}

// groupsLine names the groups, their runs and the baseline: "4 groups by
// scenario: aurora (4 runs), dns (4 runs), ...; compared with aurora".
func groupsLine(s *result.Summary) string {
	parts := make([]string, len(s.Groups))
	for i := range s.Groups {
		g := &s.Groups[i]
		parts[i] = fmt.Sprintf("%s (%s)", result.GroupLabel(g, s.By), Count(int64(len(g.Runs)), "run", "runs"))
	}
	label := groupLabels(s)
	line := fmt.Sprintf("%s by %s: %s", Count(int64(len(s.Groups)), "group", "groups"), strings.Join(s.By, ","), strings.Join(parts, ", "))
	switch bases := baselines(s); {
	case len(s.Comparisons) == 0:
	case len(bases) > 1:
		line += "; every pair compared"
	default:
		line += "; compared with " + label[bases[0]]
	}
	return line
}

// writeTextRun writes a run's section of the text (TextOptions.Runs).
func writeTextRun(b *strings.Builder, r *result.RunResult) {
	fmt.Fprintf(b, "\nrun %s", r.RunID)
	if len(r.Labels) > 0 {
		fmt.Fprintf(b, " [%s]", strings.Join(vocab.LabelPairs(r.Labels), " "))
	}
	if r.ClosedLoop {
		fmt.Fprintf(b, "\n  %s in %s, closed-loop traffic without a grid: each edge ± half the gap between the requests either side", Count(r.Rows, "request", "requests"), Count(int64(len(r.Streams)), "stream", "streams"))
	} else {
		fmt.Fprintf(b, "\n  %s in %s, interval %s (%s)", Count(r.Rows, "probe", "probes"), Count(int64(len(r.Streams)), "stream", "streams"), fmtDuration(time.Duration(r.IntervalNS)), r.IntervalSource)
	}
	if r.Duplicates > 0 {
		fmt.Fprintf(b, ", %s dropped", Count(r.Duplicates, "duplicate row", "duplicate rows"))
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
	writeTextDowntime(b, m)
	for _, l := range closedLoopLines(r) {
		fmt.Fprintf(b, "  %s\n", termtext.Sanitize(l))
	}
	writeTextChanges(b, m)
	for _, e := range m.Events {
		b.WriteString(textEventLine(&e) + "\n")
	}
	writeTextProbes(b, m)
}

// writeTextDowntime writes a run's downtime, its time in each state and
// its disruptions.
func writeTextDowntime(b *strings.Builder, m *result.Metrics) {
	var parts []string
	if m.WriteDowntime != nil {
		parts = append(parts, fmt.Sprintf("write down %s (longest %s)", fmtDurPM(*m.WriteDowntime), fmtDurPM(*m.LongestWriteOutage)))
	} else if m.KnownWriteDowntime != nil {
		parts = append(parts, fmt.Sprintf("write down unknown (at least %s)", fmtDurPM(*m.KnownWriteDowntime)))
	}
	if m.ReadDowntime != nil {
		parts = append(parts, fmt.Sprintf("read down %s", fmtDurPM(*m.ReadDowntime)))
	} else if m.KnownReadDowntime != nil {
		parts = append(parts, fmt.Sprintf("read down unknown (at least %s)", fmtDurPM(*m.KnownReadDowntime)))
	}
	fmt.Fprintf(b, "  %s\n", strings.Join(parts, ", "))
	rec := "recovered"
	if !m.Recovered {
		rec = "NOT RECOVERED by the end of the run"
	}
	fmt.Fprintf(b, "  read-only %s, unavailable %s, error %s, stalled %s; %d %s, %s\n",
		fmtDurPM(m.ReadOnlyTime), fmtDurPM(m.UnavailableTime), fmtDurPM(m.ErrorTime), fmtDurPM(m.StalledTime), m.Outages, plural(m.Outages, "outage window", "outage windows"), rec)
	for _, k := range []string{vocab.KindWrite, vocab.KindRead} {
		if l := runDisruptionLine(m, k); l != "" {
			fmt.Fprintf(b, "  %s\n", l)
		}
	}
}

// writeTextChanges writes when a run first failed, recovered and changed
// server, DNS answer or timeline, and the first changes of each.
func writeTextChanges(b *strings.Builder, m *result.Metrics) {
	var when []string
	for _, x := range []struct {
		what string
		t    *time.Time
	}{{"first error", m.FirstError}, {"recovery", m.Recovery}, {"server changed", m.ServerChange}, {"DNS changed", m.DNSChange}, {"timeline changed", m.TimelineChange}} {
		if x.t != nil {
			when = append(when, x.what+" "+fmtClock(*x.t))
		}
	}
	if len(when) > 0 {
		fmt.Fprintf(b, "  %s\n", strings.Join(when, ", "))
	}
	if why, ok := m.UnknownWhy("server_change_count"); ok && m.ServerChangeCount == nil {
		fmt.Fprintf(b, "  server changes unknown (%s)\n", termtext.Sanitize(why))
	}
	const show = 8
	for i, c := range m.ServerChanges {
		if i == show {
			fmt.Fprintf(b, "    ... %d server changes in all\n", *m.ServerChangeCount)
			break
		}
		fmt.Fprintf(b, "    server %s %s: %s → %s%s\n", fmtClock(c.Time), c.Stream, c.From, c.To, changeClock(c.Clock, c.ResolutionNS))
	}
	for i, c := range m.TimelineChanges {
		if i == show {
			fmt.Fprintf(b, "    ... more timeline changes\n")
			break
		}
		fmt.Fprintf(b, "    timeline %s %s: %d → %d on %s%s\n", fmtClock(c.Time), c.Stream, c.From, c.To, c.Server, changeClock(c.Clock, c.ResolutionNS))
	}
	for i, c := range m.DNSChanges {
		if i == show {
			fmt.Fprintf(b, "    ... %d DNS answer changes in all\n", m.DNSChangeCount)
			break
		}
		fmt.Fprintf(b, "    dns    %s %s: %s → %s%s\n", fmtClock(c.Time), dnsWho(c.Endpoint, dnsProfile(&c)), c.From, c.To, changeClock(c.Clock, c.ResolutionNS))
	}
	for _, sd := range m.StaleDials {
		fmt.Fprintf(b, "    %s\n", staleDialLine(sd))
	}
	if o := m.ClockOffset; o != nil {
		fmt.Fprintf(b, "  %s\n", clockOffsetLine(o))
	}
}

// textEventLine is an event of a run and what followed it.
func textEventLine(e *result.EventOffset) string {
	line := fmt.Sprintf("  event %s %s (%s)", e.Called(), fmtClock(e.Time), e.Source)
	sep := ": "
	switch {
	case e.OutageSince != nil:
		line += sep + "outage already under way since " + fmtClock(*e.OutageSince)
		sep = ", "
	case e.ToFirstError != nil:
		line += sep + "first error +" + fmtDurPM(*e.ToFirstError)
		sep = ", "
	}
	if e.ToRecovery != nil {
		line += sep + "recovered +" + fmtDurPM(*e.ToRecovery)
	}
	if e.Trigger {
		line += " [trigger]"
	}
	return line
}

// writeTextProbes writes a run's failed probes by class, its latency,
// staleness and lost writes.
func writeTextProbes(b *strings.Builder, m *result.Metrics) {
	var fails []string
	for _, c := range vocab.ErrorClasses {
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
		fmt.Fprintf(b, "  %s latency p50/p99: before %s, during %s, after %s\n", k, fmtLatency(l.Before), fmtLatency(l.During), fmtLatency(l.After))
	}
	if st := m.Staleness; st != nil {
		fmt.Fprintf(b, "  reader staleness: %d of %d reads stale, p99 %s, max %s\n", st.Stale, st.Reads, fmtExact(float64(st.P99NS)), fmtExact(float64(st.MaxNS)))
	}
	if lw := m.LostWrites; lw != nil {
		fmt.Fprintf(b, "  lost writes: %d lost, %d committed although failed, %d unexpected\n", lw.Lost, lw.CommittedFailed, lw.Unexpected)
	}
}

// fmtLatency is the median and p99 of a latency, "3.59 ms/5.18 ms", or
// "-" without probes.
func fmtLatency(l result.Latency) string {
	if l.Count == 0 {
		return "-"
	}
	return fmtExact(float64(l.P50NS)) + "/" + fmtExact(float64(l.P99NS))
}
