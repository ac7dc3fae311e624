package report

import (
	"io"
	"math"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// latencyPoint is one probe in the latency picture.
type latencyPoint struct {
	x, ms float64
	state analyze.State
}

// maxLatencyPoints bounds the marks of a latency picture; above it, each
// state keeps the lowest and highest probe of every small time bin.
const maxLatencyPoints = 20000

func renderLatency(w io.Writer, format string, r *RunView) error {
	t0, from, to, xLabel := runWindow(r)
	probes, err := r.windowProbes()
	if err != nil {
		return err
	}
	pts := make([]latencyPoint, 0, len(probes))
	for _, q := range probes {
		if q.latency > 0 {
			pts = append(pts, latencyPoint{x: secs(q.intended, t0), ms: float64(q.latency) / 1e6, state: q.state})
		}
	}
	if len(pts) > maxLatencyPoints {
		pts = thin(pts, secs(from, t0), secs(to, t0), 1500)
	}
	p := newPlot("Run "+shorten(r.RunID, 50)+": latency of every probe", xLabel, "latency (log scale)")
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
	present := map[analyze.State]bool{}
	for _, s := range analyze.States {
		var xys plotter.XYs
		for _, q := range pts {
			if q.state == s {
				xys = append(xys, plotter.XY{X: q.x, Y: q.ms})
			}
		}
		if len(xys) == 0 {
			continue
		}
		present[s] = true
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		sc.GlyphStyle.Radius = 1.5
		sc.GlyphStyle.Color = StateColor(s)
		p.Add(sc)
	}
	p.Add(eventLines(r, t0))
	p.X.Min, p.X.Max = secs(from, t0), secs(to, t0)
	p.X.Tick.Marker = secondTicks{}
	p.Y.Min = math.Pow(10, math.Floor(math.Log10(lo)))
	p.Y.Max = math.Pow(10, math.Ceil(math.Log10(hi)+0.35)) // room for event labels
	return renderTo(w, format, figWidth, 4.4*vg.Inch, func(dc draw.Canvas) { drawWithLegend(dc, p, stateLegend(present, r)) })
}

// thin keeps, for every state and each of bins time bins, the probes with
// the lowest and the highest latency: the picture's envelope is kept.
func thin(pts []latencyPoint, from, to float64, bins int) []latencyPoint {
	type key struct {
		s analyze.State
		b int
	}
	lo, hi := map[key]int{}, map[key]int{}
	var order []key
	for i, q := range pts {
		b := int(float64(bins) * (q.x - from) / (to - from))
		k := key{q.state, b}
		j, ok := lo[k]
		if !ok {
			lo[k], hi[k] = i, i
			order = append(order, k)
			continue
		}
		if q.ms < pts[j].ms {
			lo[k] = i
		}
		if q.ms > pts[hi[k]].ms {
			hi[k] = i
		}
	}
	out := make([]latencyPoint, 0, 2*len(order))
	for _, k := range order {
		out = append(out, pts[lo[k]])
		if hi[k] != lo[k] {
			out = append(out, pts[hi[k]])
		}
	}
	return out
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
