package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/termtext"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The vantage points of a switchover (result.Switchover): the table of
// its vantages side by side, the spread line, and the picture with one
// timeline row per vantage, in the text and in report.md alike.

// switchoverName names a switchover for a heading: its id, else its write
// endpoint.
func switchoverName(sw *result.Switchover) string {
	if sw.ID != "" {
		return "switchover " + sw.ID
	}
	name := "switchover on " + sw.WriteEndpoint
	if sw.WriteEndpoint == "" {
		name = "switchover"
	}
	return name + " at " + fmtClock(sw.From)
}

// vantageZero is the zero of a switchover's relative times: its reference
// (the earliest first error on the servers' clock), else the start of
// its picture's window; and the clock the times are on.
func vantageZero(sw *result.Switchover) (zero time.Time, what, clock string) {
	clock = "the servers' clock"
	if !slices.ContainsFunc(sw.Vantages, func(v result.VantageResult) bool { return v.Clock == result.VantageClockServers }) {
		clock = "each vantage's own clock (none has a clock offset)"
	}
	if sw.Reference != nil {
		return *sw.Reference, "the earliest first error", clock
	}
	return sw.From, "the start of the window shown", clock
}

// vantageTable is the table of a switchover's vantages; every data cell
// is marked so that the Markdown escapes it.
func vantageTable(sw *result.Switchover) *table {
	t := &table{cols: []column{{name: "vantage", data: true}, {name: "first error", right: true}, {name: "recovery", right: true},
		{name: "write downtime", right: true}, {name: "clock offset", data: true}, {name: "run", data: true}}}
	zero, _, _ := vantageZero(sw)
	for i := range sw.Vantages {
		v := &sw.Vantages[i]
		name := v.Vantage
		if v.Clock == result.VantageClockOwn {
			name += " (own clock)"
		}
		fe, rec := vantageMoment(v, v.FirstError, zero), vantageMoment(v, v.Recovery, zero)
		switch {
		case !v.Outage:
			fe, rec = "no outage seen", "-"
		case v.FirstError == nil:
			fe = "none failed"
		}
		if v.Outage && v.Recovery == nil {
			rec = "not recovered"
		}
		t.add(name, fe, rec, vantageDowntime(v), vantageOffset(v), v.RunID)
	}
	return t
}

// vantageMoment is a moment relative to zero ("+3.0 s"), or on a vantage
// on its own clock its time of day, which cannot be compared.
func vantageMoment(v *result.VantageResult, in *result.Instant, zero time.Time) string {
	if in == nil {
		return ""
	}
	if v.Clock == result.VantageClockOwn {
		return fmtClock(in.Time) + " own"
	}
	d := in.Time.Sub(zero)
	s := fmtSec(float64(d), in.ResolutionNS)
	if d >= 0 {
		s = "+" + s
	}
	return s
}

// vantageOffset is a vantage's clock offset: servers' clock − its own,
// the median ± half the p5..p95 range, and over how many probes.
func vantageOffset(v *result.VantageResult) string {
	if v.Clock == result.VantageClockOwn || v.ClockOffset == nil {
		return "unknown (no server_time)"
	}
	s := fmtExact(float64(v.OffsetNS))
	if v.OffsetNS > 0 {
		s = "+" + s
	}
	return fmt.Sprintf("%s ± %s (%s)", s, fmtExact(float64(v.OffsetUncertaintyNS)), Count(v.ClockOffset.Probes, "probe", "probes"))
}

// spreadText says one spread: "3.0 s ± 0.2 s (earliest zone-a, latest
// zone-b)", or why it is unknown, and the vantages left out.
func spreadText(s *result.Spread) string {
	var b strings.Builder
	switch {
	case s.NS != nil:
		fmt.Fprintf(&b, "%s ± %s (earliest %s, latest %s", fmtSec(float64(*s.NS), s.ResolutionNS), fmtSec(float64(s.ResolutionNS), s.ResolutionNS), s.Earliest, s.Latest)
		if *s.NS <= s.ResolutionNS {
			b.WriteString(": within the resolution, no vantage known to be first")
		}
		b.WriteString(")")
	case !slices.ContainsFunc(s.LeftOut, func(l result.LeftOut) bool { return l.Why != result.WhyNoOutage }):
		return "none: no vantage saw an outage"
	case slices.ContainsFunc(s.LeftOut, func(l result.LeftOut) bool { return l.Why == result.WhyNotRecovered }):
		b.WriteString("unknown (a vantage did not recover before its run ended)")
	default:
		b.WriteString("unknown (fewer than two vantages to compare on the servers' clock)")
	}
	if len(s.LeftOut) > 0 {
		parts := make([]string, len(s.LeftOut))
		for i, l := range s.LeftOut {
			parts[i] = l.Vantage + ": " + l.Why
		}
		fmt.Fprintf(&b, "; left out %s", strings.Join(parts, ", "))
	}
	return b.String()
}

// vantageHeading is the sentence above a switchover's table.
func vantageHeading(sw *result.Switchover) string {
	zero, what, clock := vantageZero(sw)
	by := "the same switchover_id"
	if sw.GroupedBy == result.GroupedByWriteEndpoint {
		by = "the same write endpoint at overlapping times"
	}
	return fmt.Sprintf("%s seen from %d vantages (%s); times on %s, from %s (%s UTC)",
		switchoverName(sw), len(sw.Vantages), by, clock, what, zero.UTC().Format("2006-01-02 15:04:05.000"))
}

// writeTextVantages is the text's lines per switchover seen from several
// vantages.
func writeTextVantages(b *strings.Builder, s *result.Summary) {
	for i := range s.Switchovers {
		sw := &s.Switchovers[i]
		b.WriteString("\n" + wrapText(termtext.Sanitize(vantageHeading(sw))+":", "  ", textWidth))
		t := vantageTable(sw)
		for _, r := range t.rows {
			for j := range r {
				r[j] = termtext.Sanitize(r[j])
			}
		}
		t.writeText(b, "  ")
		fmt.Fprintf(b, "  spread of first error: %s\n", termtext.Sanitize(spreadText(&sw.FirstErrorSpread)))
		fmt.Fprintf(b, "  spread of recovery:    %s\n", termtext.Sanitize(spreadText(&sw.RecoverySpread)))
		for _, w := range sw.Warnings {
			fmt.Fprintf(b, "  warning: %s\n", termtext.Sanitize(w))
		}
	}
}

// vantageClockText explains the one clock, once, in report.md.
const vantageClockText = "Each vantage's times are moved onto the servers' clock by its own clock offset " +
	"(the servers' `clock_timestamp()` minus the midpoint of each ok probe's statement round trip, the median over the run), " +
	"so that vantages whose clocks disagree are compared on the one clock they all talked to. " +
	"The offset is known to ± half its 5th to 95th percentile range, which the spreads add to the two edges' resolutions; " +
	"a vantage without an offset keeps its own clock, is marked so and is left out of the spreads. " +
	"Recovery is the end of a vantage's last non-healthy phase; a vantage that never failed saw no outage, which is not a first error at 0."

// writeVantages is report.md's "Vantage points" section.
func (rep *Report) writeVantages(b *mdWriter) {
	if len(rep.Sum.Switchovers) == 0 {
		return
	}
	b.p("## Vantage points\n\n%s\n\n", vantageClockText)
	for i := range rep.Sum.Switchovers {
		sw := &rep.Sum.Switchovers[i]
		b.p("### %s\n\n", Escape(upperFirst(switchoverName(sw))))
		b.p("%s.\n\n", Escape(upperFirst(vantageHeading(sw))))
		vantageTable(sw).writeMarkdown(&b.Builder)
		b.p("\n- Spread of first error: %s\n", Escape(spreadText(&sw.FirstErrorSpread)))
		b.p("- Spread of recovery: %s\n\n", Escape(spreadText(&sw.RecoverySpread)))
		for _, w := range sw.Warnings {
			b.p("Warning: %s.\n\n", Escape(w))
		}
		for _, f := range rep.Figures {
			if f.Vantages == sw {
				rep.writeFigure(b, f, false)
			}
		}
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// makeVantageFigures adds one picture per switchover seen from several
// vantages.
func (rep *Report) makeVantageFigures() {
	for i := range rep.Sum.Switchovers {
		sw := &rep.Sum.Switchovers[i]
		rep.Figures = append(rep.Figures, &Figure{Name: fmt.Sprintf("vantages-%d", i+1), Title: "Vantage points of the " + switchoverName(sw), Vantages: sw,
			Alt:    "One timeline row per vantage of the " + switchoverName(sw) + ", its phases coloured by state, on the servers' clock",
			render: func(w io.Writer, format string) error { return renderVantages(w, format, sw) }})
	}
}

// renderVantages draws one row per vantage: its phases, coloured by
// state, on the servers' clock (a vantage on its own clock is drawn on it
// and named so).
func renderVantages(w io.Writer, format string, sw *result.Switchover) error {
	zero, what, clock := vantageZero(sw)
	t0 := zero.UnixNano()
	p := newPlot(shorten("Vantage points: "+switchoverName(sw), 70),
		fmt.Sprintf("seconds since %s (%s UTC), on %s", what, zero.UTC().Format("2006-01-02 15:04:05.000"), clock), "")
	n := len(sw.Vantages)
	rects := &Rects{}
	var ticks []plot.Tick
	var phases []result.Phase
	for i := range sw.Vantages {
		v := &sw.Vantages[i]
		y := float64(n - 1 - i)
		label := v.Vantage
		if v.Clock == result.VantageClockOwn {
			label += " (own clock)"
		}
		ticks = append(ticks, plot.Tick{Value: y, Label: shorten(label, 28)})
		for _, ph := range v.Phases {
			rects.Rects = append(rects.Rects, Rect{X0: secs(ph.Start.UnixNano(), t0), X1: secs(ph.End.UnixNano(), t0), Y0: y - 0.35, Y1: y + 0.35, Color: PhaseColor(ph.State)})
			phases = append(phases, result.Phase{State: ph.State})
		}
	}
	addGrid(p, true, false)
	p.Add(rects)
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = secs(sw.From.UnixNano(), t0), secs(sw.To.UnixNano(), t0)
	p.X.Tick.Marker = secondTicks{}
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	h := 1.6*vg.Inch + vg.Length(n)*0.42*vg.Inch
	return renderTo(w, format, figWidth, h, func(dc draw.Canvas) { drawWithLegend(dc, p, phaseLegend(phases)) })
}

// phaseLegend lists the phase states the picture shows, healthy first.
func phaseLegend(phases []result.Phase) []legendEntry {
	seen := map[result.PhaseState]bool{}
	for _, ph := range phases {
		seen[ph.State] = true
	}
	var l []legendEntry
	for _, s := range slices.Concat(result.PhaseStates, result.UnknownPhaseStates) {
		if seen[s] {
			l = append(l, legendEntry{Label: string(s), Color: PhaseColor(s)})
		}
	}
	return l
}

// vantageDowntime is a vantage's write downtime: "unknown" when the data
// cannot tell (with its known part as a lower bound), "-" without writes.
func vantageDowntime(v *result.VantageResult) string {
	if v.WriteDowntime == nil && v.WriteDowntimeUnknown != "" {
		if v.KnownWriteDowntime == nil {
			return "unknown"
		}
		return fmtDowntime(nil, v.KnownWriteDowntime)
	}
	return fmtOptDur(v.WriteDowntime)
}
