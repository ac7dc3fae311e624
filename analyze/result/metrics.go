package result

import (
	"github.com/switchwatch/switchwatch/internal/vocab"
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

// MetricDef is one metric of the group statistics and how to get it from a
// run: the value, its resolution and whether the run has it.
type MetricDef struct {
	MetricInfo
	Get func(*RunResult) (v float64, res int64, ok bool)
}

func durMetric(name, desc string, f func(*Metrics) *Duration) MetricDef {
	return MetricDef{MetricInfo{name, UnitNS, desc}, func(r *RunResult) (float64, int64, bool) {
		d := f(&r.Metrics)
		if d == nil || d.Unknown {
			return 0, 0, false
		}
		return float64(d.NS), d.ResolutionNS, true
	}}
}

func countMetric(name, desc string, f func(*Metrics) (int64, bool)) MetricDef {
	return MetricDef{MetricInfo{name, UnitCount, desc}, func(r *RunResult) (float64, int64, bool) {
		v, ok := f(&r.Metrics)
		_, unknown := r.Metrics.UnknownWhy(name)
		return float64(v), 0, ok && !unknown
	}}
}

// MetricDefs lists the metrics grouped across runs, in report order.
var MetricDefs = []MetricDef{
	durMetric("write_downtime", "time during which at least one write stream failed", func(m *Metrics) *Duration { return m.WriteDowntime }),
	durMetric("longest_write_outage", "longest single window of write downtime", func(m *Metrics) *Duration { return m.LongestWriteOutage }),
	durMetric("read_downtime", "time during which at least one read stream failed", func(m *Metrics) *Duration { return m.ReadDowntime }),
	durMetric("read_only_time", "time the run was read-only: writes failed with read_only while nothing was worse", func(m *Metrics) *Duration { return &m.ReadOnlyTime }),
	durMetric("unavailable_time", "time some stream could not reach a usable server", func(m *Metrics) *Duration { return &m.UnavailableTime }),
	durMetric("write_stall_time", "time during which at least one write stream stalled (succeeded above the stall threshold) and none failed", disruptionDur(vocab.KindWrite, func(d *Disruption) Duration { return d.StallTime })),
	durMetric("write_disruption_time", "from the first to the last moment a write stream failed or stalled", disruptionDur(vocab.KindWrite, func(d *Disruption) Duration { return d.DisruptionTime })),
	durMetric("write_disruption_max_latency", "largest write latency inside the write disruption (failed writes at the latency they took)", disruptionLatency(vocab.KindWrite, func(d *Disruption) int64 { return d.MaxLatencyNS })),
	durMetric("write_disruption_p99_latency", "99th percentile write latency inside the write disruption", disruptionLatency(vocab.KindWrite, func(d *Disruption) int64 { return d.P99LatencyNS })),
	durMetric("read_stall_time", "time during which at least one read stream stalled and none failed", disruptionDur(vocab.KindRead, func(d *Disruption) Duration { return d.StallTime })),
	durMetric("read_disruption_time", "from the first to the last moment a read stream failed or stalled", disruptionDur(vocab.KindRead, func(d *Disruption) Duration { return d.DisruptionTime })),
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
	for _, d := range MetricDefs {
		if d.Name == name {
			return d.Get(r)
		}
	}
	return 0, 0, false
}

// MetricNamed is the description of the metric named name.
func MetricNamed(name string) (MetricInfo, bool) {
	for _, d := range MetricDefs {
		if d.Name == name {
			return d.MetricInfo, true
		}
	}
	return MetricInfo{}, false
}

// MetricNames lists the metrics of the group statistics, in report order.
func MetricNames() []string {
	out := make([]string, len(MetricDefs))
	for i, d := range MetricDefs {
		out[i] = d.Name
	}
	return out
}

// MetricInfos describes every metric of MetricDefs.
func MetricInfos() []MetricInfo {
	out := make([]MetricInfo, len(MetricDefs))
	for i, d := range MetricDefs {
		out[i] = d.MetricInfo
	}
	return out
}

// disruptionOf returns the Disruption of a kind, nil when the run has no
// streams of it.
func (m *Metrics) disruptionOf(kind string) *Disruption {
	d, ok := m.Disruption[kind]
	if !ok {
		return nil
	}
	return &d
}

// disruptionDur picks a time of a kind's Disruption for the statistics:
// nil (missing) when the run has no streams of the kind.
func disruptionDur(kind string, f func(*Disruption) Duration) func(*Metrics) *Duration {
	return func(m *Metrics) *Duration {
		d := m.disruptionOf(kind)
		if d == nil {
			return nil
		}
		v := f(d)
		return &v
	}
}

// disruptionLatency picks a latency of a kind's Disruption: nil when the
// kind was never disrupted (no latency inside a disruption to speak of).
func disruptionLatency(kind string, f func(*Disruption) int64) func(*Metrics) *Duration {
	return func(m *Metrics) *Duration {
		d := m.disruptionOf(kind)
		if d == nil || d.Probes == 0 {
			return nil
		}
		return &Duration{NS: f(d)}
	}
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
