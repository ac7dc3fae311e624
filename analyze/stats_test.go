package analyze

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func fakeRuns(group string, downSeconds ...float64) []RunResult {
	var runs []RunResult
	for i, s := range downSeconds {
		d := &Duration{NS: int64(s * float64(time.Second)), ResolutionNS: int64(100 * time.Millisecond)}
		runs = append(runs, RunResult{
			RunID:  group + string(rune('a'+i)),
			Labels: map[string]string{"strategy": group},
			Metrics: Metrics{WriteDowntime: d, LongestWriteOutage: d, Recovered: true,
				FailedByClass: classMap(nil)},
		})
	}
	return runs
}

func statOf(g Group, metric string) Stats {
	for _, s := range g.Stats {
		if s.Metric == metric {
			return s
		}
	}
	return Stats{}
}

func cmpOf(cs []Comparison, metric string) *Comparison {
	for i := range cs {
		if cs[i].Metric == metric {
			return &cs[i]
		}
	}
	return nil
}

func TestGroupStats(t *testing.T) {
	runs := append(fakeRuns("a", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), fakeRuns("b", 21, 22, 23, 24, 25, 26, 27, 28, 29, 30)...)
	groups, cmps := groupStats(runs, make([]string, len(runs)), []string{"strategy"})
	if len(groups) != 2 || groups[0].Key != "strategy=a" || groups[1].Key != "strategy=b" || len(groups[0].Runs) != 10 {
		t.Fatalf("groups %+v", groups)
	}
	s := statOf(groups[0], "write_downtime")
	if s.N != 10 || s.Min != 1e9 || s.Max != 10e9 || s.Median != 5.5e9 || s.Mean != 5.5e9 || s.P95 != 10e9 {
		t.Errorf("stats %+v", s)
	}
	// sample standard deviation of 1..10 is sqrt(55/6)
	if math.Abs(s.Stddev-math.Sqrt(55.0/6)*1e9) > 1 {
		t.Errorf("stddev %v", s.Stddev)
	}
	if s.MedianLo == nil || s.MedianHi == nil || *s.MedianLo > s.Median || *s.MedianHi < s.Median || *s.MedianLo < s.Min || *s.MedianHi > s.Max {
		t.Errorf("median CI %v %v around %v", s.MedianLo, s.MedianHi, s.Median)
	}
	if s.ResolutionNS != int64(100*time.Millisecond) {
		t.Errorf("resolution %d", s.ResolutionNS)
	}
	if st := statOf(groups[0], "event_to_recovery"); st.N != 0 || st.Missing != 10 {
		t.Errorf("a metric no run has: %+v", st)
	}
	c := cmpOf(cmps, "write_downtime")
	if c == nil {
		t.Fatal("no comparison")
	}
	// completely separated samples of 10: p = 2/C(20,10) ≈ 1.1e-5
	if !c.Significant || c.P > 1e-3 || c.Delta != 20e9 || c.N1 != 10 || c.N2 != 10 {
		t.Errorf("comparison %+v", c)
	}
	if cmpOf(cmps, "event_to_recovery") != nil {
		t.Errorf("compared a metric no run has")
	}
}

func TestCompareNoise(t *testing.T) {
	runs := append(fakeRuns("a", 1, 5, 3, 9, 7), fakeRuns("b", 2, 4, 6, 8, 10)...)
	_, cmps := groupStats(runs, make([]string, len(runs)), []string{"strategy"})
	c := cmpOf(cmps, "write_downtime")
	if c.Significant || c.P < 0.5 {
		t.Errorf("interleaved samples judged different: %+v", c)
	}
	// three runs a side can never be significant at 0.05: say so
	runs = append(fakeRuns("a", 1, 2, 3), fakeRuns("b", 21, 22, 23)...)
	groups, cmps := groupStats(runs, make([]string, len(runs)), []string{"strategy"})
	c = cmpOf(cmps, "write_downtime")
	if c.Significant || len(c.Warnings) == 0 || !strings.Contains(c.Warnings[0], "need >= 4 samples") {
		t.Errorf("n=3+3: %+v", c)
	}
	if s := statOf(groups[0], "write_downtime"); s.MedianLo != nil || len(s.Warnings) == 0 {
		t.Errorf("n=3 median CI should be unknown with a warning: %+v", s)
	}
}

func TestGroupByMissingLabel(t *testing.T) {
	runs := fakeRuns("a", 1, 2)
	runs[1].Labels = nil
	groups, _ := groupStats(runs, make([]string, len(runs)), []string{"strategy", "engine"})
	if len(groups) != 2 || groups[0].Key != "strategy=a,engine=" || groups[1].Key != "strategy=,engine=" {
		t.Errorf("groups %v %v", groups[0].Key, groups[len(groups)-1].Key)
	}
	groups, _ = groupStats(runs, make([]string, len(runs)), nil)
	if len(groups) != 1 || groups[0].Key != "all" {
		t.Errorf("no --by: %+v", groups)
	}
}

// TestGroupByPath: runs grouped by the path they were found under, the key
// being the path as given, compared benchstat style; with a label too.
func TestGroupByPath(t *testing.T) {
	runs := append(fakeRuns("a", 1, 2, 3, 4, 5), fakeRuns("a", 21, 22, 23, 24, 25)...)
	paths := []string{"old/", "old/", "old/", "old/", "old/", "new/", "new/", "new/", "new/", "new/"}
	groups, cmps := groupStats(runs, paths, []string{ByPath})
	if len(groups) != 2 || groups[0].Key != "old/" || groups[1].Key != "new/" || groups[1].Labels[ByPath] != "new/" || len(groups[1].Runs) != 5 {
		t.Fatalf("groups: %+v", groups)
	}
	if c := cmpOf(cmps, "write_downtime"); c.Baseline != "old/" || c.Group != "new/" || !c.Significant {
		t.Errorf("old/ against new/: %+v", c)
	}
	groups, _ = groupStats(runs, paths, []string{ByPath, "strategy"})
	if groups[0].Key != "old/,strategy=a" || groups[0].Labels["strategy"] != "a" {
		t.Errorf("--by path,strategy: %+v", groups[0])
	}
}

// TestCheckLabels: a --by label that no run has is an error naming the
// labels there are; one that only some runs have is not.
func TestCheckLabels(t *testing.T) {
	runs := fakeRuns("a", 1, 2)
	runs[1].Labels = map[string]string{"engine": "pg"}
	if err := checkLabels(runs, []string{"engine", "strategy", ByPath}); err != nil {
		t.Errorf("labels some runs have: %v", err)
	}
	err := checkLabels(runs, []string{"strategy", "scenaro"})
	if !errors.Is(err, ErrUnknownLabel) || !strings.Contains(err.Error(), `"scenaro"`) || !strings.Contains(err.Error(), "engine, strategy") {
		t.Errorf("a typo: %v", err)
	}
	if err := checkLabels(fakeRuns("", 1)[:0], []string{"x"}); !errors.Is(err, ErrUnknownLabel) || !strings.Contains(err.Error(), "no labels") {
		t.Errorf("no labels at all: %v", err)
	}
}

func TestHistQuantiles(t *testing.T) {
	var h hist
	for v := int64(1); v <= 100000; v++ {
		h.add(v * 1000)
	}
	for _, q := range []float64{0.5, 0.9, 0.99} {
		want := q * 100000 * 1000
		if got := float64(h.quantile(q)); math.Abs(got-want)/want > 0.016 {
			t.Errorf("q%v = %v, want %v within 1.6%%", q, got, want)
		}
	}
	if h.max != 100000*1000 || h.min != 1000 {
		t.Errorf("min %d max %d", h.min, h.max)
	}
	var small hist
	for _, v := range []int64{3, 1, 2} {
		small.add(v)
	}
	if small.quantile(0.5) != 2 {
		t.Errorf("small values are exact: median %d", small.quantile(0.5))
	}
}

// TestMinP: the smallest two-sided U-test p for given sample sizes, as
// benchmath tabulates it for equal sizes.
func TestMinP(t *testing.T) {
	for _, c := range []struct {
		n1, n2 int
		want   float64
	}{{1, 1, 1}, {2, 2, 1.0 / 3}, {3, 3, 0.1}, {4, 4, 2.0 / 70}, {1, 5, 2.0 / 6}, {0, 3, 1}} {
		cmp := Comparison{N1: c.n1, N2: c.n2, Alpha: 0.05}
		if got := cmp.MinP(); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("MinP(%d, %d) = %v, want %v", c.n1, c.n2, got, c.want)
		}
	}
	if n := (&Comparison{Alpha: 0.05}).RunsToCompare(); n != 4 {
		t.Errorf("RunsToCompare at 0.05 = %d, want 4", n)
	}
	if (&Comparison{N1: 3, N2: 3, Alpha: 0.05}).CanBeSignificant() || !(&Comparison{N1: 4, N2: 4, Alpha: 0.05}).CanBeSignificant() {
		t.Error("3+3 runs can never be significant at 0.05, 4+4 can")
	}
}

// TestNth: selection gives what sorting would, on random data with ties.
func TestNth(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n < 300; n += 7 {
		for _, spread := range []int64{3, 1000} {
			a := make([]int64, n)
			for i := range a {
				a[i] = rng.Int64N(spread)
			}
			sorted := slices.Clone(a)
			slices.Sort(sorted)
			for _, k := range []int{0, n / 2, n - 1} {
				if got := nth(slices.Clone(a), k); got != sorted[k] {
					t.Fatalf("n %d spread %d: nth(%d) = %d, sorted[%d] = %d", n, spread, k, got, k, sorted[k])
				}
			}
		}
	}
}

// groupStats is grouping then statistics, as Analyze does them.
func groupStats(runs []RunResult, paths []string, by []string) ([]Group, []Comparison) {
	s := &Summary{Runs: runs, Groups: groupRuns(runs, paths, by)}
	Summarize(s)
	return s.Groups, s.Comparisons
}
