package report

import (
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// spreadMetrics are the headline metrics of the spread figure.
var spreadMetrics = []struct{ name, title string }{
	{"write_downtime", "write downtime"},
	{"read_only_time", "read-only time"},
	{"unavailable_time", "unavailable time"},
}

func metricValue(r *RunView, metric string) (float64, bool) {
	m := &r.Metrics
	switch metric {
	case "write_downtime":
		if m.WriteDowntime == nil {
			return 0, false
		}
		return m.WriteDowntime.Seconds(), true
	case "read_only_time":
		return m.ReadOnlyTime.Seconds(), true
	case "unavailable_time":
		return m.UnavailableTime.Seconds(), true
	}
	return 0, false
}

func (rep *Report) renderSpread(w io.Writer, format string) error {
	plots := [][]*plot.Plot{make([]*plot.Plot, len(spreadMetrics))}
	ymax := 0.0
	for _, r := range rep.Runs {
		for _, m := range spreadMetrics {
			if v, ok := metricValue(r, m.name); ok {
				ymax = max(ymax, v)
			}
		}
	}
	ymax = roundUp(ymax * 1.05)
	dots := true
	for _, g := range rep.Groups {
		if len(g.Runs) > maxDots {
			dots = false
		}
	}
	names := make([]string, len(rep.Groups))
	for i, g := range rep.Groups {
		names[i] = rep.groupName(g, 18)
	}
	for mi, m := range spreadMetrics {
		ylabel := ""
		if mi == 0 {
			ylabel = "seconds per run"
			if dots {
				ylabel += " (each dot is a run)"
			}
		}
		p := newPlot(m.title, rep.groupTitle(), ylabel)
		p.Title.TextStyle.Font.Size = 11
		addGrid(p, false, true)
		for gi, g := range rep.Groups {
			var vals plotter.Values
			var pts plotter.XYs
			for k, r := range g.Runs {
				if v, ok := metricValue(r, m.name); ok {
					vals = append(vals, v)
					pts = append(pts, plotter.XY{X: float64(gi) + jitter(k), Y: v})
				}
			}
			if len(vals) == 0 {
				continue
			}
			b, err := plotter.NewBoxPlot(vg.Length(max(8, min(38, 120/len(rep.Groups)))), float64(gi), vals)
			if err != nil {
				return err
			}
			b.FillColor = color.NRGBA{0xf2, 0xf2, 0xf2, 0xff}
			b.BoxStyle.Width, b.WhiskerStyle.Width, b.MedianStyle.Width = 1, 1, 2.2
			b.GlyphStyle.Radius = 0 // the dots below show every run
			if !dots {
				b.GlyphStyle.Radius = 1.5 // too many runs for dots: show the outliers
			}
			b.WhiskerStyle.Dashes = nil
			p.Add(noGlyphBoxes{b})
			if dots {
				s, err := plotter.NewScatter(pts)
				if err != nil {
					return err
				}
				s.GlyphStyle.Shape = draw.CircleGlyph{}
				s.GlyphStyle.Radius = 1.8
				c := groupColor(gi)
				c.A = 0xb0
				s.GlyphStyle.Color = c
				p.Add(noGlyphBoxes{s})
			}
		}
		p.NominalX(names...)
		if len(names) > 2 { // slanted, so long group names do not overlap
			p.X.Tick.Label.Rotation = math.Pi / 6
			p.X.Tick.Label.XAlign = draw.XRight
			p.X.Tick.Label.YAlign = draw.YCenter
		}
		p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
		p.Y.Min, p.Y.Max = -0.02*ymax, ymax
		p.Y.Tick.Marker = secondTicks{}
		plots[0][mi] = p
	}
	return renderTo(w, format, figWidth, 4.2*vg.Inch, func(dc draw.Canvas) {
		tiles := draw.Tiles{Rows: 1, Cols: len(spreadMetrics), PadX: vg.Millimeter * 4, PadTop: 4, PadBottom: 4, PadLeft: 4, PadRight: 8}
		canvases := plot.Align(plots, tiles, dc)
		for j := range plots[0] {
			plots[0][j].Draw(canvases[0][j])
		}
	})
}

// maxDots is the most runs per group the spread figure draws as dots.
const maxDots = 400

// roundUp rounds v up to a multiple of a round step (about a fifth of v).
func roundUp(v float64) float64 {
	if v <= 0 {
		return 1
	}
	step := niceCeil(v / 5)
	return math.Ceil(v/step) * step
}

// jitter spreads the dots of run k sideways, deterministically.
func jitter(k int) float64 {
	// golden-ratio sequence in [-0.25, 0.25)
	f := math.Mod(float64(k)*0.6180339887498949, 1)
	return (f - 0.5) * 0.5
}
