package report

import (
	"cmp"
	"math"
	"slices"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/vocab"
)

// interval is [A, B) in nanoseconds since the Unix epoch.
type interval struct{ A, B int64 }

// forever stands for "until the end of time" in an interval's B.
const forever = math.MaxInt64 / 4

// Timeline is when one kind of request (write or read) failed in a run:
// the moments any stream of that kind was in a failing state (see the
// package doc).
type Timeline struct {
	// Start and End bound the time the streams covered.
	Start, End int64
	// Fail is the failing set: sorted, disjoint, non-touching intervals
	// inside [Start, End).
	Fail []interval
	// FailingAtEnd: the run ended failing, so the timeline stays failing
	// after End.
	FailingAtEnd bool
	// Stall is the stalled set: sorted, disjoint intervals in which some
	// stream of the kind stalled (succeeded above its stall threshold), the
	// requests answered but not in time. It may overlap Fail.
	Stall []interval
	// Cost is what one attempt costs in the failing set: sorted, disjoint
	// intervals covering Fail, each with the latency NS of a failed attempt
	// there (the largest median latency of the failing segments over it).
	// Nil: every failed attempt costs nothing.
	Cost []costInterval
}

// costInterval is [A, B) with the latency NS of an attempt in it.
type costInterval struct{ A, B, NS int64 }

// failingState reports whether a probe state fails a request; skipped
// probes carry on the state before them and are handled by the caller.
func failingState(s result.State) bool {
	return s == result.StateReadOnly || s == result.StateUnavailable || s == result.StateError
}

// TimelineOf builds the failing timeline of the streams of one probe kind
// (vocab.KindWrite or vocab.KindRead) of a run. ok is false when the run
// has no such stream.
func TimelineOf(r *result.RunResult, kind string) (tl Timeline, ok bool) {
	var all, stalled []interval
	var costs []costInterval
	tl.Start, tl.End = math.MaxInt64, math.MinInt64
	for i := range r.Streams {
		s := &r.Streams[i]
		if s.Kind != kind || len(s.Segments) == 0 {
			continue
		}
		ok = true
		prev := true // a skipped probe at the very start counts as unavailable
		var prevCost int64
		for _, seg := range s.Segments {
			f := failingState(seg.State)
			c := seg.MedianLatencyNS
			if seg.State == result.StateSkipped {
				f, c = prev, prevCost // skipped probes were not sent
			}
			prev, prevCost = f, c
			a, b := seg.Start.UnixNano(), seg.End.UnixNano()
			tl.Start, tl.End = min(tl.Start, a), max(tl.End, b)
			if f {
				all = append(all, interval{a, b})
				costs = append(costs, costInterval{a, b, c})
			}
			if seg.State == result.StateStalled {
				stalled = append(stalled, interval{a, b})
			}
		}
	}
	if !ok {
		return Timeline{}, false
	}
	tl.Fail = union(all)
	tl.Stall = union(stalled)
	tl.Cost = costUnion(costs)
	if n := len(tl.Fail); n > 0 && tl.Fail[n-1].B >= tl.End {
		tl.FailingAtEnd = true
	}
	return tl, true
}

// union merges intervals into sorted, disjoint, non-touching ones.
func union(iv []interval) []interval {
	slices.SortFunc(iv, func(x, y interval) int {
		if x.A != y.A {
			return cmp.Compare(x.A, y.A)
		}
		return cmp.Compare(x.B, y.B)
	})
	var out []interval
	for _, x := range iv {
		if x.B <= x.A {
			continue
		}
		if n := len(out); n > 0 && x.A <= out[n-1].B {
			out[n-1].B = max(out[n-1].B, x.B)
			continue
		}
		out = append(out, x)
	}
	return out
}

// costUnion merges intervals with costs into sorted, disjoint ones covering
// their union, each with the largest cost of the intervals over it: where
// streams of one kind overlap in failing, a request is taken to pay the
// dearest attempt, as it is taken to fail when any of them fails.
func costUnion(iv []costInterval) []costInterval {
	var cuts []int64
	for _, x := range iv {
		if x.A < x.B {
			cuts = append(cuts, x.A, x.B)
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	if len(cuts) < 2 {
		return nil
	}
	// piece k is [cuts[k], cuts[k+1]); -1: not covered
	best := make([]int64, len(cuts)-1)
	for k := range best {
		best[k] = -1
	}
	for _, x := range iv {
		if x.A >= x.B {
			continue
		}
		k, _ := slices.BinarySearch(cuts, x.A)
		for ; k < len(best) && cuts[k] < x.B; k++ {
			best[k] = max(best[k], x.NS)
		}
	}
	var out []costInterval
	for k, c := range best {
		if c < 0 {
			continue
		}
		a, b := cuts[k], cuts[k+1]
		if n := len(out); n > 0 && out[n-1].B == a && out[n-1].NS == c {
			out[n-1].B = b
			continue
		}
		out = append(out, costInterval{a, b, c})
	}
	return out
}

// intersect returns the intersection of two sorted disjoint interval lists.
func intersect(x, y []interval) []interval {
	var out []interval
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		a, b := max(x[i].A, y[j].A), min(x[i].B, y[j].B)
		if a < b {
			out = append(out, interval{a, b})
		}
		if x[i].B < y[j].B {
			i++
		} else {
			j++
		}
	}
	return out
}

// shift returns the intervals moved by -d: the arrival times t whose
// attempt at t+d falls in x.
func shift(x []interval, d int64) []interval {
	out := make([]interval, len(x))
	for i, v := range x {
		out[i] = interval{v.A - d, v.B}
		if v.B < forever {
			out[i].B = v.B - d
		}
	}
	return out
}

// measure is the total length of the intervals inside [a, b).
func measure(x []interval, a, b int64) int64 {
	var n int64
	for _, v := range x {
		lo, hi := max(v.A, a), min(v.B, b)
		if lo < hi {
			n += hi - lo
		}
	}
	return n
}

// failing is the failing set extended past End when the run ended failing.
func (tl *Timeline) failing() []interval {
	f := slices.Clone(tl.Fail)
	if tl.FailingAtEnd && len(f) > 0 {
		f[len(f)-1].B = forever
	}
	return f
}

// cost is Cost extended past End when the run ended failing; a timeline
// without Cost (built by hand) costs nothing per attempt.
func (tl *Timeline) cost() []costInterval {
	c := slices.Clone(tl.Cost)
	if c == nil {
		for _, f := range tl.Fail {
			c = append(c, costInterval{f.A, f.B, 0})
		}
	}
	if tl.FailingAtEnd && len(c) > 0 {
		c[len(c)-1].B = forever
	}
	return c
}

// Downtime is the length of the failing set inside the run.
func (tl *Timeline) Downtime() int64 { return measure(tl.Fail, tl.Start, tl.End) }

// FailingAt reports whether the timeline is failing at t (ns).
func (tl *Timeline) FailingAt(t int64) bool {
	return inSet(tl.Fail, t) || tl.FailingAtEnd && t >= tl.End
}

// LateAt reports whether a request at t (ns) is not served in time: it
// fails, or it stalls.
func (tl *Timeline) LateAt(t int64) bool { return tl.FailingAt(t) || inSet(tl.Stall, t) }

// StallTime is the length of the stalled set outside the failing set: the
// time requests were answered, but late.
func (tl *Timeline) StallTime() int64 {
	return measure(tl.Stall, tl.Start, tl.End) - measure(intersect(tl.Stall, tl.failing()), tl.Start, tl.End)
}

// inSet reports whether t lies in one of the sorted disjoint intervals x.
func inSet(x []interval, t int64) bool {
	i, _ := slices.BinarySearchFunc(x, t, func(v interval, t int64) int {
		if v.B <= t {
			return -1
		}
		if v.A > t {
			return 1
		}
		return 0
	})
	return i < len(x) && x[i].A <= t && t < x[i].B
}

// kindOfRequests names the request kinds the report replays.
var kindOfRequests = []string{vocab.KindWrite, vocab.KindRead}
