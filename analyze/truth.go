package analyze

import (
	"slices"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// expectedEdges lists, by event name, the edges of events that change what
// clients see, so a detected boundary must lie near them: the lab's steps
// (see package lab) and the synthetic generator's fault_* events.
var expectedEdges = map[string][]string{
	"endpoint_blackhole": {"start", "end"},
	"endpoint_refuse":    {"start", "end"},
	"blue_read_only":     {"start"},
	"blue_killed":        {"start"},
	"blue_restart":       {"start", "end"},
	"green_promoted":     {"end"},
}

func expectedEdge(name, edge string) bool {
	if strings.HasPrefix(name, "fault_") {
		return true
	}
	return slices.Contains(expectedEdges[name], edge)
}

type boundary struct {
	t      time.Time
	stream string
}

// boundaries lists the moments the run's phases changed and the moments a
// stream moved between healthy, read-only, unavailable and error (ok and
// slow are both healthy; skipped carries on the state before it).
func boundaries(run *RunResult) []boundary {
	var bs []boundary
	for i, ph := range run.Phases {
		if i > 0 {
			bs = append(bs, boundary{t: ph.Start})
		}
		if i+1 < len(run.Phases) && !run.Phases[i+1].Start.Equal(ph.End) {
			bs = append(bs, boundary{t: ph.End})
		}
	}
	for _, st := range run.Streams {
		prev := -1
		for _, seg := range st.Segments {
			sev := -1
			switch seg.State {
			case StateOK, StateSlow:
				sev = int(sevHealthy)
			case StateReadOnly:
				sev = int(sevReadOnly)
			case StateError:
				sev = int(sevError)
			case StateUnavailable:
				sev = int(sevUnavailable)
			}
			if sev < 0 {
				continue
			}
			if prev >= 0 && sev != prev {
				bs = append(bs, boundary{t: seg.Start, stream: st.Stream})
			}
			prev = sev
		}
	}
	slices.SortStableFunc(bs, func(a, b boundary) int { return a.t.Compare(b.t) })
	return bs
}

// boundaryErrors relates every edge of every event of a run (its Time and,
// for a step that takes time, its End) to the nearest detected boundary,
// and says whether it lies within the resolution (one probe interval).
//
// Timing by intended start makes this possible even for timeouts: the first
// probe meant to start after a no-answer window begins is the first to hang,
// so a boundary lies within [event, event + interval). A probe that takes
// long to reach the server can see the change although it was meant to
// start before it, which moves a boundary earlier by up to its latency.
func boundaryErrors(run *RunResult, events []store.Event) []BoundaryError {
	bounds := boundaries(run)
	var out []BoundaryError
	edge := func(name, which string, t time.Time) {
		be := BoundaryError{RunID: run.RunID, Event: name, Edge: which, EventTime: t, ResolutionNS: run.IntervalNS,
			Expected: expectedEdge(name, which)}
		best := time.Duration(-1)
		for _, b := range bounds {
			d := b.t.Sub(t)
			if d < 0 {
				d = -d
			}
			if best < 0 || d < best {
				best = d
				be.Boundary, be.Stream = b.t, b.stream
				be.ErrorNS = int64(b.t.Sub(t))
			}
		}
		be.Within = best >= 0 && int64(best) <= run.IntervalNS
		out = append(out, be)
	}
	events = slices.Clone(events)
	slices.SortStableFunc(events, func(a, b store.Event) int { return a.Time.Compare(b.Time) })
	for _, e := range events {
		edge(e.Name, "start", e.Time)
		if e.End != nil {
			edge(e.Name, "end", *e.End)
		}
	}
	return out
}
