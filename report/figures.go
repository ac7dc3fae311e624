package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record/store"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// makeFigures lists the report's pictures; nothing is drawn yet.
func (rep *Report) makeFigures() {
	if rep.anyOutage() {
		rep.Figures = append(rep.Figures, &Figure{
			Name:   "typical-switchover",
			Title:  "The typical switchover",
			Alt:    "Share of runs in which writes and reads succeeded, by seconds since the start of each run's first outage, one curve per group",
			render: rep.renderTypical,
		})
	}
	spreadAlt := "Box plots of write downtime, read-only time and unavailable time per group, every run a dot"
	for _, g := range rep.Groups {
		if len(g.Runs) > maxDots {
			spreadAlt = "Box plots of write downtime, read-only time and unavailable time per group, with their outliers"
		}
	}
	rep.Figures = append(rep.Figures, &Figure{
		Name:   "spread",
		Title:  "Spread across runs",
		Alt:    spreadAlt,
		render: rep.renderSpread,
	})
	if rep.anyWrites() {
		rep.Figures = append(rep.Figures, &Figure{
			Name:   "write-downtime-cdf",
			Title:  "Write downtime, cumulative",
			Alt:    "Empirical cumulative distribution of write downtime per group",
			render: rep.renderECDF,
		})
	}
	for _, r := range rep.Detail {
		r := r
		rep.Figures = append(rep.Figures, &Figure{
			Name:   "timeline-" + r.file,
			Title:  "Timeline of run " + r.RunID,
			Alt:    "Timeline of run " + r.RunID + ": one lane per probe stream, every probe coloured by its state, phases shaded, events as vertical lines",
			Run:    r,
			render: func(w io.Writer, format string) error { return renderTimeline(w, format, r) },
		}, &Figure{
			Name:   "latency-" + r.file,
			Title:  "Latency of run " + r.RunID,
			Alt:    "Latency of every probe of run " + r.RunID + " on a log scale, coloured by state, phases shaded, events as vertical lines",
			Run:    r,
			render: func(w io.Writer, format string) error { return renderLatency(w, format, r) },
		})
	}
}

func (rep *Report) anyOutage() bool {
	for _, r := range rep.Runs {
		if _, ok := r.OutageStart(); ok {
			return true
		}
	}
	return false
}

func (rep *Report) anyWrites() bool {
	for _, r := range rep.Runs {
		if r.Metrics.WriteDowntime != nil {
			return true
		}
	}
	return false
}

// groupName is a group as a picture shows it: its label values (the keys
// are said once, in the axis or legend title), at most n characters.
func (rep *Report) groupName(g *GroupView, n int) string {
	if len(rep.Sum.By) == 0 {
		return shorten(g.Key, n)
	}
	vals := make([]string, len(rep.Sum.By))
	for i, k := range rep.Sum.By {
		vals[i] = g.Labels[k]
	}
	return shorten(strings.Join(vals, ", "), n)
}

// groupTitle names the grouping: "strategy: ", or "" without --by.
func (rep *Report) groupTitle() string {
	if len(rep.Sum.By) == 0 {
		return ""
	}
	return strings.Join(rep.Sum.By, ", ")
}

var dashes = [][]vg.Length{nil, {6, 3}, {2, 2}, {8, 3, 2, 3}}

// ---- typical switchover ----

// typicalCurve is the share of runs in which a kind of request succeeded,
// by seconds since the start of the run's first outage.
type typicalCurve struct {
	Group *GroupView
	Kind  string
	XYs   plotter.XYs
	Runs  int
}

// typicalRange is the time range of the typical switchover: from a little
// before the outages to a little after the longest.
func (rep *Report) typicalRange() (from, to, step float64) {
	longest := 0.0
	iv := int64(math.MaxInt64)
	for _, r := range rep.Runs {
		if _, ok := r.OutageStart(); ok {
			longest = max(longest, r.Metrics.OutageTime.Seconds())
			iv = min(iv, r.IntervalNS)
		}
	}
	pad := max(3, 0.2*longest)
	from, to = -pad, longest+pad
	step = max(float64(iv)/1e9, (to-from)/1500)
	return from, to, step
}

func (rep *Report) typicalCurves() []typicalCurve {
	from, to, step := rep.typicalRange()
	var curves []typicalCurve
	for _, g := range rep.Groups {
		for _, kind := range kindOfRequests {
			c := typicalCurve{Group: g, Kind: kind}
			type aligned struct {
				tl *Timeline
				t0 int64
			}
			var runs []aligned
			for _, r := range g.Runs {
				t0, ok := r.OutageStart()
				if tl := r.timeline(kind); ok && tl != nil {
					runs = append(runs, aligned{tl, t0})
				}
			}
			if len(runs) == 0 {
				continue
			}
			c.Runs = len(runs)
			for k := 0; ; k++ {
				x := from + float64(k)*step
				if x > to+step/2 {
					break
				}
				ok, n := 0, 0
				for _, a := range runs {
					t := a.t0 + int64(math.Round(x*1e9))
					if t < a.tl.Start || (t >= a.tl.End && !a.tl.FailingAtEnd) {
						continue
					}
					n++
					if !a.tl.FailingAt(t) {
						ok++
					}
				}
				if n > 0 {
					c.XYs = append(c.XYs, plotter.XY{X: x, Y: 100 * float64(ok) / float64(n)})
				}
			}
			curves = append(curves, c)
		}
	}
	return curves
}

func (rep *Report) renderTypical(w io.Writer, format string) error {
	from, to, _ := rep.typicalRange()
	p := newPlot("The typical switchover: share of runs in which requests succeed",
		"seconds since the start of each run's first outage", "runs in which requests succeed (%)")
	p.X.Tick.Marker = secondTicks{}
	p.Y.Tick.Marker = plot.ConstantTicks(percentTicks())
	addGrid(p, true, true)
	var legend []legendEntry
	for _, c := range rep.typicalCurves() {
		l, err := plotter.NewLine(c.XYs)
		if err != nil {
			return err
		}
		l.StepStyle = plotter.PostStep
		l.Color = groupColor(c.Group.Index)
		l.Width = 2
		if c.Kind == store.KindRead {
			l.Dashes = []vg.Length{6, 3}
		}
		p.Add(l)
		legend = append(legend, legendEntry{Label: fmt.Sprintf("%s: %ss (%d runs)", rep.groupName(c.Group, 40), c.Kind, c.Runs), Color: l.Color, Line: true, Dashes: l.Dashes})
	}
	p.X.Min, p.X.Max = from, to
	p.Y.Min, p.Y.Max = -3, 103
	return renderTo(w, format, figWidth, 4.6*vg.Inch, func(dc draw.Canvas) { drawWithLegend(dc, p, legend) })
}

func percentTicks() []plot.Tick {
	var t []plot.Tick
	for v := 0; v <= 100; v += 25 {
		t = append(t, plot.Tick{Value: float64(v), Label: fmt.Sprintf("%d%%", v)})
	}
	return t
}

// ---- spread ----

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

// ---- ECDF ----

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

// ---- per-run pictures ----

// runWindow is the part of a run a per-run picture shows, and the time
// its x axis counts from: the first outage with some healthy time around
// it, or the whole run.
func runWindow(r *RunView) (t0, from, to int64, xLabel string) {
	start, end := r.Start.UnixNano(), r.End.UnixNano()
	if os, ok := r.OutageStart(); ok {
		oe := end
		for _, p := range r.Phases {
			if p.State != analyze.PhaseHealthy {
				oe = p.End.UnixNano()
			}
		}
		pad := max(int64(5*time.Second), (oe-os)/2)
		return os, max(start, os-pad), min(end, oe+pad),
			fmt.Sprintf("seconds since the first outage began (%s UTC)", time.Unix(0, os).UTC().Format("2006-01-02 15:04:05.000"))
	}
	return start, start, end, fmt.Sprintf("seconds since the run's start (%s UTC)", time.Unix(0, start).UTC().Format("2006-01-02 15:04:05.000"))
}

func secs(t, t0 int64) float64 { return float64(t-t0) / 1e9 }

// phaseBands shades the run's non-healthy phases.
func phaseBands(r *RunView, t0 int64) *Bands {
	b := &Bands{}
	for _, p := range r.Phases {
		if p.State == analyze.PhaseHealthy {
			continue
		}
		b.Bands = append(b.Bands, Band{X0: secs(p.Start.UnixNano(), t0), X1: secs(p.End.UnixNano(), t0), Color: bandColor(p.State)})
	}
	return b
}

// eventLines are the run's events, and its first server and DNS change.
func eventLines(r *RunView, t0 int64) *VLines {
	v := &VLines{}
	for _, e := range r.Metrics.Events {
		v.Lines = append(v.Lines, VLine{X: secs(e.Time.UnixNano(), t0), Label: shorten(e.Name, 32), Color: okabeBlack})
	}
	if t := r.Metrics.ServerChange; t != nil {
		v.Lines = append(v.Lines, VLine{X: secs(t.UnixNano(), t0), Label: "server changed", Color: color.Gray{0x55}, Dashes: []vg.Length{4, 3}})
	}
	if t := r.Metrics.DNSChange; t != nil {
		v.Lines = append(v.Lines, VLine{X: secs(t.UnixNano(), t0), Label: "DNS changed", Color: color.Gray{0x55}, Dashes: []vg.Length{1.5, 2}})
	}
	slices.SortStableFunc(v.Lines, func(a, b VLine) int {
		switch {
		case a.X < b.X:
			return -1
		case a.X > b.X:
			return 1
		}
		return 0
	})
	return v
}

// stateLegend lists the states in States order that the run shows, and
// the phase bands.
func stateLegend(present map[analyze.State]bool, r *RunView) []legendEntry {
	var l []legendEntry
	for _, s := range analyze.States {
		if present[s] {
			l = append(l, legendEntry{Label: string(s), Color: StateColor(s)})
		}
	}
	seen := map[analyze.PhaseState]bool{}
	for _, p := range r.Phases {
		if p.State != analyze.PhaseHealthy && !seen[p.State] {
			seen[p.State] = true
			c := bandColor(p.State)
			c.A = 0x60
			l = append(l, legendEntry{Label: string(p.State) + " phase", Color: c})
		}
	}
	return l
}

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
		ticks = append(ticks, plot.Tick{Value: y, Label: shorten(s.Kind+" · "+s.Conn, 24)})
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

// secondTicks marks a seconds axis at a round step giving about ten
// labelled ticks, with unlabelled minor ticks between.
type secondTicks struct{}

func (secondTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return nil
	}
	step := niceCeil((hi - lo) / 10)
	minor := step / 5
	if m := step / math.Pow(10, math.Floor(math.Log10(step))); m == 2 {
		minor = step / 4
	}
	var t []plot.Tick
	for k := math.Ceil(lo / minor); k*minor <= hi+minor/1e6; k++ {
		v := k * minor
		tk := plot.Tick{Value: v}
		if r := math.Round(v / step); math.Abs(v-r*step) < minor/1e3 {
			tk.Label = strconv.FormatFloat(r*step, 'f', max(0, int(-math.Floor(math.Log10(step)))), 64)
			if tk.Label == "-0" {
				tk.Label = "0"
			}
		}
		t = append(t, tk)
	}
	return t
}

// noGlyphBoxes hides a plotter's glyph boxes and data range, so that the
// axes keep the ranges set by hand and the tiles of a figure line up.
type noGlyphBoxes struct{ plot.Plotter }
