package analyze

import (
	"slices"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

type boundary struct {
	t       time.Time
	stream  string
	latency int64 // of the first probe after it
	half    int64 // half the gap between the probes either side of it
	worse   bool  // into a more severe state (else a less severe one)
}

// boundaries lists the moments the run's phases changed and the moments a
// stream moved between healthy, stalled, read-only, unavailable and error
// (ok and slow are both healthy; skipped carries on the state before it).
func boundaries(run *RunResult) []boundary {
	var bs []boundary
	half := run.IntervalNS / 2
	phaseSev := func(ph Phase) int { return slices.Index(PhaseStates, ph.State) }
	for i, ph := range run.Phases {
		// a change into or out of time without data or traffic is no
		// change clients saw: the data cannot place one there
		if i > 0 && !slices.Contains(UnknownPhaseStates, ph.State) && !slices.Contains(UnknownPhaseStates, run.Phases[i-1].State) {
			h := half
			if run.ClosedLoop {
				h = ph.StartResolutionNS // each edge its own: half the gap around it
			}
			bs = append(bs, boundary{t: ph.Start, half: h, worse: phaseSev(ph) > phaseSev(run.Phases[i-1])})
		}
		if i+1 < len(run.Phases) && !run.Phases[i+1].Start.Equal(ph.End) {
			// a gap without phases after it: the phase ends, nothing worse follows
			bs = append(bs, boundary{t: ph.End, half: half})
		}
	}
	for _, st := range run.Streams {
		prev := -1
		for k, seg := range st.Segments {
			sev := -1
			switch seg.State {
			case StateOK, StateSlow:
				sev = int(sevHealthy)
			case StateStalled:
				sev = int(sevStalled)
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
				h := half
				switch {
				case run.ClosedLoop:
					h = seg.StartResolutionNS
				case k > 0:
					h = max(1, seg.FirstSeq-st.Segments[k-1].LastSeq) * run.IntervalNS / 2
				}
				bs = append(bs, boundary{t: seg.Start, stream: st.Stream, latency: seg.FirstLatencyNS, half: h, worse: sev > prev})
			}
			prev = sev
		}
	}
	slices.SortStableFunc(bs, func(a, b boundary) int { return a.t.Compare(b.t) })
	return bs
}

// boundaryErrors relates every edge of every event of a run (its Time and,
// for a step that takes time, its End) to the detected boundary that best
// explains it, and says whether the event lies where the probes place the
// change.
//
// A boundary B lies midway between the last probe of the old state and the
// first of the new (stream.edge): the change that it shows happened after
// the last probe before it started and before the first probe after it
// ended, between B - half their gap and B + half their gap + that probe's
// latency. Timing by intended start makes the first of these bounds right
// even for timeouts: the first probe meant to start after a no-answer
// window begins is the first to hang. The second is B + half the gap too
// when probes are fast; a probe that was still connecting when the change
// came, or that took seconds on a loaded machine, sees the change although
// it was meant to start before it. ErrorNS is B minus the event: its mean
// over many edges is near zero, as the midpoint is unbiased.
//
// Between a success and a failure the server answered, B lies midway
// between their answers instead (stream.edge), and the later answer comes
// up to that probe's latency after its start (a new connection's success
// is observed only after its login): B can then lie up to half the gap
// plus half that latency after the change, so the window's first bound
// is B - half - latency/2. On lab Patroni runs (new connections, logins
// of 50-60 ms) the promotion's end lay 112-124 ms before B at a 200 ms
// interval, outside B - half alone.
//
// An edge that fails clients (event.Fails) is matched only with a boundary
// into a worse state, one that recovers them only with a boundary into a
// better state: a resume that clients did not see must not be "found" at
// the start of the outage it was meant to end, whose first probe hung
// long enough for its window to reach it. When a run has no boundary of
// the edge's direction, the nearest of either is shown, not within.
func boundaryErrors(run *RunResult, events []store.Event) []BoundaryError {
	bounds := boundaries(run)
	var out []BoundaryError
	edge := func(name, which string, t time.Time) {
		effect := event.EdgeEffect(name, which)
		be := BoundaryError{RunID: run.RunID, Event: name, Edge: which, EventTime: t, ResolutionNS: run.IntervalNS,
			Expected: effect != "", Effect: effect}
		directed := effect == event.Fails || effect == event.Recovers
		fits := func(b boundary) bool {
			return !directed || b.worse == (effect == event.Fails)
		}
		if !slices.ContainsFunc(bounds, fits) {
			fits = func(boundary) bool { return true }
		}
		// the boundary whose window [B - half - latency/2, B + half +
		// latency] holds the event, the nearest such; else the one whose
		// window is nearest
		found, bestWorse := false, false
		var bestOut, bestAbs int64
		for _, b := range bounds {
			if !fits(b) {
				continue
			}
			e := int64(b.t.Sub(t)) // boundary - event
			var outside int64
			switch {
			case e > b.half+b.latency/2:
				outside = e - b.half - b.latency/2
			case e < -b.half-b.latency:
				outside = -b.half - b.latency - e
			}
			abs := max(e, -e)
			if !found || outside < bestOut || outside == bestOut && abs < bestAbs {
				found, bestOut, bestAbs, bestWorse = true, outside, abs, b.worse
				be.Boundary, be.Stream, be.LatencyNS, be.ErrorNS, be.HalfGapNS = b.t, b.stream, b.latency, e, b.half
			}
		}
		be.Within = found && bestOut == 0 && (!directed || bestWorse == (effect == event.Fails))
		out = append(out, be)
	}
	events = slices.Clone(events)
	slices.SortStableFunc(events, func(a, b store.Event) int { return a.Time.Compare(b.Time) })
	for _, e := range events {
		edge(e.Name, event.EdgeStart, e.Time)
		if e.End != nil {
			edge(e.Name, event.EdgeEnd, *e.End)
		}
	}
	tooShort(out, time.Duration(run.IntervalNS))
	return out
}

// tooShort clears Expected, and sets TooShort, on every expected edge of a
// run when there are several and all lie within one probe interval of each
// other (a PgBouncer PAUSE, promotion and RESUME in 40 ms): a disruption
// that short may fall between two probes, and clients that saw it saw at
// most a slower answer, so no boundary is expected. A lone edge (a server
// turned read-only) is a lasting change and stays expected.
func tooShort(bs []BoundaryError, interval time.Duration) {
	var first, last time.Time
	n := 0
	for _, b := range bs {
		if !b.Expected {
			continue
		}
		if n == 0 || b.EventTime.Before(first) {
			first = b.EventTime
		}
		if n == 0 || b.EventTime.After(last) {
			last = b.EventTime
		}
		n++
	}
	if n < 2 || last.Sub(first) >= interval {
		return
	}
	for i := range bs {
		if bs[i].Expected {
			bs[i].Expected, bs[i].TooShort = false, true
		}
	}
}
