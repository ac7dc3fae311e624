package analyze

import (
	"slices"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// The probes of a run drawn in detail, as the summary carries them
// (RunResult.Series): the report draws its per-run pictures from them, so
// a summary alone can be rendered again once the run folders are gone.
//
// A series covers the run's detail window (DetailWindow) only. Per stream
// it holds the probes' states run-length encoded, and the latency of each
// probe that has one. States are written as codes into the series' own
// table of state names (Series.States, analyze's States when written), so
// that a reader maps codes by name and a state added later reads as
// itself.

// makeSeries is the Series of an analyzed run: its streams' probes in its
// detail window.
func makeSeries(res *RunResult, streams []*stream) *Series {
	_, from, to, _ := res.DetailWindow()
	sr := &Series{From: time.Unix(0, from).UTC(), To: time.Unix(0, to).UTC(), States: slices.Clone(States)}
	var pooled []bool // per point: its stream is pooled
	for si, s := range streams {
		ss := StreamSeries{Stream: s.name, Spans: [][3]int64{}, Points: [][3]int64{}}
		var cur *[3]int64
		var lastSeq int64
		for i := range s.rows {
			x := &s.rows[i]
			if x.intended < from || x.intended >= to {
				continue
			}
			st := int64(s.states[i])
			a, b := x.intended-from, x.intended+s.interval-from
			if cur != nil && x.seq == lastSeq+1 && cur[2] == st && a <= cur[1] {
				cur[1] = b
			} else {
				ss.Spans = append(ss.Spans, [3]int64{a, b, st})
				cur = &ss.Spans[len(ss.Spans)-1]
			}
			lastSeq = x.seq
			if x.outcome != outSkipped && x.latency > 0 {
				ss.Points = append(ss.Points, [3]int64{a, x.latency, st})
				pooled = append(pooled, streams[si].conn == store.ConnPooled)
			}
		}
		sr.Streams = append(sr.Streams, ss)
	}
	if len(pooled) > MaxLatencyPoints {
		thinSeries(sr, pooled, to-from)
	}
	return sr
}

// thin keeps, for every state, connection mode and each of LatencyBins
// time bins, the points with the lowest and the highest latency (see
// StreamSeries.Points); pooled says each point's connection mode, in
// stream order.
func thinSeries(sr *Series, pooled []bool, width int64) {
	type key struct {
		state  int64
		pooled bool
		bin    int64
	}
	type pick struct{ lo, hi [2]int } // stream, point
	picks := map[key]*pick{}
	var order []key
	n := 0
	for si := range sr.Streams {
		for pi, p := range sr.Streams[si].Points {
			k := key{p[2], pooled[n], p[0] * LatencyBins / max(width, 1)}
			n++
			at := [2]int{si, pi}
			q, ok := picks[k]
			if !ok {
				picks[k] = &pick{at, at}
				order = append(order, k)
				continue
			}
			if p[1] < sr.Streams[q.lo[0]].Points[q.lo[1]][1] {
				q.lo = at
			}
			if p[1] > sr.Streams[q.hi[0]].Points[q.hi[1]][1] {
				q.hi = at
			}
		}
	}
	keep := make([]map[int]bool, len(sr.Streams))
	for i := range keep {
		keep[i] = map[int]bool{}
	}
	for _, k := range order {
		q := picks[k]
		keep[q.lo[0]][q.lo[1]] = true
		keep[q.hi[0]][q.hi[1]] = true
	}
	for si := range sr.Streams {
		pts := sr.Streams[si].Points
		kept := make([][3]int64, 0, len(keep[si]))
		for pi := range pts {
			if keep[si][pi] {
				kept = append(kept, pts[pi])
			}
		}
		sr.Streams[si].Points = kept
	}
}

// keepSeries drops the Series of every run not drawn in detail (see
// DetailRuns), so that a summary carries the probes of a few runs only.
func keepSeries(s *Summary, show []string) {
	picks, _ := s.DetailRuns(show, 0)
	keep := map[int]bool{}
	for _, p := range picks {
		keep[p.Run] = true
	}
	for i := range s.Runs {
		if !keep[i] {
			s.Runs[i].Series = nil
		}
	}
}
