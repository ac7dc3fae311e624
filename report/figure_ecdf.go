package report

import (
	"fmt"
	"io"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func (rep *Report) renderECDF(w io.Writer, format string) error {
	p := newPlot("Write downtime: share of runs at or below each value", "write downtime per run (seconds)", "runs (%)")
	p.Y.Tick.Marker = plot.ConstantTicks(percentTicks())
	addGrid(p, true, true)
	xmax := 0.0
	var legend []legendEntry
	for _, g := range rep.Groups {
		var xs []float64
		for _, r := range g.Runs {
			if d := r.Metrics.WriteDowntime; d != nil {
				xs = append(xs, d.Seconds())
			}
		}
		if len(xs) == 0 {
			continue
		}
		slices.Sort(xs)
		xmax = max(xmax, xs[len(xs)-1])
		pts := plotter.XYs{{X: 0, Y: 0}}
		for i, x := range xs {
			pts = append(pts, plotter.XY{X: x, Y: pts[len(pts)-1].Y}, plotter.XY{X: x, Y: 100 * float64(i+1) / float64(len(xs))})
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = groupColor(g.Index)
		l.Width = 2
		l.Dashes = dashes[g.Index%len(dashes)]
		p.Add(l)
		legend = append(legend, legendEntry{Label: fmt.Sprintf("%s (n = %d)", rep.groupName(g, 40), len(xs)), Color: l.Color, Line: true, Dashes: l.Dashes})
	}
	p.X.Min, p.X.Max = 0, roundUp(xmax*1.05)
	p.X.Tick.Marker = secondTicks{}
	p.Y.Min, p.Y.Max = 0, 102
	return renderTo(w, format, figWidth, 4.2*vg.Inch, func(dc draw.Canvas) { drawWithLegend(dc, p, legend) })
}
