package report

import (
	"cmp"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/analyze/result"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// makeFigures lists the report's pictures; nothing is drawn yet.
func (rep *Report) makeFigures() {
	add := func(f *Figure) { rep.Figures = append(rep.Figures, f) }
	if rep.anyOutage() {
		per := "group"
		if rep.Sum.ProfileComparison != nil {
			per = "group and client profile"
		}
		add(&Figure{Name: "typical-switchover", Title: "The typical switchover", render: rep.renderTypical,
			Alt: "Share of runs in which writes and reads succeeded, by seconds since the start of each run's first outage, one curve per " + per})
	}
	spreadAlt := "Box plots of write downtime, read-only time and unavailable time per group, every run a dot"
	for _, g := range rep.Groups {
		if len(g.Runs) > maxDots {
			spreadAlt = "Box plots of write downtime, read-only time and unavailable time per group, with their outliers"
		}
	}
	add(&Figure{Name: "spread", Title: "Spread across runs", Alt: spreadAlt, render: rep.renderSpread})
	if rep.anyWrites() {
		add(&Figure{Name: "write-downtime-cdf", Title: "Write downtime, cumulative", render: rep.renderECDF,
			Alt: "Empirical cumulative distribution of write downtime per group"})
	}
	for _, r := range rep.Detail {
		add(&Figure{Name: "timeline-" + r.file, Title: "Timeline of run " + r.RunID, Run: r,
			Alt:    "Timeline of run " + r.RunID + ": one lane per probe stream, every probe coloured by its state, " + r.shadedPhases() + ", events as vertical lines",
			render: func(w io.Writer, format string) error { return renderTimeline(w, format, r) }})
		add(&Figure{Name: "latency-" + r.file, Title: "Latency of run " + r.RunID, Run: r,
			Alt:    "Latency of every probe of run " + r.RunID + " on a log scale, coloured by state, phases shaded, events as vertical lines",
			render: func(w io.Writer, format string) error { return renderLatency(w, format, r) }})
	}
	rep.makeVantageFigures()
}

// shadedPhases says which phases a run's timeline shades.
func (r *RunView) shadedPhases() string {
	if len(r.Profiles) > 0 {
		return "each client profile's phases shaded behind its lanes"
	}
	return "phases shaded"
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

// runWindow is the part of a run a per-run picture shows, and the time
// its x axis counts from: the first outage with some healthy time around
// it, or the whole run.
func runWindow(r *RunView) (t0, from, to int64, xLabel string) {
	t0, from, to, outage := r.DetailWindow()
	if outage {
		return t0, from, to, fmt.Sprintf("seconds since the first outage began (%s UTC)", time.Unix(0, t0).UTC().Format("2006-01-02 15:04:05.000"))
	}
	return t0, from, to, fmt.Sprintf("seconds since the run's start (%s UTC)", time.Unix(0, t0).UTC().Format("2006-01-02 15:04:05.000"))
}

func secs(t, t0 int64) float64 { return float64(t-t0) / 1e9 }

// phaseBands shades the run's non-healthy phases.
func phaseBands(r *RunView, t0 int64) *Bands {
	b := &Bands{}
	for _, p := range r.Phases {
		if p.State == result.PhaseHealthy {
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
		v.Lines = append(v.Lines, VLine{X: secs(e.Time.UnixNano(), t0), Label: shorten(e.Called(), 32), Color: okabeBlack})
	}
	if t := r.Metrics.ServerChange; t != nil {
		v.Lines = append(v.Lines, VLine{X: secs(t.UnixNano(), t0), Label: "server changed", Color: color.Gray{0x55}, Dashes: []vg.Length{4, 3}})
	}
	if t := r.Metrics.DNSChange; t != nil {
		v.Lines = append(v.Lines, VLine{X: secs(t.UnixNano(), t0), Label: "DNS changed", Color: color.Gray{0x55}, Dashes: []vg.Length{1.5, 2}})
	}
	slices.SortStableFunc(v.Lines, func(a, b VLine) int { return cmp.Compare(a.X, b.X) })
	return v
}

// labelRows estimates how many rows of labels VLines.Plot stacks at the top
// of a plot spanning from..to: the same greedy placement, with each label's
// width taken from its length (the 8.5 pt labels fit about 120 characters
// across a picture). A picture whose data reaches its top leaves that many
// rows of headroom, so that no label hides a probe.
func (v *VLines) labelRows(from, to float64) int {
	charW := (to - from) / 120
	var rowEnd []float64
	for _, l := range v.Lines {
		if l.X < from || l.X > to || l.Label == "" {
			continue
		}
		_, rowEnd = labelRow(rowEnd, l.X, l.X+float64(len(l.Label)+2)*charW)
	}
	return len(rowEnd)
}

// labelRow is the greedy placement of VLines' labels: a label spanning
// from x0 to x1 goes on the first row whose last label ends before x0, or
// on a new row under the others. rowEnd holds where each row's last label
// ends; labelRow returns the label's row and rowEnd with the label placed.
func labelRow[T cmp.Ordered](rowEnd []T, x0, x1 T) (int, []T) {
	for i, end := range rowEnd {
		if x0 > end {
			rowEnd[i] = x1
			return i, rowEnd
		}
	}
	return len(rowEnd), append(rowEnd, x1)
}

// stateLegend lists the states in States order that the picture shows,
// and the states of the phases it shades.
func stateLegend(present map[result.State]bool, phases []result.Phase) []legendEntry {
	var l []legendEntry
	for _, s := range result.States {
		if present[s] {
			l = append(l, legendEntry{Label: string(s), Color: StateColor(s)})
		}
	}
	seen := map[result.PhaseState]bool{}
	for _, p := range phases {
		if p.State != result.PhaseHealthy && !seen[p.State] {
			seen[p.State] = true
			c := bandColor(p.State)
			c.A = 0x60
			l = append(l, legendEntry{Label: string(p.State) + " phase", Color: c})
		}
	}
	return l
}

func percentTicks() []plot.Tick {
	var t []plot.Tick
	for v := 0; v <= 100; v += 25 {
		t = append(t, plot.Tick{Value: float64(v), Label: fmt.Sprintf("%d%%", v)})
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
