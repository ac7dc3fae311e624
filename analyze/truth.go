package analyze

import (
	"slices"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// boundaryErrors relates every edge of every event of a run (its Time and,
// for a step that takes time, its End) to the nearest phase boundary the
// analyzer detected, and says whether it lies within the resolution (one
// probe interval).
//
// Timing by intended start makes this possible even for timeouts: the first
// probe meant to start after a no-answer window begins is the first to hang,
// so a boundary lies within [event, event + interval).
func boundaryErrors(run *RunResult, events []store.Event) []BoundaryError {
	var bounds []time.Time
	for i, ph := range run.Phases {
		if i > 0 {
			bounds = append(bounds, ph.Start)
		}
		if i+1 < len(run.Phases) && !run.Phases[i+1].Start.Equal(ph.End) {
			bounds = append(bounds, ph.End)
		}
	}
	slices.SortFunc(bounds, func(a, b time.Time) int { return a.Compare(b) })
	var out []BoundaryError
	edge := func(name, which string, t time.Time) {
		be := BoundaryError{RunID: run.RunID, Event: name, Edge: which, EventTime: t, ResolutionNS: run.IntervalNS}
		best := time.Duration(-1)
		for _, b := range bounds {
			d := b.Sub(t)
			if d < 0 {
				d = -d
			}
			if best < 0 || d < best {
				best = d
				be.Boundary = b
				be.ErrorNS = int64(b.Sub(t))
			}
		}
		be.Within = best >= 0 && int64(best) <= run.IntervalNS
		out = append(out, be)
	}
	for _, e := range events {
		edge(e.Name, "start", e.Time)
		if e.End != nil {
			edge(e.Name, "end", *e.End)
		}
	}
	return out
}
