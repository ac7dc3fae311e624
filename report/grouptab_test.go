package report

import (
	"regexp"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/analyze"
)

// TestMetricKinds: every metric of the group statistics is a row of one
// table, so that none silently disappears from stdout.
func TestMetricKinds(t *testing.T) {
	for _, m := range analyze.MetricNames() {
		if _, ok := metricKinds[m]; !ok {
			t.Errorf("metric %s has no kind (metricKinds)", m)
		}
	}
}

// TestRowFmt: one formatter per row keeps its decimals, whatever the value.
func TestRowFmt(t *testing.T) {
	grid := rowFmt(analyze.UnitNS, 100e6, []float64{0, 9.05e9})
	for _, c := range []struct {
		f    numFmt
		v    float64
		want string
	}{
		{grid, 0, "0.0"}, {grid, 9.04e9, "9.0"}, {grid, 3e9, "3.0"}, {grid, -1e6, "0.0"},
		{rowFmt(analyze.UnitNS, 10e6, nil), 1.5e9, "1.50"},
		{rowFmt(analyze.UnitNS, 0, []float64{14e6, 3.003e9}), 14.1e6, "14"},
		{rowFmt(analyze.UnitNS, 0, []float64{14e6, 40e6}), 14.1e6, "14.1"},
		{rowFmt(analyze.UnitNS, 0, []float64{1e6, 2e6}), 1.07e6, "1.07"},
		{rowFmt(analyze.UnitCount, 0, nil), 36.5, "36.5"},
		{rowFmt(analyze.UnitCount, 0, nil), 2000, "2,000"},
	} {
		if got := c.f.num(c.v); got != c.want {
			t.Errorf("%+v.num(%v) = %q, want %q", c.f, c.v, got, c.want)
		}
	}
	if grid.unit != "s" || !grid.isZero(0.04e9) || grid.isZero(0.05e9) {
		t.Errorf("grid formatter %+v: zero below half its last decimal", grid)
	}
	if got := grid.delta(1.9e9); got != "+1.9" {
		t.Errorf("delta %q", got)
	}
	for pct, want := range map[float64]string{-87.7: "-88%", -100: "-100%", -99.5: "-99.5%", 2.5: "+2.5%", 715: "+715%", 21100: "×212"} {
		if got := fmtDeltaPct(pct); got != want {
			t.Errorf("fmtDeltaPct(%v) = %q, want %q", pct, got, want)
		}
	}
}

// groupsOf is a summary of groups with one metric, values in seconds.
func groupsOf(metric string, groups map[string][]float64, order ...string) *analyze.Summary {
	s := &analyze.Summary{By: []string{"k"}}
	for _, key := range order {
		vals := groups[key]
		g := analyze.Group{Key: "k=" + key, Labels: map[string]string{"k": key}}
		for i := range vals {
			g.Runs = append(g.Runs, key+string(rune('a'+i)))
		}
		st := analyze.Stats{Metric: metric, Unit: analyze.UnitNS, N: len(vals), ResolutionNS: 100e6, Min: vals[0], Max: vals[0]}
		for _, v := range vals {
			st.Min, st.Max = min(st.Min, v), max(st.Max, v)
		}
		st.Median = vals[len(vals)/2]
		g.Stats = []analyze.Stats{st}
		s.Groups = append(s.Groups, g)
	}
	return s
}

// TestGroupTableCells: the cells and footnotes of a comparison against a
// baseline of 0, of a hopeless one and of equal values.
func TestGroupTableCells(t *testing.T) {
	s := groupsOf("write_stall_time", map[string][]float64{
		"base": {0, 0, 0, 0}, "slow": {1.8e9, 1.9e9, 1.9e9, 1.9e9}, "one": {0.5e9},
	}, "base", "slow", "one")
	pct := 5.0
	s.Comparisons = []analyze.Comparison{
		{Metric: "write_stall_time", Baseline: "k=base", Group: "k=slow", Delta: 1.9e9, DeltaPct: &pct, P: 0.0286, Alpha: 0.05, Significant: true, N1: 4, N2: 4},
		{Metric: "write_stall_time", Baseline: "k=base", Group: "k=one", Delta: 0.5e9, P: 0.4, Alpha: 0.05, N1: 4, N2: 1},
	}
	var b strings.Builder
	buildGroupTables(s, "k=base").writeText(&b)
	out := b.String()
	// a baseline of 0.0 gets the difference in seconds, never a percentage
	// (with one delta only, its p and n stand in its cell)
	if !regexp.MustCompile(`(?m)^write_stall_time s +0\.0 +1\.9 \[1\.8 1\.9\] +\+1\.9 \(p=0\.029 n=4\+4\) +0\.5$`).MatchString(out) {
		t.Errorf("row:\n%s", out)
	}
	for _, want := range []string{
		"writes ", " base n=4 ", " slow n=4 ", " vs base", " one n=1",
		"in the row's unit", "no p for one: 1 run against 4 of base can never differ significantly",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "vs base") != 2 || strings.Contains(out, "%") && !strings.Contains(out, "95%") {
		t.Errorf("one comparison column (one's cannot be significant), no percentage:\n%s", out)
	}
}

// TestGroupTableOneAgainstOne is "analyze last/ today/" with a run in
// each: the values side by side, no comparison column, and the reason
// said once.
func TestGroupTableOneAgainstOne(t *testing.T) {
	s := groupsOf("write_downtime", map[string][]float64{"last/": {9.04e9}, "today/": {1.1e9}}, "last/", "today/")
	s.By = []string{analyze.ByPath}
	for i := range s.Groups {
		s.Groups[i].Key = s.Groups[i].Labels["k"]
		s.Groups[i].Labels = map[string]string{analyze.ByPath: s.Groups[i].Key}
	}
	s.Comparisons = []analyze.Comparison{{Metric: "write_downtime", Baseline: "last/", Group: "today/", Delta: -7.9e9, P: 1, Alpha: 0.05, N1: 1, N2: 1}}
	var b strings.Builder
	buildGroupTables(s, "last/").writeText(&b)
	out := b.String()
	if !regexp.MustCompile(`(?m)^writes +last/ +today/$`).MatchString(out) || !regexp.MustCompile(`(?m)^write_downtime s +9\.0 +1\.1$`).MatchString(out) {
		t.Errorf("not two columns of values:\n%s", out)
	}
	if strings.Contains(out, "vs base") || strings.Contains(out, "p=") || strings.Count(out, "no p for today/") != 1 {
		t.Errorf("a p, or the reason not said exactly once:\n%s", out)
	}
}

// TestGroupTableSaysUnknown: a metric unknown in some runs is left out of
// their statistics; the table says so under it, with the reason, instead
// of dropping it silently.
func TestGroupTableSaysUnknown(t *testing.T) {
	s := groupsOf("write_downtime", map[string][]float64{"base": {1e9, 2e9}}, "base")
	s.Runs = []analyze.RunResult{{RunID: "basea"}, {RunID: "baseb"}}
	s.Runs[1].Metrics.MarkUnknown("error_class is absent", "read_only_time", "unavailable_time", "error_time")
	s.Runs[1].Metrics.MarkUnknown("the write streams have 2s without data", "write_downtime", "longest_write_outage")
	var b strings.Builder
	buildGroupTables(s, "k=base").writeText(&b)
	out := b.String()
	for _, want := range []string{
		"unknown in 1 run: write_downtime, longest_write_outage (the write streams have 2s without data)\n",
		"unknown in 1 run: read_only_time, unavailable_time (error_class is absent)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "error_time") {
		t.Errorf("error_time is no row of the group statistics, so no line of them:\n%s", out)
	}
}
