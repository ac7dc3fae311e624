package report

import (
	"io"
	"math"
	"sort"

	"github.com/switchwatch/switchwatch/analyze/result"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// renderTimeline draws a lane per probe stream. With client profiles
// beyond the built-in ones the lanes are grouped by profile and each
// profile's own phases shade its lanes; otherwise the run's phases shade
// them all.
func renderTimeline(w io.Writer, format string, r *RunView) error {
	t0, from, to, xLabel := runWindow(r)
	p := newPlot("Run "+shorten(r.RunID, 50)+": what each probe stream saw", xLabel, "")
	n := len(r.Streams)
	lanes := timelineLanes(r)
	var ticks []plot.Tick
	rects := &Rects{}
	present := map[result.State]bool{}
	var series []int // for each stream, its index in the series (-1: none)
	if r.Series != nil {
		series = make([]int, n)
		for i := range series {
			series[i] = -1
		}
		for i, si := range seriesStreams(r) {
			if si >= 0 {
				series[si] = i
			}
		}
	}
	for lane, i := range lanes {
		s := &r.Streams[i]
		y := float64(n - 1 - lane)
		ticks = append(ticks, plot.Tick{Value: y, Label: shorten(s.Kind+" · "+s.ProfileName(), 24)})
		if series != nil && series[i] >= 0 {
			rects.Rects = append(rects.Rects, laneRects(r.Series, &r.Series.Streams[series[i]], t0, y)...)
			continue
		}
		// The summary carries no probes of the run (an older summary, a
		// run the analysis did not keep them for): draw the segments the
		// analysis found instead.
		rects.Rects = append(rects.Rects, segmentRects(s, from, to, t0, y)...)
	}
	for _, x := range rects.Rects {
		present[x.State] = true
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	phases := r.Phases
	if len(r.Profiles) > 0 {
		bands, ps := profileBands(r, lanes, t0)
		p.Add(bands)
		phases = ps
	} else {
		p.Add(phaseBands(r, t0))
	}
	addGrid(p, true, false)
	p.Add(rects)
	p.Add(eventLines(r, t0))
	p.X.Min, p.X.Max = secs(from, t0), secs(to, t0)
	p.X.Tick.Marker = secondTicks{}
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4+0.5 // room for the event labels
	h := 1.9*vg.Inch + vg.Length(n)*0.42*vg.Inch
	return renderTo(w, format, figWidth, h, func(dc draw.Canvas) { drawWithLegend(dc, p, stateLegend(present, phases)) })
}

// timelineLanes lists the run's streams (indices into r.Streams) in the
// order of their lanes, top first: as analyzed, or with client profiles
// grouped by profile in the order of r.Profiles.
func timelineLanes(r *RunView) []int {
	lanes := make([]int, len(r.Streams))
	for i := range lanes {
		lanes[i] = i
	}
	if len(r.Profiles) == 0 {
		return lanes
	}
	rank := map[string]int{}
	for i, p := range r.Profiles {
		rank[p.Name] = i
	}
	sort.SliceStable(lanes, func(a, b int) bool {
		return rank[r.Streams[lanes[a]].ProfileName()] < rank[r.Streams[lanes[b]].ProfileName()]
	})
	return lanes
}

// profileBands shades each profile's non-healthy phases behind its own
// lanes, and returns every profile's phases (for the legend).
func profileBands(r *RunView, lanes []int, t0 int64) (*Rects, []result.Phase) {
	n := len(lanes)
	bands := &Rects{}
	var phases []result.Phase
	for _, prof := range r.Profiles {
		lo, hi := math.Inf(1), math.Inf(-1)
		for lane, i := range lanes {
			if r.Streams[i].ProfileName() == prof.Name {
				y := float64(n - 1 - lane)
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
		if lo > hi {
			continue
		}
		for _, ph := range prof.Phases {
			if ph.State == result.PhaseHealthy {
				continue
			}
			phases = append(phases, ph)
			bands.Rects = append(bands.Rects, Rect{X0: secs(ph.Start.UnixNano(), t0), X1: secs(ph.End.UnixNano(), t0),
				Y0: lo - 0.45, Y1: hi + 0.45, Color: bandColor(ph.State)})
		}
	}
	return bands, phases
}
