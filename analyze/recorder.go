package analyze

import (
	"fmt"
	"time"
)

// A recorder that fell behind its schedule measured itself, not the
// database: on a loaded machine at a 1 ms interval, 36 % of slots were
// skipped and the median read took 1.15 s, and a run judged by its own
// steady state read healthy. These bounds say when a run's recording is
// degraded (documented in the package doc, "Degraded recordings").
const (
	// maxSkippedShare: skipped slots (the in-flight limit was hit) above
	// this share of all slots.
	maxSkippedShare = 0.01
	// A median schedule lag (start − intended) above half an interval:
	// most probes started late, so the grid is not the one asked for.
	// A 99th percentile above maxLagP99 (and above one interval): the
	// recorder stopped for that long now and then.
	maxLagP99 = int64(100 * time.Millisecond)
)

// recorderHealth measures a run's RecorderHealth from its rows and the
// steady state its thresholds came from (setThresholds).
func recorderHealth(streams []*stream, iv int64, th runThreshold) *RecorderHealth {
	h := &RecorderHealth{SteadyMedianNS: th.steadyNS, SteadyStream: th.stream}
	var lag hist
	for _, s := range streams {
		for i := range s.rows {
			x := &s.rows[i]
			h.Slots++
			if x.outcome == outSkipped {
				h.SkippedSlots++
				continue
			}
			if x.start != 0 {
				lag.add(max(x.start-x.intended, 0))
			}
		}
	}
	if h.Slots > 0 {
		h.SkippedShare = float64(h.SkippedSlots) / float64(h.Slots)
	}
	if lag.n > 0 {
		h.ScheduleLagP50NS, h.ScheduleLagP99NS = lag.quantile(0.5), lag.quantile(0.99)
	}
	if h.SkippedShare > maxSkippedShare {
		h.Reasons = append(h.Reasons, fmt.Sprintf("%.1f%% of slots skipped (%d of %d: the in-flight limit was hit)", 100*h.SkippedShare, h.SkippedSlots, h.Slots))
	}
	if h.ScheduleLagP50NS > iv/2 {
		h.Reasons = append(h.Reasons, fmt.Sprintf("probes started a median %v late (more than half the %v interval)", sig3(h.ScheduleLagP50NS), time.Duration(iv)))
	}
	if h.ScheduleLagP99NS > max(maxLagP99, iv) {
		h.Reasons = append(h.Reasons, fmt.Sprintf("1%% of probes started over %v late (more than %v)", sig3(h.ScheduleLagP99NS), time.Duration(max(maxLagP99, iv))))
	}
	// A steady state slow enough to cap the thresholds (a median above
	// 100 ms) is a distant vantage or a slow path as often as a starved
	// recorder, and is judged by the ceilings; only one whose ordinary
	// probes are themselves slow (a median above the slow ceiling) cannot
	// tell healthy from slow.
	if th.capped() && th.steadyNS > slowCeiling {
		h.Reasons = append(h.Reasons, fmt.Sprintf("the steady state is itself slow: %s's median latency %v before any failure (the derived thresholds are cut to %v slow, %v stalled)",
			th.stream, sig3(th.steadyNS), time.Duration(slowCeiling), time.Duration(stallCeiling)))
	}
	h.Degraded = len(h.Reasons) > 0
	return h
}

// warning is the run's warning for a degraded recording; none otherwise.
func recorderWarning(h *RecorderHealth) []string {
	if h == nil || !h.Degraded {
		return nil
	}
	w := "RECORDER DEGRADED: "
	for i, r := range h.Reasons {
		if i > 0 {
			w += "; "
		}
		w += r
	}
	return []string{w + ": the run measured its recorder as much as the database, do not trust its healthy time"}
}

// sig3 is ns as a duration to three significant digits (histogram
// quantiles carry more digits than they are worth).
func sig3(ns int64) time.Duration {
	d, u := time.Duration(ns), time.Duration(1)
	for d/u >= 1000 {
		u *= 10
	}
	return d.Round(u)
}
