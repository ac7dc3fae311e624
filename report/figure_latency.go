package report

import (
	"io"
	"math"
	"time"

	"github.com/switchwatch/switchwatch/analyze/result"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// latencyPoint is one probe in the latency picture.
type latencyPoint struct {
	x, ms float64
	state result.State
	// pooled: the probe's stream reuses connections (else it opens one per
	// probe, or is unknown).
	pooled bool
}

// latencyGlyphs are the marks of the latency picture: the shape tells a
// pooled stream from a new-connection one, and a failed probe (drawn at
// the latency it took: a timeout at its timeout) from a successful one.
var latencyGlyphs = map[[2]bool]draw.GlyphDrawer{
	{false, false}: draw.CircleGlyph{},   // new connection, answered
	{true, false}:  draw.TriangleGlyph{}, // pooled, answered
	{false, true}:  draw.CrossGlyph{},    // new connection, failed
	{true, true}:   draw.PlusGlyph{},     // pooled, failed
}

// latencyGlyphLabels explain latencyGlyphs in the legend.
var latencyGlyphLabels = []struct {
	key   [2]bool
	label string
}{
	{[2]bool{false, false}, "new connection"}, {[2]bool{true, false}, "pooled"},
	{[2]bool{false, true}, "failed, new connection"}, {[2]bool{true, true}, "failed, pooled"},
}

func renderLatency(w io.Writer, format string, r *RunView) error {
	t0, from, to, xLabel := runWindow(r)
	pts, err := latencyPoints(r, t0)
	if err != nil {
		return err
	}
	p := newPlot("Run "+shorten(r.RunID, 50)+": latency of every probe, failed ones at the latency they took", xLabel, "latency (log scale)")
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = latencyTicks{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, q := range pts {
		lo, hi = min(lo, q.ms), max(hi, q.ms)
	}
	if len(pts) == 0 {
		lo, hi = 1, 1000
	}
	p.Add(phaseBands(r, t0))
	addGrid(p, true, true)
	present := map[result.State]bool{}
	shapes := map[[2]bool]bool{}
	for _, s := range result.States {
		failed := failingState(s)
		for _, pooled := range []bool{false, true} {
			var xys plotter.XYs
			for _, q := range pts {
				if q.state == s && q.pooled == pooled {
					xys = append(xys, plotter.XY{X: q.x, Y: q.ms})
				}
			}
			if len(xys) == 0 {
				continue
			}
			present[s] = true
			key := [2]bool{pooled, failed}
			shapes[key] = true
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return err
			}
			sc.GlyphStyle.Shape = latencyGlyphs[key]
			sc.GlyphStyle.Radius = 1.5
			if failed {
				sc.GlyphStyle.Radius = 2.2
			}
			sc.GlyphStyle.Color = StateColor(s)
			p.Add(sc)
		}
	}
	legend := stateLegend(present, r.Phases)
	for _, g := range latencyGlyphLabels {
		if shapes[g.key] {
			legend = append(legend, legendEntry{Label: g.label, Color: okabeBlack, Glyph: latencyGlyphs[g.key]})
		}
	}
	events := eventLines(r, t0)
	p.Add(events)
	p.X.Min, p.X.Max = secs(from, t0), secs(to, t0)
	p.X.Tick.Marker = secondTicks{}
	p.Y.Min = math.Pow(10, math.Floor(math.Log10(lo)))
	p.Y.Max = math.Pow(10, math.Ceil(math.Log10(hi)+labelHeadroom(events.labelRows(p.X.Min, p.X.Max), math.Log10(hi/p.Y.Min))))
	return renderTo(w, format, figWidth, 4.4*vg.Inch, func(dc draw.Canvas) { drawWithLegend(dc, p, legend) })
}

// labelHeadroom is how many decades above the highest latency keep rows
// label rows of event labels clear of the data on a log axis spanning
// decades: a row is about labelRowShare of the plot's height.
func labelHeadroom(rows int, decades float64) float64 {
	const labelRowShare = 0.05
	share := labelRowShare * float64(rows)
	if share >= 0.5 {
		share = 0.5
	}
	return 0.1 + share*decades/(1-share)
}

// latencyTicks label the powers of ten of a millisecond axis in readable
// units ("100 µs", "10 ms", "1 s") with minor ticks between.
type latencyTicks struct{}

func (latencyTicks) Ticks(lo, hi float64) []plot.Tick {
	var t []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := m * base
			if v < lo || v > hi {
				continue
			}
			tk := plot.Tick{Value: v}
			if m == 1 {
				tk.Label = fmtDuration(time.Duration(v * 1e6))
			}
			t = append(t, tk)
		}
	}
	return t
}
