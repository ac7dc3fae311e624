package result

// RecorderHealth is how well a run's recorder kept its schedule, and
// whether its own steady state was degraded. Degraded says the run's
// numbers measure the recorder (or a degraded steady state) as much as
// the switchover: Reasons say why.
type RecorderHealth struct {
	// Slots counts the run's probe rows, SkippedSlots those the recorder
	// skipped (outcome skipped: the in-flight limit was hit); SkippedShare
	// is their ratio.
	Slots        int64   `json:"slots"`
	SkippedSlots int64   `json:"skipped_slots"`
	SkippedShare float64 `json:"skipped_share"`
	// ScheduleLag is start − intended of the probes that started: how late
	// the recorder started them (median and 99th percentile, ns; 0 when no
	// probe has a start).
	ScheduleLagP50NS int64 `json:"schedule_lag_p50_ns"`
	ScheduleLagP99NS int64 `json:"schedule_lag_p99_ns"`
	// SteadyMedianNS is the largest steady median latency of the run's
	// streams (SteadyStream's), from which the derived thresholds come.
	SteadyMedianNS int64    `json:"steady_median_ns"`
	SteadyStream   string   `json:"steady_stream,omitempty"`
	Degraded       bool     `json:"degraded"`
	Reasons        []string `json:"reasons,omitempty"`
}
