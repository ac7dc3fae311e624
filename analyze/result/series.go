package result

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// A summary carries the probes of the runs drawn in detail (RunResult.Series,
// made by package analyze), so that their pictures render from the summary
// alone: per stream the probes' states run-length encoded, and their
// latencies, in the run's detail window. Which runs (DetailRuns) and which
// window (DetailWindow) are decided here once, for the analysis that keeps
// the probes and the report that draws them.

// Series is what the per-run pictures show of one run.
type Series struct {
	// From and To bound the window the series covers (DetailWindow).
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// States names the state codes of Spans and Points: code i is
	// States[i].
	States  []State        `json:"states"`
	Streams []StreamSeries `json:"streams"`
}

// StreamSeries is one stream's probes in the window of its run's Series.
type StreamSeries struct {
	// Stream is the stream's name (StreamResult.Stream).
	Stream string `json:"stream"`
	// Spans are the stream's probes in the window, run-length encoded:
	// [start, end, state] with start the intended start of the first probe
	// of consecutive Seqs in one state and end one interval after the last
	// one's intended start, both in nanoseconds since From. A missing Seq
	// starts a new span, so a gap shows.
	Spans [][3]int64 `json:"spans"`
	// Points are the probes with a latency: [intended, latency, state],
	// the intended start in nanoseconds since From, the latency in
	// nanoseconds (a failed probe's latency is how long it took to fail).
	// A run with more than MaxLatencyPoints of them keeps, for each state,
	// connection mode and each of LatencyBins bins of the window, the
	// lowest and the highest (Series are thinned per run).
	Points [][3]int64 `json:"points"`
}

// MaxLatencyPoints bounds the latency points of one run's Series; above
// it each state and connection mode keeps the lowest and highest probe of
// each of LatencyBins time bins, the envelope a picture shows.
const (
	MaxLatencyPoints = 20000
	LatencyBins      = 1500
)

// DetailWindow is the window a run's detail pictures show and its Series
// covers: the outage (from the start of the first non-healthy phase to the
// end of the last) padded by half its length and at least 5 s on each
// side, within the run; the whole run when it had no outage. t0 is the
// outage's start (else the run's start), the zero of the pictures' time
// axis; outage says which.
func (r *RunResult) DetailWindow() (t0, from, to int64, outage bool) {
	start, end := r.Start.UnixNano(), r.End.UnixNano()
	os, oe, found := int64(0), end, false
	for _, p := range r.Phases {
		if !p.State.Outage() {
			continue
		}
		if !found {
			os, found = p.Start.UnixNano(), true
		}
		oe = p.End.UnixNano()
	}
	if !found {
		return start, start, end, false
	}
	pad := max(int64(5*time.Second), (oe-os)/2)
	return os, max(start, os-pad), min(end, oe+pad), true
}

// DetailRun is a run drawn in detail and why.
type DetailRun struct {
	// Run is the run's index in Summary.Runs.
	Run int
	// Why: "median", "worst" (with " of " and the group's key when the
	// runs are picked per group) or "--show".
	Why []string
}

// MaxDetailGroups is the number of groups up to which DetailRuns picks
// the median and worst run of every group; with more, of all runs.
const MaxDetailGroups = 4

// GroupOfRuns is the group of every run of s (an index into s.Groups, -1
// when no group lists it). A run id listed by several groups (the same run
// given under two paths) takes them in turn.
func (s *Summary) GroupOfRuns() []int {
	ids := map[string][]int{}
	for gi := range s.Groups {
		for _, id := range s.Groups[gi].Runs {
			ids[id] = append(ids[id], gi)
		}
	}
	out := make([]int, len(s.Runs))
	for i := range s.Runs {
		out[i] = -1
		if gs := ids[s.Runs[i].RunID]; len(gs) > 0 {
			out[i], ids[s.Runs[i].RunID] = gs[0], gs[1:]
		}
	}
	return out
}

// headline is the value runs are ranked by for "median" and "worst":
// write downtime, else the outage time.
func headline(r *RunResult) float64 {
	if d := r.Metrics.WriteDowntime; d != nil {
		return float64(d.NS)
	}
	return float64(r.Metrics.OutageTime.NS)
}

// DetailRuns picks the runs drawn in detail: the median and the worst run
// by write downtime (else outage time) of every group when there are at
// most maxGroups groups (MaxDetailGroups when 0), else of all runs; and
// the runs named in show (run ids), in that order. unknown are the ids of
// show that name no run.
func (s *Summary) DetailRuns(show []string, maxGroups int) (picks []DetailRun, unknown []string) {
	if maxGroups <= 0 {
		maxGroups = MaxDetailGroups
	}
	at := map[int]int{} // run index -> index in picks
	add := func(run int, why string) {
		j, ok := at[run]
		if !ok {
			j = len(picks)
			at[run] = j
			picks = append(picks, DetailRun{Run: run})
		}
		if !slices.Contains(picks[j].Why, why) {
			picks[j].Why = append(picks[j].Why, why)
		}
	}
	pick := func(runs []int, suffix string) {
		if len(runs) == 0 {
			return
		}
		sort.SliceStable(runs, func(i, j int) bool { return headline(&s.Runs[runs[i]]) < headline(&s.Runs[runs[j]]) })
		add(runs[(len(runs)-1)/2], "median"+suffix)
		if len(runs) > 1 {
			add(runs[len(runs)-1], "worst"+suffix)
		}
	}
	if len(s.Groups) > 1 && len(s.Groups) <= maxGroups {
		of := s.GroupOfRuns()
		for gi := range s.Groups {
			var runs []int
			for i, g := range of {
				if g == gi {
					runs = append(runs, i)
				}
			}
			pick(runs, " of "+s.Groups[gi].Key)
		}
	} else {
		runs := make([]int, len(s.Runs))
		for i := range runs {
			runs[i] = i
		}
		pick(runs, "")
	}
	for _, id := range show {
		found := false
		for i := range s.Runs {
			if s.Runs[i].RunID == id {
				add(i, "--show")
				found = true
			}
		}
		if !found {
			unknown = append(unknown, id)
		}
	}
	return picks, unknown
}

// SeriesState is the state of a code of the series, and false for a code
// outside its table.
func (sr *Series) SeriesState(code int64) (State, bool) {
	if code < 0 || code >= int64(len(sr.States)) {
		return "", false
	}
	return sr.States[code], true
}

// Check reports the first code of the series outside its table of
// states, naming the stream. A name of the table this switchwatch does not
// know (a state added by a newer minor version) is not an error: it is
// read as itself.
func (sr *Series) Check() error {
	for _, ss := range sr.Streams {
		for _, xs := range [][][3]int64{ss.Spans, ss.Points} {
			for _, x := range xs {
				if _, ok := sr.SeriesState(x[2]); !ok {
					return fmt.Errorf("series of stream %s: state code %d outside the table of %d states", ss.Stream, x[2], len(sr.States))
				}
			}
		}
	}
	return nil
}
