package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/switchwatch/switchwatch/internal/termtext"
)

// Picture sizes and resolution.
const (
	figWidth = 9 * vg.Inch
	pngDPI   = 120
)

// Formats are the picture formats a figure renders to.
var Formats = []string{"png", "svg"}

// newCanvas makes a canvas of the format.
func newCanvas(format string, w, h vg.Length) (vg.CanvasWriterTo, error) {
	switch format {
	case "png":
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(pngDPI))}, nil
	case "svg":
		return vgsvg.New(w, h), nil
	}
	return nil, fmt.Errorf("unsupported picture format %q (want png or svg)", format)
}

// plainText is a canvas whose every string is PlotText: the one place
// text from data (run ids, labels, event names, servers) meets a picture,
// whichever figure draws it. An escape character made the SVGs ill-formed
// XML; in a PNG it drew a box.
type plainText struct{ vg.CanvasSizer }

func (c plainText) FillString(f font.Face, pt vg.Point, s string) {
	c.CanvasSizer.FillString(f, pt, PlotText(s))
}

// PlotText is s as a picture may carry it: control characters (which XML
// 1.0 cannot hold, even escaped) and bidirectional controls become
// U+FFFD, invalid UTF-8 too. The SVG encoder escapes <, > and &.
func PlotText(s string) string {
	if strings.IndexFunc(s, plotUnsafe) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if plotUnsafe(r) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func plotUnsafe(r rune) bool {
	return r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0xFFFE || r == 0xFFFF || termtext.IsBidiControl(r)
}

// renderTo draws onto a new canvas of the format and writes it to w.
func renderTo(w io.Writer, format string, width, height vg.Length, drawFn func(dc draw.Canvas)) error {
	c, err := newCanvas(format, width, height)
	if err != nil {
		return err
	}
	dc := draw.New(plainText{c})
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	drawFn(dc)
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("write %s: %w", format, err)
	}
	return nil
}

// newPlot makes a plot with the report's fonts, title and axis labels.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.TextHandler = text.Plain{Fonts: font.DefaultCache}
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 13
	p.Title.Padding = 6
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font.Size = 11
		ax.Tick.Label.Font.Size = 10
	}
	p.X.Label.Padding = 4
	p.Y.Label.Padding = 4
	return p
}

// addGrid adds light grid lines behind everything added after it.
func addGrid(p *plot.Plot, vertical, horizontal bool) {
	g := plotterGrid(vertical, horizontal)
	p.Add(g)
}

// legendEntry is one entry of a legend strip: a colour box, or a line
// sample when Dashes or Line is set.
type legendEntry struct {
	Label  string
	Color  color.Color
	Line   bool
	Dashes []vg.Length
	// Glyph, when set, is drawn instead of the colour box (a marker shape).
	Glyph draw.GlyphDrawer
}

const legendRowHeight = 0.26 * vg.Inch

// rightPad keeps the last tick label of the x axis inside the picture.
const rightPad = 0.25 * vg.Inch

var legendStyle = text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, 10), Handler: text.Plain{Fonts: font.DefaultCache}, XAlign: draw.XLeft, YAlign: draw.YCenter}

const (
	legendBox  = vg.Length(10)
	legendLine = vg.Length(22)
	legendGap  = vg.Length(5)
	legendSep  = vg.Length(16)
)

func (e legendEntry) width() vg.Length {
	w := legendBox
	if e.Line {
		w = legendLine
	}
	return w + legendGap + legendStyle.Width(e.Label)
}

// legendRows splits the entries into rows that fit the width.
func legendRows(entries []legendEntry, width vg.Length) [][]legendEntry {
	var rows [][]legendEntry
	var cur []legendEntry
	var w vg.Length
	for _, e := range entries {
		ew := e.width()
		if len(cur) > 0 && w+legendSep+ew > width {
			rows = append(rows, cur)
			cur, w = nil, 0
		}
		if len(cur) > 0 {
			w += legendSep
		}
		cur = append(cur, e)
		w += ew
	}
	if len(cur) > 0 {
		rows = append(rows, cur)
	}
	return rows
}

// drawWithLegend draws the plot above a horizontal legend (never on top
// of the data), the legend wrapping onto as many rows as it needs.
func drawWithLegend(dc draw.Canvas, p *plot.Plot, entries []legendEntry) {
	dc = draw.Crop(dc, 0, -rightPad, 0, 0)
	rows := legendRows(entries, dc.Max.X-dc.Min.X)
	main := dc
	main.Min.Y = dc.Min.Y + vg.Length(len(rows))*legendRowHeight + 4
	p.Draw(main)
	for i, row := range rows {
		strip := dc
		strip.Max.Y = main.Min.Y - 4 - vg.Length(i)*legendRowHeight
		strip.Min.Y = strip.Max.Y - legendRowHeight
		drawLegendRow(strip, row)
	}
}

// drawLegendRow lays one row of entries out left to right, centred.
func drawLegendRow(c draw.Canvas, entries []legendEntry) {
	var total vg.Length
	for i, e := range entries {
		total += e.width()
		if i > 0 {
			total += legendSep
		}
	}
	x := c.Min.X + max(0, (c.Max.X-c.Min.X-total)/2)
	y := (c.Min.Y + c.Max.Y) / 2
	for _, e := range entries {
		switch {
		case e.Line:
			c.StrokeLine2(draw.LineStyle{Color: e.Color, Width: 2, Dashes: e.Dashes}, x, y, x+legendLine, y)
			x += legendLine
		case e.Glyph != nil:
			c.DrawGlyph(draw.GlyphStyle{Color: e.Color, Radius: legendBox / 2.5, Shape: e.Glyph}, vg.Point{X: x + legendBox/2, Y: y})
			x += legendBox
		default:
			r := vg.Rectangle{Min: vg.Point{X: x, Y: y - legendBox/2}, Max: vg.Point{X: x + legendBox, Y: y + legendBox/2}}
			c.SetColor(e.Color)
			c.Fill(r.Path())
			x += legendBox
		}
		x += legendGap
		c.FillText(legendStyle, vg.Point{X: x, Y: y}, e.Label)
		x += legendStyle.Width(e.Label) + legendSep
	}
}

// shorten cuts a label for a picture.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= v {
			return m * e
		}
	}
	return 10 * e
}
