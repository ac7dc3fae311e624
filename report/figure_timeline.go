package report

import (
	"io"

	"github.com/switchwatch/switchwatch/analyze"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func renderTimeline(w io.Writer, format string, r *RunView) error {
	t0, from, to, xLabel := runWindow(r)
	p := newPlot("Run "+shorten(r.RunID, 50)+": what each probe stream saw", xLabel, "")
	n := len(r.Streams)
	var ticks []plot.Tick
	rects := &Rects{}
	present := map[analyze.State]bool{}
	probes, err := r.windowProbes()
	for i, s := range r.Streams {
		y := float64(n - 1 - i)
		ticks = append(ticks, plot.Tick{Value: y, Label: shorten(s.Kind+" · "+s.ProfileName(), 24)})
		if err == nil {
			rects.Rects = append(rects.Rects, laneRects(probes, i, s.IntervalNS, t0, y)...)
			continue
		}
		// The probes cannot be read (the run folder is gone): draw the
		// segments the analysis found instead.
		for _, seg := range s.Segments {
			a, b := seg.Start.UnixNano(), seg.End.UnixNano()
			if b <= from || a >= to {
				continue
			}
			rects.Rects = append(rects.Rects, Rect{X0: secs(a, t0), X1: secs(b, t0), Y0: y - 0.32, Y1: y + 0.32, Color: StateColor(seg.State), State: seg.State})
		}
	}
	for _, x := range rects.Rects {
		present[x.State] = true
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Add(phaseBands(r, t0))
	addGrid(p, true, false)
	p.Add(rects)
	p.Add(eventLines(r, t0))
	p.X.Min, p.X.Max = secs(from, t0), secs(to, t0)
	p.X.Tick.Marker = secondTicks{}
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4+0.5 // room for the event labels
	h := 1.9*vg.Inch + vg.Length(n)*0.42*vg.Inch
	return renderTo(w, format, figWidth, h, func(dc draw.Canvas) { drawWithLegend(dc, p, stateLegend(present, r)) })
}
