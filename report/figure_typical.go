package report

import (
	"fmt"
	"io"
	"math"

	"github.com/switchwatch/switchwatch/internal/vocab"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// typicalCurve is the share of runs in which a kind of request succeeded in
// time (neither failed nor stalled), by seconds since the start of the run's
// first outage: of a group, or with client profiles of one profile of a
// group (Profile; "" without profiles).
type typicalCurve struct {
	Group   *GroupView
	Profile string
	Colour  int // the curve's colour, groupColor(Colour)
	Kind    string
	XYs     plotter.XYs
	Runs    int
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

// typicalCurves are the curves of the typical switchover: per group and
// kind of request, or with client profiles beyond the built-in ones per
// group, profile and kind. Every profile of a run is aligned on the run's
// first outage, so the profiles' curves share their switchovers.
func (rep *Report) typicalCurves() []typicalCurve {
	from, to, step := rep.typicalRange()
	profiles := []string{""}
	if ps := rep.Sum.ProfileComparison; ps != nil {
		profiles = ps.Profiles
	}
	var curves []typicalCurve
	for _, g := range rep.Groups {
		for pi, prof := range profiles {
			for _, kind := range kindOfRequests {
				c := typicalCurve{Group: g, Profile: prof, Colour: g.Index*len(profiles) + pi, Kind: kind}
				type aligned struct {
					tl *Timeline
					t0 int64
				}
				var runs []aligned
				for _, r := range g.Runs {
					t0, ok := r.OutageStart()
					if tl := r.profileTimeline(prof, kind); ok && tl != nil {
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
						if !a.tl.LateAt(t) {
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
	}
	return curves
}

// curveName is a curve as the legend names it: its group, and its profile
// (alone when there is one group).
func (rep *Report) curveName(c typicalCurve) string {
	switch {
	case c.Profile == "":
		return rep.groupName(c.Group, 40)
	case len(rep.Groups) == 1:
		return shorten(c.Profile, 40)
	}
	return rep.groupName(c.Group, 28) + " · " + shorten(c.Profile, 20)
}

func (rep *Report) renderTypical(w io.Writer, format string) error {
	from, to, _ := rep.typicalRange()
	p := newPlot("The typical switchover: share of runs in which requests succeed in time",
		"seconds since the start of each run's first outage", "runs in which requests succeed, not stalled (%)")
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
		l.Color = groupColor(c.Colour)
		l.Width = 2
		if c.Kind == vocab.KindRead {
			l.Dashes = []vg.Length{6, 3}
		}
		p.Add(l)
		legend = append(legend, legendEntry{Label: fmt.Sprintf("%s: %ss (%d %s)", rep.curveName(c), c.Kind, c.Runs, plural(c.Runs, "run", "runs")), Color: l.Color, Line: true, Dashes: l.Dashes})
	}
	p.X.Min, p.X.Max = from, to
	p.Y.Min, p.Y.Max = -3, 103
	return renderTo(w, format, figWidth, 4.6*vg.Inch, func(dc draw.Canvas) { drawWithLegend(dc, p, legend) })
}
