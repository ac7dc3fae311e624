package analyze

import (
	"sort"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// HdrHistogram ranges: latencies are recorded in nanoseconds, the unit the
// HdrHistogram tools (HistogramLogAnalyzer, the plotter, wrk2) assume when
// they show milliseconds, from 1 µs to an hour, to 3 significant digits.
const (
	hdrLowest  = int64(time.Microsecond)
	hdrHighest = int64(time.Hour)
	hdrDigits  = 3
)

// phaseLatencies puts the latency of every successful probe of each
// stream into the histogram of the phase its intended start lies in (a
// probe is placed at its intended start everywhere in the analysis). A
// phase without one keeps an empty histogram, so that every phase of
// every stream is in the log (blackbox_exporter's habit: a missing phase
// never looks like a zero).
func phaseLatencies(streams []*stream, phases []Phase) []StreamLatency {
	if len(phases) == 0 {
		return nil
	}
	starts := make([]int64, len(phases))
	for i, p := range phases {
		starts[i] = p.Start.UnixNano()
	}
	out := make([]StreamLatency, 0, len(streams))
	for _, s := range streams {
		sl := StreamLatency{Stream: s.name, Phases: make([]PhaseLatency, len(phases))}
		for i, p := range phases {
			sl.Phases[i] = PhaseLatency{Phase: p.Index, State: p.State, Start: p.Start, End: p.End,
				Hist: hdrhistogram.New(hdrLowest, hdrHighest, hdrDigits)}
		}
		for i := range s.rows {
			x := &s.rows[i]
			if x.outcome != outOK {
				continue
			}
			pi := sort.Search(len(starts), func(k int) bool { return starts[k] > x.intended }) - 1
			pi = max(0, min(pi, len(phases)-1))
			v := max(x.latency, hdrLowest)
			if v > hdrHighest {
				v = hdrHighest
				sl.Clamped++
			}
			_ = sl.Phases[pi].Hist.RecordValue(v) // within range: cannot fail
		}
		out = append(out, sl)
	}
	return out
}
