package report

import (
	"image/color"
	"math"

	"github.com/switchwatch/switchwatch/analyze/result"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Bands shades time intervals across the whole height of the plot (the
// phases of a run). Add it before the data so the marks draw on top.
type Bands struct {
	Bands []Band
}

// Band is one shaded interval, in the plot's x units.
type Band struct {
	X0, X1 float64
	Color  color.Color
}

var _ plot.Plotter = (*Bands)(nil)

// Plot implements plot.Plotter.
func (b *Bands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, band := range b.Bands {
		x0, x1 := max(band.X0, p.X.Min), min(band.X1, p.X.Max)
		if x1 <= x0 {
			continue
		}
		r := vg.Rectangle{Min: vg.Point{X: trX(x0), Y: c.Min.Y}, Max: vg.Point{X: trX(x1), Y: c.Max.Y}}
		c.SetColor(band.Color)
		c.Fill(r.Path())
	}
}

// Rects fills rectangles in data coordinates (the lanes of a timeline).
type Rects struct {
	Rects []Rect
}

// Rect is one filled rectangle in data coordinates.
type Rect struct {
	X0, X1, Y0, Y1 float64
	Color          color.Color
	// State is the probe state the rectangle shows (for the legend).
	State result.State
}

var (
	_ plot.Plotter    = (*Rects)(nil)
	_ plot.DataRanger = (*Rects)(nil)
)

// Plot implements plot.Plotter. A rectangle narrower than a quarter point
// is widened to it, so a single probe stays visible.
func (r *Rects) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, x := range r.Rects {
		x0, x1 := max(x.X0, p.X.Min), min(x.X1, p.X.Max)
		if x1 < x0 {
			continue
		}
		a, b := trX(x0), trX(x1)
		if b-a < 0.6 {
			b = a + 0.6
		}
		rect := vg.Rectangle{Min: vg.Point{X: a, Y: trY(x.Y0)}, Max: vg.Point{X: b, Y: trY(x.Y1)}}
		c.SetColor(x.Color)
		c.Fill(rect.Path())
	}
}

// DataRange implements plot.DataRanger.
func (r *Rects) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, x := range r.Rects {
		xmin, xmax = min(xmin, x.X0), max(xmax, x.X1)
		ymin, ymax = min(ymin, x.Y0), max(ymax, x.Y1)
	}
	return
}

// VLines draws labelled vertical lines (events). Labels are placed at the
// top, each in the first row where it does not overlap the label before.
type VLines struct {
	Lines []VLine
}

// VLine is one vertical line at X with a label.
type VLine struct {
	X      float64
	Label  string
	Color  color.Color
	Dashes []vg.Length
}

var _ plot.Plotter = (*VLines)(nil)

// Plot implements plot.Plotter.
func (v *VLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, 8.5), Handler: text.Plain{Fonts: font.DefaultCache}, XAlign: draw.XLeft, YAlign: draw.YTop}
	rowH := sty.Height("Xg") + 2
	// Lines first, then the labels on top of every line.
	for _, l := range v.Lines {
		if l.X >= p.X.Min && l.X <= p.X.Max {
			x := trX(l.X)
			c.StrokeLine2(draw.LineStyle{Color: l.Color, Width: 1.2, Dashes: l.Dashes}, x, c.Min.Y, x, c.Max.Y)
		}
	}
	var rowEnd []vg.Length
	for _, l := range v.Lines {
		if l.X < p.X.Min || l.X > p.X.Max || l.Label == "" {
			continue
		}
		x := trX(l.X)
		w := sty.Width(l.Label) + 6
		tx := x + 3
		if tx+w > c.Max.X { // no room on the right: put it on the left
			tx = x - w
		}
		var row int
		row, rowEnd = labelRow(rowEnd, tx, tx+w)
		y := c.Max.Y - 2 - vg.Length(row)*rowH
		bg := vg.Rectangle{Min: vg.Point{X: tx - 1, Y: y - rowH + 2}, Max: vg.Point{X: tx + w - 4, Y: y + 1}}
		c.SetColor(color.NRGBA{0xff, 0xff, 0xff, 0xe0})
		c.Fill(bg.Path())
		c.FillText(sty, vg.Point{X: tx, Y: y}, l.Label)
	}
}

// grid is plotter.Grid with lighter lines; a function keeps the plotter
// package import in one place.
func plotterGrid(vertical, horizontal bool) plot.Plotter {
	g := &gridLines{vertical: vertical, horizontal: horizontal}
	return g
}

type gridLines struct{ vertical, horizontal bool }

var _ plot.Plotter = (*gridLines)(nil)

func (g *gridLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: color.Gray{0xe0}, Width: 0.6}
	if g.vertical {
		for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
			if t.IsMinor() || t.Value < p.X.Min || t.Value > p.X.Max {
				continue
			}
			x := trX(t.Value)
			c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
		}
	}
	if g.horizontal {
		for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
			if t.IsMinor() || t.Value < p.Y.Min || t.Value > p.Y.Max {
				continue
			}
			y := trY(t.Value)
			c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
		}
	}
}
