package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/termtext"
	"github.com/switchwatch/switchwatch/internal/vocab"
)

// The group tables of `switchwatch analyze`, in benchstat's shape: for
// each kind of request one table, a metric per row and a group per
// column, each cell the median with its 95% confidence interval, or the
// range of the runs where too few runs give none, and beside each group
// but the baseline its difference from it: "~" when not significant. What
// the cells mean is said once, in footnotes under the tables.

// metricKinds is the kind of request each metric of the group statistics
// is about: the table it is a row of. "" is the run as a whole (phases,
// events, probes of every kind). A test fails when a metric lacks one.
var metricKinds = map[string]string{
	"write_downtime":               vocab.KindWrite,
	"longest_write_outage":         vocab.KindWrite,
	"write_stall_time":             vocab.KindWrite,
	"write_disruption_time":        vocab.KindWrite,
	"write_disruption_max_latency": vocab.KindWrite,
	"write_disruption_p99_latency": vocab.KindWrite,
	"lost_writes":                  vocab.KindWrite,
	"committed_failed_writes":      vocab.KindWrite,
	"old_primary_writes":           vocab.KindWrite,
	"read_downtime":                vocab.KindRead,
	"read_stall_time":              vocab.KindRead,
	"read_disruption_time":         vocab.KindRead,
	"staleness_max":                vocab.KindRead,
	"read_only_time":               "",
	"unavailable_time":             "",
	"stalled_time":                 "",
	"outage_time":                  "",
	"outages":                      "",
	"failed_probes":                "",
	"event_to_first_error":         "",
	"event_to_recovery":            "",
	"event_to_server_change":       "",
	"event_to_dns_change":          "",
	"event_to_timeline_change":     "",
}

// tableKinds are the tables in order, with their titles.
var tableKinds = []struct{ kind, title string }{
	{vocab.KindWrite, "writes"},
	{vocab.KindRead, "reads"},
	{"", "whole run"},
}

// groupTable is the table of one kind of request against one baseline.
type groupTable struct {
	t *table
	// zero are the metrics that were 0 in every run of every group: one
	// line under the table rather than a row of zeros each.
	zero []string
	// unknown are lines "N runs: metrics (why)" of the metrics some runs
	// of the groups shown could not tell (Metrics.Unknown): left out of
	// the statistics, so said under the table, never silently missing.
	unknown []string
}

// groupTables is the presentation model of the group statistics compared
// with one baseline group: a table per kind and the footnotes that say
// once what the cells mean.
type groupTables struct {
	base   string // the baseline's label
	tables []groupTable
	notes  []string
}

// cmpKey finds a comparison.
type cmpKey struct{ base, group, metric string }

// baselines lists the baselines of the comparisons in order (one, unless
// every pair was compared); the first group when there are none.
func baselines(s *result.Summary) []string {
	var out []string
	for i := range s.Comparisons {
		if b := s.Comparisons[i].Baseline; !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	if len(out) == 0 && len(s.Groups) > 0 {
		out = append(out, s.Groups[0].Key)
	}
	return out
}

// buildGroupTables makes the tables of the groups compared with the group
// keyed base. With all, only the groups after the baseline are shown
// beside it (the earlier ones were its baselines before).
func buildGroupTables(s *result.Summary, base string) *groupTables {
	b := newTabBuilder(s, base)
	gt := &groupTables{base: b.label[b.groups[0].Key]}
	for _, k := range tableKinds {
		if t, ok := b.kindTable(k.kind, k.title); ok {
			gt.tables = append(gt.tables, t)
		}
	}
	gt.notes = b.notes(gt.base)
	return gt
}

// tabBuilder makes the group tables of one baseline: what every table
// shares, and what the cells used, for the footnotes.
type tabBuilder struct {
	s      *result.Summary
	base   string
	cmps   map[cmpKey]*result.Comparison
	groups []*result.Group // the baseline first
	label  map[string]string
	// testable: a comparison column beside a group only where some
	// comparison of the group with the baseline can be significant;
	// hopeless are the first comparison of each group without one.
	testable []bool
	hopeless []*result.Comparison
	// sameN: every group has the same number of runs, said once; common
	// the p and n most deltas share, said once, not in every cell.
	sameN  bool
	common string

	ranges, cis, bare, tooFewCell, pct, abs, ratio, msRows bool
	rowRes                                                 []metricRes
}

func newTabBuilder(s *result.Summary, base string) *tabBuilder {
	b := &tabBuilder{s: s, base: base, cmps: map[cmpKey]*result.Comparison{}, label: groupLabels(s), sameN: true}
	for i := range s.Comparisons {
		c := &s.Comparisons[i]
		b.cmps[cmpKey{c.Baseline, c.Group, c.Metric}] = c
	}
	// the groups shown: the baseline first, then those compared with it in
	// their order (every other group when there are no comparisons)
	bi := slices.IndexFunc(s.Groups, func(g result.Group) bool { return g.Key == base })
	b.groups = []*result.Group{&s.Groups[bi]}
	compared := map[string]bool{}
	for i := range s.Comparisons {
		if s.Comparisons[i].Baseline == base {
			compared[s.Comparisons[i].Group] = true
		}
	}
	for i := range s.Groups {
		if i != bi && (compared[s.Groups[i].Key] || len(s.Comparisons) == 0) {
			b.groups = append(b.groups, &s.Groups[i])
		}
	}
	b.findTestable()
	for _, g := range b.groups {
		b.sameN = b.sameN && len(g.Runs) == len(b.groups[0].Runs)
	}
	b.common = commonPN(s.Comparisons, base)
	return b
}

// findTestable sets testable and hopeless.
func (b *tabBuilder) findTestable() {
	b.testable = make([]bool, len(b.groups))
	for gi, g := range b.groups[1:] {
		var first *result.Comparison
		for i := range b.s.Comparisons {
			c := &b.s.Comparisons[i]
			if c.Baseline != b.base || c.Group != g.Key {
				continue
			}
			if first == nil {
				first = c
			}
			if c.CanBeSignificant() {
				b.testable[gi+1] = true
			}
		}
		if !b.testable[gi+1] && first != nil {
			b.hopeless = append(b.hopeless, first)
		}
	}
}

// kindTable is the table of one kind of request ("" the whole run); false
// when it has neither a row nor a metric that was 0 throughout.
func (b *tabBuilder) kindTable(kind, title string) (groupTable, bool) {
	t := &table{cols: []column{{name: title, data: true}, {name: "", tight: true}}}
	for gi, g := range b.groups {
		name := b.label[g.Key]
		if !b.sameN {
			name += fmt.Sprintf(" n=%d", len(g.Runs))
		}
		t.cols = append(t.cols, column{name: name, right: true, data: true})
		if gi > 0 && b.testable[gi] {
			t.cols = append(t.cols, column{name: "vs base", right: true})
		}
	}
	var zero []string
	for _, m := range result.MetricNames() {
		if metricKinds[m] != kind {
			continue
		}
		sts, vals, res, allZero, has := b.metricStats(m)
		switch {
		case !has:
			continue // no run has it (no trigger event, no DNS name)
		case allZero:
			zero = append(zero, m)
			continue
		}
		t.add(b.metricRow(m, sts, vals, res)...)
	}
	unknown := b.unknownLines(kind)
	return groupTable{t: t, zero: zero, unknown: unknown}, len(t.rows) > 0 || len(zero) > 0 || len(unknown) > 0
}

// unknownLines says, for the table of kind, which of its metrics were
// unknown in how many runs of the groups shown, and why: one line per
// reason and count, "1 run: read_only_time, unavailable_time (error_class
// is absent)", in the order of the metrics.
func (b *tabBuilder) unknownLines(kind string) []string {
	shown := map[string]bool{}
	for _, g := range b.groups {
		for _, id := range g.Runs {
			shown[id] = true
		}
	}
	type key struct {
		why string
		n   int
	}
	runs := map[string]map[string]int{} // metric -> why -> runs
	for i := range b.s.Runs {
		if !shown[b.s.Runs[i].RunID] {
			continue
		}
		for _, u := range b.s.Runs[i].Metrics.Unknown {
			if runs[u.Metric] == nil {
				runs[u.Metric] = map[string]int{}
			}
			runs[u.Metric][u.Why]++
		}
	}
	var order []key
	metrics := map[key][]string{}
	for _, m := range result.MetricNames() {
		if metricKinds[m] != kind || runs[m] == nil {
			continue
		}
		for _, why := range slices.Sorted(maps.Keys(runs[m])) {
			k := key{why, runs[m][why]}
			if metrics[k] == nil {
				order = append(order, k)
			}
			metrics[k] = append(metrics[k], m)
		}
	}
	var out []string
	for _, k := range order {
		out = append(out, fmt.Sprintf("%d %s: %s (%s)", k.n, plural(k.n, "run", "runs"), strings.Join(metrics[k], ", "), termtext.Sanitize(k.why)))
	}
	return out
}

// metricStats are every shown group's statistics of metric m (nil where a
// group has none), the values its cells show, their coarsest resolution,
// whether every one is 0 and whether any group has the metric.
func (b *tabBuilder) metricStats(m string) (sts []*result.Stats, vals []float64, res int64, allZero, has bool) {
	sts = make([]*result.Stats, len(b.groups))
	allZero = true
	for gi, g := range b.groups {
		i := slices.IndexFunc(g.Stats, func(st result.Stats) bool { return st.Metric == m })
		if i < 0 || g.Stats[i].N == 0 {
			continue
		}
		st := &g.Stats[i]
		sts[gi], has = st, true
		vals = append(vals, st.Min, st.Median, st.Max)
		if st.MedianLo != nil && st.MedianHi != nil {
			vals = append(vals, *st.MedianLo, *st.MedianHi)
		}
		res = max(res, st.ResolutionNS)
		allZero = allZero && st.Min == 0 && st.Max == 0
	}
	return sts, vals, res, allZero, has
}

// metricRow is the row of metric m: its name, unit, and each group's cell
// with, beside the testable groups, its difference from the baseline.
func (b *tabBuilder) metricRow(m string, sts []*result.Stats, vals []float64, res int64) []string {
	var unit string
	for _, st := range sts {
		if st != nil {
			unit = st.Unit
		}
	}
	if unit == result.UnitNS && res > 0 {
		b.rowRes = append(b.rowRes, metricRes{m, res})
	}
	f := rowFmt(unit, res, vals)
	b.msRows = b.msRows || f.unit == "ms"
	row := []string{m, f.unit}
	for gi, g := range b.groups {
		row = append(row, b.cell(f, sts[gi], len(g.Runs)))
		if gi > 0 && b.testable[gi] {
			row = append(row, b.deltaCell(f, sts[0], b.cmps[cmpKey{b.base, g.Key, m}]))
		}
	}
	return row
}

// cell is a group's cell: the median ± its interval, or its range, or the
// value every run had; n where fewer than the group's runs had it.
func (b *tabBuilder) cell(f numFmt, st *result.Stats, runs int) string {
	if st == nil {
		return "-"
	}
	cell := f.num(st.Median)
	switch {
	case st.MedianLo != nil && st.MedianHi != nil:
		cell += " ± " + f.num(max(*st.MedianHi-st.Median, st.Median-*st.MedianLo))
		b.cis = true
	case f.num(st.Min) == f.num(st.Max):
		b.bare = true // every run had it, to the decimals shown
	default:
		cell += " [" + f.num(st.Min) + " " + f.num(st.Max) + "]"
		b.ranges = true
	}
	if st.N < runs {
		cell += fmt.Sprintf(" n=%d", st.N)
	}
	return cell
}

// deltaCell is the comparison of a group with the baseline (whose
// statistics are baseSt): "~" when not significant, else the change.
func (b *tabBuilder) deltaCell(f numFmt, baseSt *result.Stats, c *result.Comparison) string {
	switch {
	case c == nil:
		return ""
	case !c.CanBeSignificant():
		b.tooFewCell = true
		return "~ ¹"
	case !c.Significant:
		return "~"
	}
	var d string
	if baseSt != nil && !f.isZero(baseSt.Median) && c.DeltaPct != nil {
		d = fmtDeltaPct(*c.DeltaPct)
		b.pct = true
		b.ratio = b.ratio || strings.HasPrefix(d, "×")
	} else {
		d = f.delta(c.Delta)
		b.abs = true
	}
	if pn := fmtPN(c); pn != b.common {
		d += " (" + pn + ")"
	}
	return d
}

// notes are the footnotes: what the cells mean, said once.
func (b *tabBuilder) notes(baseLabel string) []string {
	var notes []string
	groups := b.groups
	n := ""
	switch {
	case b.sameN && len(groups) > 1:
		n = fmt.Sprintf(" (n=%d in each group)", len(groups[0].Runs))
	case b.sameN:
		n = fmt.Sprintf(" (n=%d)", len(groups[0].Runs))
	}
	if b.ranges {
		notes = append(notes, fmt.Sprintf("median [min max] of the runs%s: a 95%% confidence interval of the median needs at least 6 runs; a value alone: every run had it", n))
	} else if b.bare && !b.cis {
		if b.sameN && len(groups[0].Runs) == 1 {
			notes = append(notes, "one run in each group: its values, to the decimals its resolution warrants")
		} else {
			notes = append(notes, fmt.Sprintf("every run of a group had the value shown%s", n))
		}
	}
	if l := resolutionNote(b.rowRes, b.msRows); l != "" {
		notes = append(notes, l)
	}
	if b.cis {
		notes = append(notes, "median ± the largest distance from it to the bounds of its 95% confidence interval")
	}
	if len(groups) > 1 && slices.Contains(b.testable, true) {
		notes = append(notes, b.vsBaseNote(baseLabel))
	}
	if b.tooFewCell {
		notes = append(notes, fmt.Sprintf("¹ too few runs with the metric for the test to reach alpha %.2f", result.Alpha))
	}
	for _, c := range b.hopeless {
		notes = append(notes, fmt.Sprintf("no p for %s: %d %s against %d of %s can never differ significantly at alpha %.2f (the smallest p is %.2f); record at least %d runs of each to compare",
			b.label[c.Group], c.N2, plural(c.N2, "run", "runs"), c.N1, b.label[c.Baseline], c.Alpha, c.MinP(), c.RunsToCompare()))
	}
	return notes
}

// vsBaseNote explains the comparison column.
func (b *tabBuilder) vsBaseNote(baseLabel string) string {
	line := fmt.Sprintf("vs base: difference of medians from %s, %s; ~ = not significant at alpha %.2f (Mann-Whitney U)",
		baseLabel, deltaKinds(b.pct, b.abs), result.Alpha)
	if b.ratio {
		line += "; ×N: N times the baseline's"
	}
	if b.common != "" {
		line += "; where no p is given, " + strings.ReplaceAll(b.common, " ", nbsp)
		if c := firstWithPN(b.s.Comparisons, b.base, b.common); c != nil && c.P <= c.MinP()*1.0000001 {
			line += fmt.Sprintf(", the smallest p %d runs against %d can give", c.N1, c.N2)
		}
	}
	return line
}

// groupLabels is how the tables name each group (by key): its label
// values (result.GroupLabel), and for groups by path the paths less the
// folders they all share ("run=a" and "run=b" for x/run=a and x/run=b).
func groupLabels(s *result.Summary) map[string]string {
	out := map[string]string{}
	var ls []string
	for i := range s.Groups {
		l := result.GroupLabel(&s.Groups[i], s.By)
		out[s.Groups[i].Key] = l
		ls = append(ls, l)
	}
	if len(s.By) != 1 || s.By[0] != result.ByPath || len(ls) < 2 {
		return out
	}
	prefix := ls[0]
	for _, l := range ls[1:] {
		for !strings.HasPrefix(l, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	prefix = prefix[:strings.LastIndex(prefix, "/")+1]
	for k, l := range out {
		if short := strings.TrimPrefix(l, prefix); short != "" && short != "/" {
			out[k] = short
		}
	}
	return out
}

// metricRes is the coarsest resolution of a row's times.
type metricRes struct {
	metric string
	res    int64
}

// resolutionNote says once what the rows' times are known to: the
// resolution most rows share, and the rows known more coarsely (a server
// change seen only when probes got through again), which show fewer
// decimals.
func resolutionNote(rows []metricRes, ms bool) string {
	if len(rows) == 0 {
		return ""
	}
	count := map[int64]int{}
	common := rows[0].res
	for _, r := range rows {
		count[r.res]++
		if count[r.res] > count[common] || count[r.res] == count[common] && r.res < common {
			common = r.res
		}
	}
	line := "times in s are known to ±" + nbsp + strings.ReplaceAll(fmtSec(float64(common), common), " ", nbsp) + " (the largest of the runs' resolutions)"
	var coarse []string
	for _, r := range rows {
		if decimals(r.res) < decimals(common) {
			coarse = append(coarse, strings.ReplaceAll(r.metric+" ± "+fmtSec(float64(r.res), r.res), " ", nbsp))
		}
	}
	if len(coarse) > 0 {
		line += ", but " + strings.Join(coarse, ", ")
	}
	if ms {
		line += "; latencies in ms are measured, not on the probe grid"
	}
	return line
}

// deltaKinds says how the differences are given.
func deltaKinds(pct, abs bool) string {
	switch {
	case pct && abs:
		return "in % of the baseline's, in the row's unit where the baseline's is 0"
	case abs:
		return "in the row's unit"
	}
	return "in % of the baseline's"
}

// fmtPN is a comparison's p and n, "p=0.029 n=4+4".
func fmtPN(c *result.Comparison) string {
	return fmt.Sprintf("p=%.3f n=%d+%d", c.P, c.N1, c.N2)
}

// nbsp joins words wrapText keeps on one line.
const nbsp = "\u00a0"

// commonPN is the p and n most significant comparisons with base share,
// "" when fewer than two do.
func commonPN(cs []result.Comparison, base string) string {
	count := map[string]int{}
	best, bestN := "", 1
	for i := range cs {
		c := &cs[i]
		if c.Baseline != base || !c.Significant || !c.CanBeSignificant() {
			continue
		}
		pn := fmtPN(c)
		count[pn]++
		if count[pn] > bestN || (count[pn] == bestN && pn < best) {
			best, bestN = pn, count[pn]
		}
	}
	return best
}

func firstWithPN(cs []result.Comparison, base, pn string) *result.Comparison {
	for i := range cs {
		if cs[i].Baseline == base && cs[i].Significant && fmtPN(&cs[i]) == pn {
			return &cs[i]
		}
	}
	return nil
}

// writeText writes the tables, the zero lines and the footnotes.
func (gt *groupTables) writeText(b *strings.Builder) {
	for _, t := range gt.tables {
		b.WriteString("\n")
		if len(t.t.rows) > 0 {
			t.t.writeText(b, "")
		} else {
			b.WriteString(t.t.cols[0].name + "\n")
		}
		if len(t.zero) > 0 {
			b.WriteString(wrapText("0 in every run: "+strings.Join(t.zero, ", "), "", textWidth))
		}
		for _, u := range t.unknown {
			b.WriteString(wrapText("unknown in "+u, "", textWidth))
		}
	}
	if len(gt.notes) > 0 {
		b.WriteString("\n")
	}
	for _, n := range gt.notes {
		b.WriteString(wrapText(n, "  ", textWidth))
	}
}

// textWidth is the width the prose of the text output is wrapped to.
const textWidth = 100

// wrapText wraps s into lines of at most width runes (a word longer than
// that stands alone), every line after the first indented by indent, and
// ends it with a newline. A no-break space (nbsp) keeps two words on one
// line and is written as a space.
func wrapText(s, indent string, width int) string {
	var b strings.Builder
	line := 0
	var words []string
	for _, w := range strings.Split(s, " ") {
		if w != "" {
			words = append(words, strings.ReplaceAll(w, nbsp, " "))
		}
	}
	for i, w := range words {
		n := len([]rune(w))
		switch {
		case i == 0:
		case line+1+n > width:
			b.WriteString("\n" + indent)
			line = len([]rune(indent))
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += n
	}
	return b.String() + "\n"
}
