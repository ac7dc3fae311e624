package result

// ProfileResult is one client profile of a run, analyzed on its own
// streams: its phases and metrics as if it had been recorded alone. The
// lost-write check is the run's, not a profile's: LostWrites is nil here.
type ProfileResult struct {
	Name    string  `json:"name"`
	Conn    string  `json:"conn"` // its connection mode
	Phases  []Phase `json:"phases"`
	Metrics Metrics `json:"metrics"`
}

// ProfileSummary compares the client profiles across the runs that have
// them: every other profile against the baseline, pairing the two
// profiles' values within each run.
type ProfileSummary struct {
	// Baseline is the profile the others are compared with: the first
	// profile of the first run that has profiles, or Options.Baseline.
	Baseline string `json:"baseline"`
	// Profiles lists every profile, the baseline first.
	Profiles    []string            `json:"profiles"`
	Comparisons []ProfileComparison `json:"comparisons"`
	// Best says, per metric, which profile had the lowest value: the one
	// whose median difference from the baseline is the most negative, or
	// the baseline itself when none is below it by at least the
	// difference's resolution (one probe interval for a duration).
	Best []ProfileBest `json:"best"`
}

// ProfileComparison is one metric of one profile against the baseline
// profile, paired by run.
type ProfileComparison struct {
	Metric   string        `json:"metric"`
	Unit     string        `json:"unit"`
	Baseline string        `json:"baseline"`
	Profile  string        `json:"profile"`
	Pairs    []ProfilePair `json:"pairs"`
	// MedianDelta is the median of the per-run differences (profile −
	// baseline); negative: the profile had less of the metric.
	MedianDelta float64 `json:"median_delta"`
	// Test names the paired test; N is the number of pairs it used (those
	// with a difference: a tie says nothing about the direction); P is its
	// two-sided p-value, Significant P <= Alpha.
	Test        string   `json:"test"`
	N           int      `json:"n"`
	P           float64  `json:"p"`
	Alpha       float64  `json:"alpha"`
	Significant bool     `json:"significant"`
	Warnings    []string `json:"warnings,omitempty"`
}

// ProfilePair is one run's value of a metric for the baseline and the
// profile, and their difference.
type ProfilePair struct {
	RunID    string  `json:"run_id"`
	Baseline float64 `json:"baseline"`
	Value    float64 `json:"value"`
	Delta    float64 `json:"delta"`
	// Resolution is what the difference is known to (a duration's probe
	// interval; 0 for counts): a smaller difference is a tie for the test.
	Resolution float64 `json:"resolution,omitempty"`
}

// ProfileBest is the best profile for one metric.
type ProfileBest struct {
	Metric  string `json:"metric"`
	Unit    string `json:"unit"`
	Profile string `json:"profile"`
	// Delta is the profile's median difference from the baseline (0 for
	// the baseline itself); Significant, N and P are its comparison's.
	Delta       float64 `json:"delta"`
	Significant bool    `json:"significant"`
	N           int     `json:"n"`
	P           float64 `json:"p"`
}

// PairedTest is the name of the paired test of profile comparisons.
const PairedTest = "exact sign test (two-sided)"

// BestMetrics are the metrics of the "which client settings minimise
// downtime" table, in its order.
var BestMetrics = []string{
	"write_downtime", "longest_write_outage", "read_downtime", "read_only_time", "unavailable_time",
	"write_disruption_time", "outage_time", "failed_probes", "event_to_recovery",
}

// runProfiles splits a run's streams by profile when it has a profile
// beyond the built-in ones, in the order run.json lists them (else in the
// order the streams were read); nil otherwise.
