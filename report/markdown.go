package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/vocab"
)

// mdWriter collects the Markdown; the report is written in one piece.
type mdWriter struct{ strings.Builder }

func (b *mdWriter) p(format string, args ...any) { fmt.Fprintf(b, format, args...) }

// WriteMarkdown writes the report as Markdown. Pictures are referenced by
// file name (Figure.Name plus the format's extension) relative to the
// report; the caller writes them beside it. The output depends on nothing
// but the report: the same input gives the same bytes.
func WriteMarkdown(w io.Writer, rep *Report) error {
	b := &mdWriter{}
	rep.writeHeader(b)
	rep.writeExpect(b)
	rep.writeChecks(b)
	rep.writeFigures(b, func(f *Figure) bool { return f.Run == nil && f.Vantages == nil })
	rep.writeStats(b)
	rep.writeComparisons(b)
	rep.writeCapacity(b)
	rep.writeProfiles(b)
	rep.writeVantages(b)
	rep.writeRuns(b)
	rep.writeDetail(b)
	rep.writeLostWrites(b)
	rep.writeOldPrimary(b)
	rep.writeAccuracy(b)
	rep.writeWarnings(b)
	rep.writeMethod(b)
	_, err := io.WriteString(w, b.String())
	return err
}

// interval is the probe interval of the runs, when they share one.
func (rep *Report) intervalText() string {
	var ivs []int64
	for _, r := range rep.Runs {
		if !slices.Contains(ivs, r.IntervalNS) {
			ivs = append(ivs, r.IntervalNS)
		}
	}
	slices.Sort(ivs)
	parts := make([]string, len(ivs))
	for i, iv := range ivs {
		parts[i] = fmtDuration(time.Duration(iv))
	}
	if len(parts) > 4 {
		parts = []string{parts[0] + " to " + parts[len(parts)-1]}
	}
	return strings.Join(parts, ", ")
}

func (rep *Report) writeHeader(b *mdWriter) {
	s := rep.Sum
	b.p("# Switchover report\n\n")
	var start, end time.Time
	for i, r := range rep.Runs {
		if i == 0 || r.Start.Before(start) {
			start = r.Start
		}
		if i == 0 || r.End.After(end) {
			end = r.End
		}
	}
	b.p("## What was analyzed\n\n")
	groups := ""
	if len(s.By) > 0 {
		gs := make([]string, len(rep.Groups))
		for i, g := range rep.Groups {
			gs[i] = fmt.Sprintf("%s (%d)", Escape(g.Key), len(g.Runs))
		}
		groups = fmt.Sprintf(" in %d %s by %s: %s", len(rep.Groups), plural(len(rep.Groups), "group", "groups"), Escape(strings.Join(s.By, ", ")), strings.Join(gs, "; "))
	}
	b.p("- **Runs:** %s%s\n", fmtCount(float64(len(rep.Runs))), groups)
	b.p("- **Probes:** %s from %s %s; probe interval %s (every time below is known to ± one interval per boundary)\n",
		fmtCount(float64(s.Input.Rows)), fmtCount(float64(s.Input.Files)), plural(s.Input.Files, "file", "files"), rep.intervalText())
	b.p("- **Time span:** %s to %s\n", fmtTime(start), fmtTime(end))
	if len(s.Input.Paths) > 0 {
		ps := make([]string, len(s.Input.Paths))
		for i, p := range s.Input.Paths {
			ps[i] = Escape(p)
		}
		b.p("- **Input:** %s\n", strings.Join(ps, ", "))
	}
	b.p("- **Tool:** switchwatch %s\n", Escape(s.ToolVersion))
	if n := len(s.Input.Skipped); n > 0 {
		b.p("- **Files skipped:** %d (see [Warnings](#warnings))\n", n)
	} else {
		b.p("- **Files skipped:** none\n")
	}
	if n := len(s.Input.Excluded); n > 0 {
		b.p("- **Runs excluded:** %d, not in the statistics (see [Warnings](#warnings))\n", n)
	}
	b.p("\n")
}

// secStat formats "7.1 s (p95 9.8 s)" for a time metric of a group, the
// value alone ("3.2 s ± 0.1 s") for a group of one run.
func secStat(st *result.Stats) string {
	if st.N == 1 {
		return oneValue(st)
	}
	return fmt.Sprintf("%s (p95 %s)", statVal(st, st.Median), statVal(st, st.P95))
}

// medianOf is "a median of " before secStat, "" for one run.
func medianOf(st *result.Stats) string {
	if st.N == 1 {
		return ""
	}
	return "a median of "
}

func (rep *Report) writeExpect(b *mdWriter) {
	b.p("## What to expect\n\n")
	for _, g := range rep.Groups {
		b.p("%s\n\n", rep.headline(g))
	}
}

// headline is the paragraph that says what a group's switchover does.
func (rep *Report) headline(g *GroupView) string {
	var parts []string
	name := "All runs"
	if len(rep.Sum.By) > 0 || len(rep.Groups) > 1 {
		name = Escape(g.Key)
	}
	lead := fmt.Sprintf("**%s** (%d %s): ", name, len(g.Runs), plural(len(g.Runs), "run", "runs"))
	if st := g.Stat("write_downtime"); st != nil {
		w := fmt.Sprintf("writes were unavailable for a median of %s (p95 %s, n = %d)", statVal(st, st.Median), statVal(st, st.P95), st.N)
		if st.N == 1 {
			w = "writes were unavailable for " + oneValue(st)
		}
		if st.Max == 0 {
			w = "writes never failed"
		}
		if c := groupStallClause(g, vocab.KindWrite); c != "" {
			w += "; " + c
		}
		parts = append(parts, w)
	} else {
		parts = append(parts, "no write probes were recorded")
	}
	var states []string
	if st := g.Stat("read_only_time"); st != nil && st.Max > 0 {
		states = append(states, "read-only for "+secStat(st))
	}
	if st := g.Stat("unavailable_time"); st != nil && st.Max > 0 {
		states = append(states, "unreachable for "+secStat(st))
	}
	if len(states) > 0 {
		parts = append(parts, "the cluster was "+strings.Join(states, " and "))
	}
	if st := g.Stat("read_downtime"); st != nil {
		if st.Max == 0 {
			parts = append(parts, "reads never failed")
		} else {
			parts = append(parts, "reads failed for "+secStat(st))
		}
	}
	s := lead + strings.Join(parts, "; ") + "."
	if c := profileHeadline(g); c != "" {
		s += " " + c
	}
	notRec, flapping, lost, lostRuns, cf := 0, 0, int64(0), 0, int64(0)
	checked := 0
	for _, r := range g.Runs {
		if !r.Metrics.Recovered {
			notRec++
		}
		if r.Metrics.Outages > 1 {
			flapping++
		}
		if lw := r.Metrics.LostWrites; lw != nil {
			checked++
			lost += lw.Lost
			cf += lw.CommittedFailed
			if lw.Lost > 0 {
				lostRuns++
			}
		}
	}
	switch {
	case notRec == 0 && len(g.Runs) == 1:
		s += " The run recovered"
	case notRec == 0:
		s += " Every run recovered"
	case len(g.Runs) == 1:
		s += " **The run did not recover** by the end of the recording"
	default:
		s += fmt.Sprintf(" **%d of %d runs did not recover** by the end of the recording", notRec, len(g.Runs))
	}
	if flapping > 0 {
		s += fmt.Sprintf("; %d %s flapped (more than one outage)", flapping, plural(flapping, "run", "runs"))
	}
	s += "."
	switch {
	case checked == 0:
		s += " Lost writes were not checked."
	case lost == 0:
		s += fmt.Sprintf(" No acknowledged write was lost (%d %s checked)", checked, plural(checked, "run", "runs"))
	default:
		s += fmt.Sprintf(" **%s acknowledged %s lost** in %d of %d checked runs", fmtCount(float64(lost)), plural(int(lost), "write was", "writes were"), lostRuns, checked)
	}
	if checked > 0 {
		if cf > 0 {
			s += fmt.Sprintf("; %s %s reported as failed but committed anyway.", fmtCount(float64(cf)), plural(int(cf), "write was", "writes were"))
		} else {
			s += "."
		}
	}
	if c := g.Capacity[vocab.KindWrite]; c != nil {
		s += " " + rep.capacitySentence(c)
	}
	return s
}

// groupStallClause is stallClause for the runs of a group (medians and p95
// across runs): "" when no run of the group stalled.
func groupStallClause(g *GroupView, kind string) string {
	stall, waited := g.Stat(kind+"_stall_time"), g.Stat(kind+"_disruption_max_latency")
	if stall == nil || waited == nil || stall.Max == 0 {
		return ""
	}
	threshold := ""
	for _, r := range g.Runs {
		d, ok := r.Metrics.Disruption[kind]
		if !ok {
			continue
		}
		t := thresholdText(d)
		if threshold != "" && t != threshold {
			threshold = "their stall threshold"
			break
		}
		threshold = t
	}
	return stallClause(medianOf(waited)+secStat(waited), threshold, medianOf(stall)+secStat(stall), true)
}

// capacitySentence turns the capacity numbers into the sizing answer.
func (rep *Report) capacitySentence(c *Capacity) string {
	rate := fmtCount(rep.Opt.Rate)
	if c.N == 1 {
		s := fmt.Sprintf("At %s %ss/s, expect %s failed %ss per switchover", rate, c.Kind, fmtCount(c.Failed.Median), c.Kind)
		if c.Stalled != nil && c.Stalled.Max > 0 {
			s += fmt.Sprintf(" and %s more that wait longer than the stall threshold", fmtCount(c.Stalled.Median))
		}
		if rep.Opt.Retry != nil && c.FailedRetry != nil {
			s += fmt.Sprintf("; with %s, expect %s failed %ss and up to %s extra latency",
				rep.Opt.Retry, fmtCount(c.FailedRetry.Median), c.Kind, fmtSec(c.Added.Max, rep.minInterval()))
		}
		return s + "."
	}
	s := fmt.Sprintf("At %s %ss/s, expect %s failed %ss per switchover (median; p95 %s)",
		rate, c.Kind, fmtCount(c.Failed.Median), c.Kind, fmtCount(c.Failed.P95))
	if c.Stalled != nil && c.Stalled.Max > 0 {
		s += fmt.Sprintf(" and %s more that wait longer than the stall threshold (p95 %s)", fmtCount(c.Stalled.Median), fmtCount(c.Stalled.P95))
	}
	if rep.Opt.Retry != nil && c.FailedRetry != nil {
		s += fmt.Sprintf("; with %s, expect %s failed %ss (p95 %s) and up to %s extra latency at p95 (median %s)",
			rep.Opt.Retry, fmtCount(c.FailedRetry.Median), c.Kind, fmtCount(c.FailedRetry.P95),
			fmtSec(c.Added.P95, rep.minInterval()), fmtSec(c.Added.Median, rep.minInterval()))
	}
	return s + "."
}

func (rep *Report) minInterval() int64 {
	iv := int64(0)
	for _, r := range rep.Runs {
		if iv == 0 || r.IntervalNS < iv {
			iv = r.IntervalNS
		}
	}
	return iv
}

// writeFigures shows the figures that pass keep.
func (rep *Report) writeFigures(b *mdWriter, keep func(*Figure) bool) {
	first := true
	for _, f := range rep.Figures {
		if !keep(f) {
			continue
		}
		if first && f.Run == nil {
			b.p("## Pictures\n\n")
		}
		first = false
		rep.writeFigure(b, f, f.Run == nil)
	}
}

func (rep *Report) writeFigure(b *mdWriter, f *Figure, heading bool) {
	if heading {
		b.p("### %s\n\n", Escape(f.Title))
	}
	if f.Name == "typical-switchover" {
		n := 0
		for _, r := range rep.Runs {
			if _, ok := r.OutageStart(); !ok {
				n++
			}
		}
		if n > 0 {
			b.p("%d %s without an outage %s not in this picture (there is nothing to align them at).\n\n", n, plural(n, "run", "runs"), plural(n, "is", "are"))
		}
	}
	if f.Err != nil {
		b.p("*(picture not available: %s)*\n\n", Escape(f.Err.Error()))
		return
	}
	b.p("![%s](%s.%s)\n", Escape(f.Alt), f.Name, rep.Opt.Formats[0])
	if len(rep.Opt.Formats) > 1 {
		links := make([]string, 0, len(rep.Opt.Formats)-1)
		for _, ext := range rep.Opt.Formats[1:] {
			links = append(links, fmt.Sprintf("[%s](%s.%s)", strings.ToUpper(ext), f.Name, ext))
		}
		b.p("\n*Also as %s.*\n", strings.Join(links, ", "))
	}
	b.p("\n")
}

// tableMetrics are the metrics of the statistics tables, in order.
func (rep *Report) tableMetrics() []result.MetricInfo { return rep.Sum.Metrics }

func (rep *Report) writeStats(b *mdWriter) {
	b.p("## Statistics per group\n\n")
	for _, g := range rep.Groups {
		if len(rep.Groups) > 1 || len(rep.Sum.By) > 0 {
			b.p("### %s\n\n", Escape(g.Key))
		}
		t, notes := statsTable(g.Group)
		if len(g.Runs) > 1 {
			t = t.only("metric", "n", "median", "95% CI of median", "min", "p95", "max")
		}
		t.writeMarkdown(&b.Builder)
		b.p("\n")
		for _, n := range notes {
			b.p("\"?\": %s.\n\n", Escape(n.text))
		}
	}
}

func (rep *Report) writeComparisons(b *mdWriter) {
	cs := rep.Sum.Comparisons
	if len(cs) == 0 {
		return
	}
	b.p("## Comparison with %s\n\n", Escape(cs[0].Baseline))
	for _, c := range tooFewToCompare(rep.Sum) {
		b.p("%s.\n\n", tooFewLine(c, Escape))
	}
	if !hasComparable(rep.Sum) {
		return
	}
	b.p("Difference of medians, in benchstat's manner: `~` means no significant difference (Mann-Whitney U test, α = %.2f); p and the sample sizes are shown beside each.\n\n", cs[0].Alpha)
	t, notes := comparisonTable(rep.Sum)
	t.writeMarkdown(&b.Builder)
	b.p("\n")
	for _, n := range notes {
		b.p("Note: %s.\n\n", Escape(n.text))
	}
}

func (rep *Report) writeCapacity(b *mdWriter) {
	if rep.Opt.Rate <= 0 {
		return
	}
	b.p("## Capacity planning\n\n")
	b.p("At %s requests per second of each kind", fmtCount(rep.Opt.Rate))
	if rep.Opt.Retry != nil {
		b.p(", replayed against a client that makes %s (`--retry %s`)", rep.Opt.Retry, Escape(rep.Opt.Retry.Spec))
	}
	b.p(". Numbers are per switchover (per run): the median and p95 across the group's runs. See [Method](#method) for the model.\n\n")
	if rep.Opt.Retry != nil {
		b.p("| group | requests | runs | failed without retry | failed with retry | needed a retry | largest added latency |\n")
		b.p("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n")
	} else {
		b.p("| group | requests | runs | failed (median) | failed (p95) | failed (max) |\n")
		b.p("| --- | --- | ---: | ---: | ---: | ---: |\n")
	}
	iv := rep.minInterval()
	for _, g := range rep.Groups {
		for _, kind := range kindOfRequests {
			c := g.Capacity[kind]
			if c == nil {
				continue
			}
			if rep.Opt.Retry != nil {
				b.p("| %s | %ss | %d | %s (p95 %s) | %s (p95 %s) | %s (p95 %s) | %s (p95 %s, max %s) |\n", EscapeCell(g.Key), kind, c.N,
					fmtCount(c.Failed.Median), fmtCount(c.Failed.P95), fmtCount(c.FailedRetry.Median), fmtCount(c.FailedRetry.P95),
					fmtCount(c.Delayed.Median), fmtCount(c.Delayed.P95),
					fmtSec(c.Added.Median, iv), fmtSec(c.Added.P95, iv), fmtSec(c.Added.Max, iv))
			} else {
				b.p("| %s | %ss | %d | %s | %s | %s |\n", EscapeCell(g.Key), kind, c.N, fmtCount(c.Failed.Median), fmtCount(c.Failed.P95), fmtCount(c.Failed.Max))
			}
		}
	}
	b.p("\n")
}

func (rep *Report) writeRuns(b *mdWriter) {
	b.p("## Runs\n\n")
	b.p("Every run, in input order. Times are ± half a probe interval per boundary")
	for _, r := range rep.Runs {
		if r.ClosedLoop {
			b.p(" (closed-loop traffic: ± half the gap between requests, each boundary's own in the run's detail)")
			break
		}
	}
	b.p(".\n\n")
	grouped := len(rep.Groups) > 1 || len(rep.Sum.By) > 0
	if grouped {
		b.p("| run | group | phases | write downtime | read downtime | read-only | unavailable | recovered |\n")
		b.p("| --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n")
	} else {
		b.p("| run | phases | write downtime | read downtime | read-only | unavailable | recovered |\n")
		b.p("| --- | --- | ---: | ---: | ---: | ---: | --- |\n")
	}
	for _, r := range rep.Runs {
		m := &r.Metrics
		rec := "yes"
		if !m.Recovered {
			rec = "**no**"
		}
		group := ""
		if grouped {
			key := "-"
			if r.Group != nil {
				key = r.Group.Key
			}
			group = " " + EscapeCell(key) + " |"
		}
		b.p("| %s |%s %s | %s | %s | %s | %s | %s |\n", EscapeCell(r.RunID), group, Escape(PhaseLine(r.RunResult)),
			fmtDowntime(m.WriteDowntime, m.KnownWriteDowntime), fmtDowntime(m.ReadDowntime, m.KnownReadDowntime), fmtDur(m.ReadOnlyTime), fmtDur(m.UnavailableTime), rec)
	}
	b.p("\n")
}

func (rep *Report) writeDetail(b *mdWriter) {
	if len(rep.Detail) == 0 {
		return
	}
	b.p("## Runs in detail\n\n")
	if len(rep.Runs) > len(rep.Detail) {
		b.p("Drawn in detail: the median and the worst run (by write downtime)")
		if len(rep.Opt.Show) > 0 {
			b.p(" and the runs named with `--show`")
		}
		b.p("; every run is in the table above.\n\n")
	}
	for _, r := range rep.Detail {
		b.p("### Run %s (%s)\n\n", Escape(r.RunID), Escape(strings.Join(r.Why, ", ")))
		b.p("%s\n\n", Escape(PhaseLine(r.RunResult)))
		var facts []string
		if len(r.Labels) > 0 {
			pairs := vocab.LabelPairs(r.Labels)
			for i := range pairs {
				pairs[i] = Escape(pairs[i])
			}
			facts = append(facts, "labels: "+strings.Join(pairs, ", "))
		}
		facts = append(facts, fmt.Sprintf("%s %s in %s, interval %s", fmtCount(float64(r.Rows)), plural(int(min(r.Rows, 2)), "probe", "probes"), Count(int64(len(r.Streams)), "stream", "streams"), fmtDuration(time.Duration(r.IntervalNS))))
		for _, f := range facts {
			b.p("- %s\n", f)
		}
		for _, p := range r.Phases {
			if p.State == result.PhaseHealthy {
				continue
			}
			at := fmtClock(p.Start)
			if r.ClosedLoop {
				at = fmtEdgePM(p.Start, p.StartResolutionNS)
			}
			line := fmt.Sprintf("- %s at %s for %s", Escape(p.Label), at, fmtSec(float64(p.DurationNS), p.ResolutionNS))
			if p.Cause != "" {
				line += ", caused by " + Escape(p.Cause)
			}
			if p.ErrorClass != "" {
				line += " (" + Escape(p.ErrorClass) + ")"
			}
			b.p("%s\n", line)
		}
		for _, l := range closedLoopLines(r.RunResult) {
			b.p("- %s\n", Escape(l))
		}
		if msgs := errorMessages(r); len(msgs) > 0 {
			b.p("- errors seen: %s\n", strings.Join(msgs, "; "))
		}
		seenChange := map[[2]string]bool{}
		for _, c := range r.Metrics.ServerChanges {
			if k := [2]string{c.From, c.To}; !seenChange[k] {
				seenChange[k] = true
				b.p("- server changed at %s (first seen on %s): %s → %s%s\n", fmtClock(c.Time), Escape(c.Stream), Escape(c.From), Escape(c.To), changeClock(c.Clock, c.ResolutionNS))
			}
		}
		seenTL := map[[2]int64]bool{}
		for _, c := range r.Metrics.TimelineChanges {
			if k := [2]int64{c.From, c.To}; !seenTL[k] {
				seenTL[k] = true
				b.p("- timeline changed at %s (first seen on %s): %d → %d on %s%s\n", fmtClock(c.Time), Escape(c.Stream), c.From, c.To, Escape(c.Server), changeClock(c.Clock, c.ResolutionNS))
			}
		}
		for _, c := range r.Metrics.DNSChanges {
			b.p("- DNS answer changed at %s (seen by %s): %s → %s%s\n", fmtClock(c.Time), Escape(dnsWho(c.Endpoint, dnsProfile(&c))), Escape(c.From), Escape(c.To), changeClock(c.Clock, c.ResolutionNS))
		}
		for _, sd := range r.Metrics.StaleDials {
			b.p("- %s\n", Escape(staleDialLine(sd)))
		}
		if o := r.Metrics.ClockOffset; o != nil {
			b.p("- %s\n", Escape(clockOffsetLine(o)))
		}
		if len(r.Metrics.ServerChanges)+len(r.Metrics.DNSChanges)+len(r.Metrics.TimelineChanges) > 0 {
			b.p("- phases are timed by the probes' intended starts; changes by when a probe saw them (observed) unless marked intended\n")
		}
		for _, e := range r.Metrics.Events {
			line := fmt.Sprintf("- event %s (%s) at %s", Escape(e.Called()), Escape(e.Source), fmtClock(e.Time))
			switch {
			case e.OutageSince != nil:
				line += "; outage already under way since " + fmtClock(*e.OutageSince)
			case e.ToFirstError != nil:
				line += "; first failure " + fmtDur(*e.ToFirstError) + " after it"
			}
			if e.ToRecovery != nil {
				line += "; recovered " + fmtDur(*e.ToRecovery) + " after it"
			}
			b.p("%s\n", line)
		}
		b.p("\n")
		for _, f := range rep.Figures {
			if f.Run == r {
				rep.writeFigure(b, f, false)
			}
		}
	}
}

// errorMessages are the distinct error messages of a run's failed
// segments, by class, at most five.
func errorMessages(r *RunView) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range r.Streams {
		for _, seg := range s.Segments {
			if seg.Error == "" || seen[seg.ErrorClass+seg.Error] {
				continue
			}
			seen[seg.ErrorClass+seg.Error] = true
			if len(out) < 5 {
				out = append(out, Escape(seg.ErrorClass)+": "+Escape(seg.Error))
			}
		}
	}
	return out
}

func (rep *Report) writeLostWrites(b *mdWriter) {
	b.p("## Lost and committed-although-failed writes\n\n")
	var checked []*RunView
	for _, r := range rep.Runs {
		if r.Metrics.LostWrites != nil {
			checked = append(checked, r)
		}
	}
	if len(checked) == 0 {
		b.p("No run has a lost-write check (verify.json): nothing is known about lost writes.\n\n")
		return
	}
	b.p("A lost write was acknowledged to the client but is missing afterwards; a committed-although-failed write was reported to the client as failed but committed anyway (a client that retries it writes it twice). %d of %s checked.\n\n", len(checked), Count(int64(len(rep.Runs)), "run was", "runs were"))
	var bad []*RunView
	for _, r := range checked {
		lw := r.Metrics.LostWrites
		if lw.Lost > 0 || lw.CommittedFailed > 0 || lw.Unexpected > 0 {
			bad = append(bad, r)
		}
	}
	if len(bad) == 0 {
		b.p("Every checked run: 0 lost, 0 committed although failed.\n\n")
		return
	}
	b.p("| run | lost | committed although failed | unexpected | lost seqs | committed-failed seqs |\n")
	b.p("| --- | ---: | ---: | ---: | --- | --- |\n")
	for _, r := range bad {
		lw := r.Metrics.LostWrites
		b.p("| %s | %d | %d | %d | %s | %s |\n", EscapeCell(r.RunID), lw.Lost, lw.CommittedFailed, lw.Unexpected,
			writeList(lw.LostWrites, lw.LostSeqs), writeList(lw.CommittedFailedWrites, lw.CommittedFailedSeqs))
	}
	b.p("\nRuns not listed lost nothing.\n\n")
}

// writeList is the writes as "STREAM: 1, 2; STREAM: 3" when the run
// names their streams, else their sequence numbers (seqList); at most 10
// numbers in all.
func writeList(w []result.StreamSeq, seqs []int64) string {
	if len(w) == 0 {
		return seqList(seqs)
	}
	var b strings.Builder
	for i, x := range w {
		if i == 10 {
			fmt.Fprintf(&b, ", … (%d more)", len(w)-10)
			break
		}
		switch {
		case i == 0:
			fmt.Fprintf(&b, "%s: %d", EscapeCell(x.Stream), x.Seq)
		case x.Stream != w[i-1].Stream:
			fmt.Fprintf(&b, "; %s: %d", EscapeCell(x.Stream), x.Seq)
		default:
			fmt.Fprintf(&b, ", %d", x.Seq)
		}
	}
	return b.String()
}

func seqList(s []int64) string {
	if len(s) == 0 {
		return "-"
	}
	parts := make([]string, 0, 10)
	for i, v := range s {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("… (%d more)", len(s)-10))
			break
		}
		parts = append(parts, fmt.Sprint(v))
	}
	return strings.Join(parts, ", ")
}

// writeAccuracy shows the --truth check: how far the detected phase
// boundaries lie from the ground-truth events.
func (rep *Report) writeAccuracy(b *mdWriter) {
	a := rep.Sum.Accuracy
	if a == nil {
		return
	}
	b.p("## Accuracy against ground truth\n\n")
	b.p("%d of %d event edges that change what clients see lie where the probes place a change (between the last probe before a boundary and the end of the first after it); %s.\n\n", a.Within, a.Total, errorSummary(a))
	var off []result.BoundaryError
	for _, x := range a.Boundaries {
		if x.Expected && !x.Within {
			off = append(off, x)
		}
	}
	if len(off) == 0 {
		return
	}
	b.p("Those that do not:\n\n")
	accuracyTable(off[:min(len(off), 50)]).only("run", "event", "edge", "error", "resolution").writeMarkdown(&b.Builder)
	if len(off) > 50 {
		b.p("\n… and %d more.\n", len(off)-50)
	}
	b.p("\n")
}

func (rep *Report) writeWarnings(b *mdWriter) {
	var ws []string
	for _, k := range rep.Sum.Input.Skipped {
		rows := "rows unknown"
		if k.Rows >= 0 {
			rows = fmt.Sprintf("%s rows", fmtCount(float64(k.Rows)))
		}
		ws = append(ws, fmt.Sprintf("skipped %s (%s): %s", Escape(k.Path), rows, Escape(k.Reason)))
	}
	for i, x := range rep.Sum.Input.Excluded {
		if i == maxExcludedListed {
			ws = append(ws, fmt.Sprintf("… and %s more excluded", Count(int64(len(rep.Sum.Input.Excluded)-i), "run", "runs")))
			break
		}
		ws = append(ws, fmt.Sprintf("excluded run %s (%s): %s", Escape(x.RunID), Escape(x.Path), Escape(x.Reason)))
	}
	excluded := map[string]bool{}
	for _, x := range rep.Sum.Input.Excluded {
		excluded[x.RunID] = true
	}
	for _, w := range rep.Sum.Warnings {
		if strings.HasPrefix(w, "skipped ") || strings.HasPrefix(w, "run ") && excludedWarning(excluded, w) {
			continue // listed above with their rows
		}
		ws = append(ws, Escape(w))
	}
	for _, r := range rep.Runs {
		for _, w := range r.Warnings {
			ws = append(ws, "run "+Escape(r.RunID)+": "+Escape(w))
		}
	}
	for _, w := range rep.Warnings {
		ws = append(ws, Escape(w))
	}
	if len(ws) == 0 {
		return
	}
	b.p("## Warnings\n\n")
	const maxWarnings = 50
	for i, w := range ws {
		if i == maxWarnings {
			b.p("- … and %d more (see `switchwatch analyze` output)\n", len(ws)-maxWarnings)
			break
		}
		b.p("- %s\n", w)
	}
	b.p("\n")
}

// fromTraces reports whether a run of the report was imported from
// OpenTelemetry traces: its id is "otlp-<hash>", as importer names it.
func (rep *Report) writeMethod(b *mdWriter) {
	b.WriteString(`## Method

- **Probes.** switchwatch record sends small write, read and connect probes to the endpoint on a fixed open-loop schedule, one every probe interval per stream (kind × connection mode), whether or not earlier probes have answered. Every probe is placed at its *intended* start, not when it ran or answered.
- **States.** Each probe is ` + statesSentence() + `.
- **Phases.** At every moment each stream is in the state of its latest probe (a skipped probe carries on the state before it); the run is in the most severe state of its streams (` + severitySentence() + `). A phase is a maximal stretch of one such state.
- **Resolution.** A boundary lies midway between the intended starts of the last probe in one state and the first in another, so each boundary is known to ± half a probe interval, a window to ± one interval and a total over k windows to ± k intervals. Numbers are shown with the decimals that resolution warrants.
- **Downtime.** Write downtime is the time during which at least one write stream was failing (read_only, unavailable or error); read downtime likewise for reads. Read-only and unavailable time are the lengths of the run's phases in those states.
- **Statistics.** Medians come with a distribution-free 95% confidence interval ("?" when there are too few runs for one); p95 is the empirical 95th percentile. Groups are compared with the Mann-Whitney U test; "~" means the difference is not significant at α = 0.05.
- **Typical switchover.** Every run is aligned at the start of its first outage; each curve is, at each moment, the share of the group's runs (of those recorded at that moment) in which that kind of request would succeed.
`)
	if hasUnknown(rep.Runs) {
		b.WriteString(closedLoopMethod)
	}
	b.WriteString("- **Capacity planning.** Requests arrive uniformly in time at the given rate; a request fails when the run's recorded timeline is failing at its arrival (for writes: any write stream failing; for reads: any read stream). With a retry policy, a failed attempt takes as long as the recorded probes typically took where it landed (the median latency of that failing window: a connect timeout costs its timeout, a read-only error a round trip; where several streams fail at once, the largest), and the next attempt starts that long plus the policy's delay later; the request fails only if every attempt lands in a failing moment (after the end of the recording the timeline keeps its last state), and the retries add the time from its arrival to the start of the successful attempt. The expected number of failed requests is the rate times the length of the set of arrival times that fail, computed exactly from the timeline; it is known to ± the rate times a few probe intervals. Real clients also add load when they retry and may share connections; the replay models neither.\n")
	b.p("\n")
}

// excludedWarning reports whether w is the analyzer's warning about an
// excluded run ("run ID ..."), which the Warnings section lists from
// Input.Excluded.
func excludedWarning(ids map[string]bool, w string) bool {
	id, _, _ := strings.Cut(strings.TrimPrefix(w, "run "), " ")
	return ids[id]
}
