package analyze

import (
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"
	"gonum.org/v1/gonum/stat"
)

func notes() []string {
	return []string{
		"Probes are timed by their intended start on the recorder's grid; a window runs from the intended start of its first probe to the intended start of the first probe after it in another state.",
		"Every duration carries its resolution: one probe interval per window boundary pair (resolution_ns); a total over k windows is known to k intervals.",
		"The median's confidence interval is distribution-free (order statistics); comparisons use the Mann-Whitney U test, '~' meaning no significant difference at alpha 0.05.",
		"Latency percentiles come from a log-linear histogram and are known to within 1.6%.",
	}
}

// groupKey is the key of a run's group for the by labels: "all" without
// any, else "key=value,..." in by order, ByPath giving the run's path
// argument as it is ("today/") and ByVantage its vantage point (vantage).
// The group's labels include ByPath and ByVantage then.
func groupKey(labels map[string]string, path, vantage string, by []string) (string, map[string]string) {
	if len(by) == 0 {
		return "all", map[string]string{}
	}
	parts := make([]string, len(by))
	m := make(map[string]string, len(by))
	for i, k := range by {
		if k == ByPath {
			parts[i], m[k] = path, path
			continue
		}
		if k == ByVantage && vantage != "" {
			parts[i], m[k] = k+"="+vantage, vantage
			continue
		}
		parts[i] = k + "=" + labels[k]
		m[k] = labels[k]
	}
	return strings.Join(parts, ","), m
}

// The layers, as benchstat's: analyzeRun makes each run's RunResult
// (segmentation and metrics); groupRuns sorts runs into groups (grouping);
// Summarize computes each group's statistics from its runs and
// CompareGroups compares groups (statistics and comparison). The last two
// read RunResults only, so that they work alike on a fresh analysis and on
// stored summaries (Combine).

// groupRuns groups runs by the by labels, in order of first appearance.
// paths[i] is the path argument runs[i] was found under.
func groupRuns(runs []RunResult, paths []string, by []string) []Group {
	var groups []Group
	index := map[string]int{}
	for i := range runs {
		key, labels := groupKey(runs[i].Labels, paths[i], runs[i].Vantage, by)
		if _, ok := index[key]; !ok {
			index[key] = len(groups)
			groups = append(groups, Group{Key: key, Labels: labels})
		}
		g := &groups[index[key]]
		g.Runs = append(g.Runs, runs[i].RunID)
	}
	return groups
}

// groupMembers are the runs of every group of s, as GroupOfRuns assigns
// them.
func groupMembers(s *Summary) [][]*RunResult {
	members := make([][]*RunResult, len(s.Groups))
	for i, g := range s.GroupOfRuns() {
		if g >= 0 {
			members[g] = append(members[g], &s.Runs[i])
		}
	}
	return members
}

// Summarize computes every group's statistics (Group.Stats) from the
// runs it lists, and compares every group with the first
// (Summary.Comparisons; CompareGroups for another baseline).
func Summarize(s *Summary) {
	for gi, members := range groupMembers(s) {
		g := &s.Groups[gi]
		g.Stats = nil
		for _, def := range MetricDefs {
			var vals []float64
			var res int64
			missing := 0
			for _, r := range members {
				v, rs, ok := def.Get(r)
				if !ok {
					missing++
					continue
				}
				vals = append(vals, v)
				res = max(res, rs)
			}
			st, _ := summarize(def.MetricInfo, vals)
			st.Missing, st.ResolutionNS = missing, res
			g.Stats = append(g.Stats, st)
		}
	}
	CompareGroups(s, "", false)
}

// summarize computes the Stats of one metric over one group's values.
func summarize(info MetricInfo, vals []float64) (Stats, *benchmath.Sample) {
	st := Stats{Metric: info.Name, Unit: info.Unit, N: len(vals), Confidence: Confidence}
	sample := benchmath.NewSample(slices.Clone(vals), &benchmath.DefaultThresholds) // sorts its copy
	if len(vals) == 0 {
		return st, sample
	}
	xs := sample.Values
	st.Min, st.Max = xs[0], xs[len(xs)-1]
	st.Mean = stat.Mean(xs, nil)
	st.P95 = stat.Quantile(0.95, stat.Empirical, xs, nil)
	if len(xs) > 1 {
		st.Stddev = stat.StdDev(xs, nil)
	}
	sum := benchmath.AssumeNothing.Summary(sample, Confidence)
	st.Median = sum.Center
	if !math.IsInf(sum.Lo, 0) && !math.IsNaN(sum.Lo) {
		st.MedianLo = &sum.Lo
	}
	if !math.IsInf(sum.Hi, 0) && !math.IsNaN(sum.Hi) {
		st.MedianHi = &sum.Hi
	}
	for _, w := range sum.Warnings {
		st.Warnings = append(st.Warnings, w.Error())
	}
	return st, sample
}

func compare(info MetricInfo, base, g Group, mi int, a, b *benchmath.Sample) Comparison {
	c := benchmath.AssumeNothing.Compare(a, b)
	m1, m2 := base.Stats[mi].Median, g.Stats[mi].Median
	cmp := Comparison{
		Metric: info.Name, Unit: info.Unit, Baseline: base.Key, Group: g.Key,
		Delta: m2 - m1, P: c.P, Alpha: c.Alpha, Significant: c.P <= c.Alpha,
		N1: c.N1, N2: c.N2,
	}
	if m1 != 0 {
		pct := (m2/m1 - 1) * 100
		cmp.DeltaPct = &pct
	}
	for _, w := range c.Warnings {
		cmp.Warnings = append(cmp.Warnings, w.Error())
	}
	return cmp
}
