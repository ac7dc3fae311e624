package analyze

import (
	"slices"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// Lull bounds of closed-loop traffic (see the package doc, "Missing data
// and lulls"): a gap between two requests of one stream longer than
// lullFactor times the stream's 90th percentile gap, bounded by
// [lullMin, lullMax], is no traffic.
const (
	lullFactor = 10
	lullMin    = int64(time.Second)
	lullMax    = int64(2 * MaxEdgeUncertainty)
)

// maxUnplaceable bounds RunResult.UnplaceableEdges.
const maxUnplaceable = 50

// gridless reports whether a run's rows are closed-loop traffic rather
// than the recorder's grid: run.json's settings.schedule says so, as the
// importers write it ("irregular": traces and request logs;
// "closed_loop": pgbench without --rate). pgbench's "poisson" and
// "intervals" schedules are open-loop: their missing slots are inferred
// as failures by the importer, not lulls.
func gridless(info *store.RunInfo) bool {
	if info == nil {
		return false
	}
	v, _ := info.Settings["schedule"].(string)
	return v == "irregular" || v == "closed_loop"
}

// setLull measures a closed-loop stream's gaps between requests: its
// median gap (typGap) and its lull bound (lullNS). The 90th percentile,
// not the median, is the typical gap: application traffic comes in bursts
// with think time between them, the median is the gap inside a burst, and
// a multiple of it would call every pause between bursts a lull; the 90th
// percentile includes those pauses as long as one gap in ten is one. Ten
// times it leaves a Poisson stream a chance of e^-23 per gap of a false
// lull. At least a second (a shorter gap is placed to ± half a second
// anyway, and a lull that short protects nothing); at most 10 s (a change
// across a longer gap cannot be placed within MaxEdgeUncertainty, and
// calling such a stretch healthy would be a guess).
func (s *stream) setLull() {
	s.lullNS = lullMin
	s.busyUntil = make([]int64, len(s.rows))
	var busy int64
	for i := range s.rows {
		busy = max(busy, s.rows[i].intended+max(0, inFlight(&s.rows[i])))
		s.busyUntil[i] = busy
	}
	if len(s.rows) < 2 {
		return
	}
	gaps := make([]int64, 0, len(s.rows)-1)
	for i := 1; i < len(s.rows); i++ {
		gaps = append(gaps, s.rows[i].intended-s.rows[i-1].intended)
	}
	slices.Sort(gaps)
	s.typGap = gaps[len(gaps)/2]
	p90 := gaps[min(len(gaps)-1, len(gaps)*9/10)]
	s.lullNS = min(lullMax, max(lullMin, lullFactor*p90))
}

// hole reports whether the stream has a hole before row j: on the grid,
// missing slots (a jump of Seq); without one, a gap longer than the lull
// bound between requests of the same severity, or one too long to place
// a change in (more than twice MaxEdgeUncertainty). A gap between two
// states no longer than that is an edge at its midpoint, ± half the gap.
func (s *stream) hole(j int) bool {
	if j <= 0 || j >= len(s.rows) {
		return false
	}
	if !s.gridless {
		return s.rows[j].seq-s.rows[j-1].seq > 1
	}
	// A request in flight is traffic: clients that wait on a timeout send
	// nothing new (closed loop), so the quiet stretch begins when the last
	// request so far was answered, not when it was sent. Without that, the
	// 2 s connect timeouts of the lab's application in a blackhole read as
	// no traffic inside the outage, and cut it in two.
	same := severity[s.states[j-1]] == severity[s.states[j]]
	if !same && s.rows[j].intended-s.rows[j-1].intended > lullMax {
		return true // a change that cannot be placed within MaxEdgeUncertainty
	}
	quiet := s.rows[j].intended - max(s.rows[j-1].intended, s.busyUntil[j-1])
	return same && quiet > s.lullNS
}

// holeBounds is the stretch of the hole before row j. On the grid each
// row stands for its slot, half an interval either side of its intended
// start, and the hole is the missing slots. Without a grid a request
// stands for half the stream's typical gap either side (at most a quarter
// of the gap), and the rest is the lull.
func (s *stream) holeBounds(j int) (start, end int64) {
	a, b := s.rows[j-1].intended, s.rows[j].intended
	h := s.interval / 2
	if s.gridless {
		h = min(s.typGap/2, (b-a)/4)
		start, end = max(a+h, s.busyUntil[j-1]), b-h
		return start, max(start, end)
	}
	start, end = a+h, b-h
	return start, max(start, end)
}

// holeSpan is the span of the hole before row j; it counts its time and,
// without a grid, notes the change it hides when the states either side
// differ.
func (s *stream) holeSpan(j int) span {
	start, end := s.holeBounds(j)
	sp := span{start: start, end: end, sev: sevNoData, cause: -1}
	if !s.gridless {
		s.noDataNS += end - start
		return sp
	}
	sp.sev = sevNoTraffic
	sp.startRes, sp.endRes = s.edgeRes(j), s.edgeRes(j)
	s.noTrafficNS += end - start
	if p, q := s.states[j-1], s.states[j]; severity[p] != severity[q] {
		s.unplaceableCount++
		if len(s.unplaceable) < maxUnplaceable {
			a, b := s.rows[j-1].intended, s.rows[j].intended
			s.unplaceable = append(s.unplaceable, UnplaceableEdge{Stream: s.name, From: States[p], To: States[q],
				After: time.Unix(0, a).UTC(), Before: time.Unix(0, b).UTC(), GapNS: b - a})
		}
	}
	return sp
}

// startEdge is where the segment starting at row i starts: after the hole
// before it, else at the edge.
func (s *stream) startEdge(i int) int64 {
	if s.hole(i) {
		_, end := s.holeBounds(i)
		return end
	}
	return s.edge(i)
}

// endEdge is where the segment ending before row j ends: where the hole
// before row j starts, else at the edge.
func (s *stream) endEdge(j int) int64 {
	if s.hole(j) {
		start, _ := s.holeBounds(j)
		return start
	}
	return s.edge(j)
}

// edgeRes is the ± of the edge before row j without a grid: half the gap
// between the requests either side of it, or, at a hole, the stretch a
// request stands for; 0 at the stream's own ends and on the grid (whose
// resolution is the interval). Beside an unplaceable change it is the
// whole gap: the change may lie anywhere in it.
func (s *stream) edgeRes(j int) int64 {
	if !s.gridless || j <= 0 || j >= len(s.rows) {
		return 0
	}
	g := s.rows[j].intended - s.rows[j-1].intended
	if !s.hole(j) {
		return g / 2
	}
	if severity[s.states[j-1]] != severity[s.states[j]] {
		return g
	}
	start, _ := s.holeBounds(j)
	return start - s.rows[j-1].intended
}
