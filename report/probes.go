package report

import (
	"fmt"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/vocab"
)

// The per-run pictures draw a run's probes from the summary: the series
// the analysis kept of the runs drawn in detail (result.Series), states
// named by the series' own table. Nothing here reads a run folder.

// seriesStreams maps each stream of the run's series to its index in
// r.Streams (-1 when the run has no such stream).
func seriesStreams(r *RunView) []int {
	index := map[string]int{}
	for i, s := range r.Streams {
		index[s.Stream] = i
	}
	out := make([]int, len(r.Series.Streams))
	for i, ss := range r.Series.Streams {
		out[i] = -1
		if j, ok := index[ss.Stream]; ok {
			out[i] = j
		}
	}
	return out
}

// errNoSeries says why a run's probes cannot be drawn.
func errNoSeries(r *RunView) error {
	return fmt.Errorf("the summary carries no probes of run %s: the analysis keeps them for the median and worst runs and those named by analyze --show", r.RunID)
}

// laneRects are the marks of one stream's lane: a rectangle per span of
// its series (consecutive probes in one state), from the first probe's
// intended start to one interval after the last one's; a missing probe
// leaves a gap.
func laneRects(sr *result.Series, ss *result.StreamSeries, t0 int64, y float64) []Rect {
	from := sr.From.UnixNano()
	out := make([]Rect, 0, len(ss.Spans))
	for _, sp := range ss.Spans {
		st, _ := sr.SeriesState(sp[2])
		out = append(out, Rect{X0: secs(from+sp[0], t0), X1: secs(from+sp[1], t0), Y0: y - 0.32, Y1: y + 0.32, Color: StateColor(st), State: st})
	}
	return out
}

// segmentRects are the marks of one stream's lane drawn from the segments
// the analysis found, for a run whose probes the summary does not carry.
func segmentRects(s *result.StreamResult, from, to, t0 int64, y float64) []Rect {
	var out []Rect
	for _, seg := range s.Segments {
		a, b := seg.Start.UnixNano(), seg.End.UnixNano()
		if b <= from || a >= to {
			continue
		}
		out = append(out, Rect{X0: secs(a, t0), X1: secs(b, t0), Y0: y - 0.32, Y1: y + 0.32, Color: StateColor(seg.State), State: seg.State})
	}
	return out
}

// latencyPoints are the latency picture's marks of the run: every probe
// with a latency in its series (thinned by the analysis above
// result.MaxLatencyPoints).
func latencyPoints(r *RunView, t0 int64) ([]latencyPoint, error) {
	sr := r.Series
	if sr == nil {
		return nil, errNoSeries(r)
	}
	from := sr.From.UnixNano()
	var pts []latencyPoint
	for i, si := range seriesStreams(r) {
		pooled := si >= 0 && r.Streams[si].Conn == vocab.ConnPooled
		for _, p := range sr.Streams[i].Points {
			st, _ := sr.SeriesState(p[2])
			pts = append(pts, latencyPoint{x: secs(from+p[0], t0), ms: float64(p[1]) / 1e6, state: st, pooled: pooled})
		}
	}
	return pts, nil
}
