package analyze

import (
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"
	"gonum.org/v1/gonum/stat"

	"github.com/switchwatch/switchwatch/record/store"
)

// Confidence is the level of the confidence interval of the median.
const Confidence = 0.95

// Alpha is the significance level of comparisons.
const Alpha = 0.05

// Metric units.
const (
	UnitNS    = "ns"
	UnitCount = "count"
)

// metricDef is one metric of the group statistics and how to get it from a
// run: the value, its resolution and whether the run has it.
type metricDef struct {
	MetricInfo
	get func(*RunResult) (v float64, res int64, ok bool)
}

func durMetric(name, desc string, f func(*Metrics) *Duration) metricDef {
	return metricDef{MetricInfo{name, UnitNS, desc}, func(r *RunResult) (float64, int64, bool) {
		d := f(&r.Metrics)
		if d == nil || d.Unknown {
			return 0, 0, false
		}
		return float64(d.NS), d.ResolutionNS, true
	}}
}

func countMetric(name, desc string, f func(*Metrics) (int64, bool)) metricDef {
	return metricDef{MetricInfo{name, UnitCount, desc}, func(r *RunResult) (float64, int64, bool) {
		v, ok := f(&r.Metrics)
		return float64(v), 0, ok && !r.Metrics.unknown(name)
	}}
}

// metricDefs lists the metrics grouped across runs, in report order.
var metricDefs = []metricDef{
	durMetric("write_downtime", "time during which at least one write stream failed", func(m *Metrics) *Duration { return m.WriteDowntime }),
	durMetric("longest_write_outage", "longest single window of write downtime", func(m *Metrics) *Duration { return m.LongestWriteOutage }),
	durMetric("read_downtime", "time during which at least one read stream failed", func(m *Metrics) *Duration { return m.ReadDowntime }),
	durMetric("read_only_time", "time the run was read-only: writes failed with read_only while nothing was worse", func(m *Metrics) *Duration { return &m.ReadOnlyTime }),
	durMetric("unavailable_time", "time some stream could not reach a usable server", func(m *Metrics) *Duration { return &m.UnavailableTime }),
	durMetric("write_stall_time", "time during which at least one write stream stalled (succeeded above the stall threshold) and none failed", disruptionDur(store.KindWrite, func(d *Disruption) Duration { return d.StallTime })),
	durMetric("write_disruption_time", "from the first to the last moment a write stream failed or stalled", disruptionDur(store.KindWrite, func(d *Disruption) Duration { return d.DisruptionTime })),
	durMetric("write_disruption_max_latency", "largest write latency inside the write disruption (failed writes at the latency they took)", disruptionLatency(store.KindWrite, func(d *Disruption) int64 { return d.MaxLatencyNS })),
	durMetric("write_disruption_p99_latency", "99th percentile write latency inside the write disruption", disruptionLatency(store.KindWrite, func(d *Disruption) int64 { return d.P99LatencyNS })),
	durMetric("read_stall_time", "time during which at least one read stream stalled and none failed", disruptionDur(store.KindRead, func(d *Disruption) Duration { return d.StallTime })),
	durMetric("read_disruption_time", "from the first to the last moment a read stream failed or stalled", disruptionDur(store.KindRead, func(d *Disruption) Duration { return d.DisruptionTime })),
	durMetric("stalled_time", "time the run was stalled: some stream stalled while none failed", func(m *Metrics) *Duration { return &m.StalledTime }),
	durMetric("outage_time", "from the start of the first to the end of the last non-healthy phase", func(m *Metrics) *Duration { return &m.OutageTime }),
	countMetric("outages", "separate outage windows (more than one is flapping)", func(m *Metrics) (int64, bool) { return int64(m.Outages), true }),
	countMetric("failed_probes", "probes in state read_only, unavailable or error", func(m *Metrics) (int64, bool) { return m.FailedProbes, true }),
	durMetric("event_to_first_error", "from the trigger event to the first failure after it", func(m *Metrics) *Duration { return m.EventToFirstError }),
	durMetric("event_to_recovery", "from the trigger event to full recovery", func(m *Metrics) *Duration { return m.EventToRecovery }),
	durMetric("event_to_server_change", "from the trigger event to the first change of the answering server", func(m *Metrics) *Duration { return m.EventToServerChange }),
	durMetric("event_to_dns_change", "from the trigger event to the first change of the endpoint's DNS answer", func(m *Metrics) *Duration { return m.EventToDNSChange }),
	durMetric("event_to_timeline_change", "from the trigger event to the first change of the answering server's timeline", func(m *Metrics) *Duration { return m.EventToTimelineChange }),
	countMetric("lost_writes", "acknowledged writes missing afterwards", func(m *Metrics) (int64, bool) {
		if m.LostWrites == nil {
			return 0, false
		}
		return m.LostWrites.Lost, true
	}),
	countMetric("committed_failed_writes", "writes reported failed that committed anyway", func(m *Metrics) (int64, bool) {
		if m.LostWrites == nil {
			return 0, false
		}
		return m.LostWrites.CommittedFailed, true
	}),
	countMetric("old_primary_writes", "writes acknowledged by an old primary after the new one had answered a write", func(m *Metrics) (int64, bool) {
		if m.OldPrimaryWrites == nil {
			return 0, false
		}
		return m.OldPrimaryWrites.Count, true
	}),
	durMetric("staleness_max", "largest lag of a read behind an acknowledged write", func(m *Metrics) *Duration {
		if m.Staleness == nil {
			return nil
		}
		return &Duration{NS: m.Staleness.MaxNS}
	}),
}

// RunMetric is the value of the metric named name in run r, in the
// metric's unit, with its resolution (ns, 0 for counts); ok is false when
// the run does not have it (a run that never recovered has no recovery
// time) or no metric has that name.
func RunMetric(r *RunResult, name string) (v float64, resolutionNS int64, ok bool) {
	for _, d := range metricDefs {
		if d.Name == name {
			return d.get(r)
		}
	}
	return 0, 0, false
}

// MetricNamed is the description of the metric named name.
func MetricNamed(name string) (MetricInfo, bool) {
	for _, d := range metricDefs {
		if d.Name == name {
			return d.MetricInfo, true
		}
	}
	return MetricInfo{}, false
}

// MetricNames lists the metrics of the group statistics, in report order.
func MetricNames() []string {
	out := make([]string, len(metricDefs))
	for i, d := range metricDefs {
		out[i] = d.Name
	}
	return out
}

func metricInfos() []MetricInfo {
	out := make([]MetricInfo, len(metricDefs))
	for i, d := range metricDefs {
		out[i] = d.MetricInfo
	}
	return out
}

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
// argument as it is ("today/"). The group's labels include ByPath then.
func groupKey(labels map[string]string, path string, by []string) (string, map[string]string) {
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
		parts[i] = k + "=" + labels[k]
		m[k] = labels[k]
	}
	return strings.Join(parts, ","), m
}

// groupStats groups runs by the by labels, in order of first appearance,
// summarises every metric per group and compares every group with the
// first. paths[i] is the path argument runs[i] was found under.
func groupStats(runs []RunResult, paths []string, by []string) ([]Group, []Comparison) {
	var groups []Group
	index := map[string]int{}
	members := map[string][]*RunResult{}
	for i := range runs {
		key, labels := groupKey(runs[i].Labels, paths[i], by)
		if _, ok := index[key]; !ok {
			index[key] = len(groups)
			groups = append(groups, Group{Key: key, Labels: labels})
		}
		g := &groups[index[key]]
		g.Runs = append(g.Runs, runs[i].RunID)
		members[key] = append(members[key], &runs[i])
	}
	samples := make([][]*benchmath.Sample, len(groups))
	for gi := range groups {
		g := &groups[gi]
		for _, def := range metricDefs {
			var vals []float64
			var res int64
			missing := 0
			for _, r := range members[g.Key] {
				v, rs, ok := def.get(r)
				if !ok {
					missing++
					continue
				}
				vals = append(vals, v)
				res = max(res, rs)
			}
			st, sample := summarize(def.MetricInfo, vals)
			st.Missing, st.ResolutionNS = missing, res
			g.Stats = append(g.Stats, st)
			samples[gi] = append(samples[gi], sample)
		}
	}
	var cmps []Comparison
	for gi := 1; gi < len(groups); gi++ {
		for mi, def := range metricDefs {
			a, b := samples[0][mi], samples[gi][mi]
			if len(a.Values) == 0 || len(b.Values) == 0 {
				continue
			}
			cmps = append(cmps, compare(def.MetricInfo, groups[0], groups[gi], mi, a, b))
		}
	}
	return groups, cmps
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

// MinP is the smallest p-value the two-sided Mann-Whitney U test can give
// samples of the comparison's sizes, 2 / C(N1+N2, N1) (the samples fully
// apart, no ties; benchmath's uTestMinP for equal sizes): when it is above
// Alpha no data could make the comparison significant.
func (c *Comparison) MinP() float64 {
	if c.N1 == 0 || c.N2 == 0 {
		return 1
	}
	// C(n1+n2, n1) as a float, multiplied out
	comb := 1.0
	for i := 1; i <= c.N1; i++ {
		comb = comb * float64(c.N2+i) / float64(i)
	}
	return min(1, 2/comb)
}

// CanBeSignificant reports whether samples of the comparison's sizes can
// ever differ significantly at its Alpha.
func (c *Comparison) CanBeSignificant() bool { return c.MinP() <= c.Alpha }

// RunsToCompare is the fewest runs per side with which the comparison's
// test can reach its Alpha (4 at 0.05).
func (c *Comparison) RunsToCompare() int {
	for n := 1; n < 1000; n++ {
		x := Comparison{N1: n, N2: n, Alpha: c.Alpha}
		if x.CanBeSignificant() {
			return n
		}
	}
	return 1000
}
