package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/analyze/result"
)

// The formatters below are the only ones the text table, the Markdown
// and the pictures use, so that they cannot disagree about a number.

// decimals is the number of decimals of seconds a resolution warrants: 1
// for 100 ms, 2 for 10 ms, 3 for 1 ms, at most 9 (0 resolution: 3).
func decimals(resNS int64) int {
	if resNS <= 0 {
		return 3
	}
	return max(0, min(9, int(math.Ceil(-math.Log10(float64(resNS)/1e9)-1e-9))))
}

// fmtSec formats nanoseconds as seconds, "7.1 s", with the decimals the
// resolution warrants.
func fmtSec(ns float64, resNS int64) string {
	return strconv.FormatFloat(ns/1e9, 'f', decimals(resNS), 64) + " s"
}

// fmtDur formats a measured Duration with its resolution's decimals,
// "7.1 s". A zero without resolution (no window at all) is exactly "0 s".
func fmtDur(d result.Duration) string {
	if d.Unknown {
		return "unknown" // the data cannot tell (result.Metrics.Unknown)
	}
	if d.NS == 0 && d.ResolutionNS == 0 {
		return "0 s"
	}
	return fmtSec(float64(d.NS), d.ResolutionNS)
}

// fmtDurPM is fmtDur with its resolution: "7.1 s ± 0.1 s".
func fmtDurPM(d result.Duration) string {
	if d.ResolutionNS == 0 {
		return fmtDur(d)
	}
	return fmtDur(d) + " ± " + fmtSec(float64(d.ResolutionNS), d.ResolutionNS)
}

// fmtOptDur is fmtDur of an optional Duration, "-" without one.
func fmtOptDur(d *result.Duration) string {
	if d == nil {
		return "-"
	}
	return fmtDur(*d)
}

// fmtExact formats a time measured to the nanosecond rather than on the
// probe grid (a latency, a staleness, a slow threshold) with three
// significant digits: "3.59 ms", "12.3 s"; zero is "0 s".
func fmtExact(ns float64) string {
	if ns == 0 {
		return "0 s"
	}
	v, unit := ns/1e6, " ms"
	if math.Abs(ns) >= 1e9 {
		v, unit = ns/1e9, " s"
	}
	s := strconv.FormatFloat(v, 'g', 3, 64)
	if strings.ContainsRune(s, 'e') {
		s = strconv.FormatFloat(v, 'f', 0, 64)
	}
	return s + unit
}

// statVal formats a value of a metric in its unit: a time with the
// decimals its resolution warrants (fmtExact when it has none), a count
// with fmtCount.
func statVal(st *result.Stats, v float64) string {
	if st.Unit != result.UnitNS {
		return fmtCount(v)
	}
	if st.ResolutionNS == 0 {
		return fmtExact(v)
	}
	return fmtSec(v, st.ResolutionNS)
}

// fmtSignedMS is a signed difference of two clock readings, such as a
// boundary's error against ground truth, in whole milliseconds: the
// precision both clocks are printed with (fmtClock).
func fmtSignedMS(ns int64) string {
	if ms := math.Round(float64(ns) / 1e6); ms != 0 {
		return fmt.Sprintf("%+.0f ms", ms)
	}
	return "0 ms"
}

// fmtClock formats the time of day of a moment, in UTC, to the millisecond.
func fmtClock(t time.Time) string { return t.UTC().Format("15:04:05.000") }

// fmtDuration formats a configured duration (retry delays, intervals):
// "200 ms", "2 s", "1.5 s".
func fmtDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0 s"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e3, 'g', 4, 64) + " µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'g', 4, 64) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'g', 6, 64) + " s"
}

// fmtCount formats a count or an expected count with thousands separators:
// "2,000", "12.5", "0.03".
func fmtCount(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	neg := v < 0
	v = math.Abs(v)
	var s string
	switch {
	case v == math.Trunc(v) || v >= 100:
		s = groupThousands(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
	case v >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 0.01:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 2, 64)
	}
	if neg {
		s = "-" + s
	}
	return s
}

func groupThousands(s string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// fmtTime formats a moment for people, in UTC.
func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// fmtPct formats a share as a percentage.
func fmtPct(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }

// changeClock says which clock a change's time is on and its resolution:
// changes are dated when a probe saw them, phases by intended starts.
func changeClock(clock string, resolutionNS int64) string {
	if clock == "" {
		return ""
	}
	return fmt.Sprintf(" (%s, ±%s)", clock, fmtSec(float64(resolutionNS), resolutionNS))
}

// dnsWho names the endpoint and connection mode that saw a DNS change.
// dnsProfile is who saw a DNS change: its profile, or its connection
// mode for the built-in profiles.
func dnsProfile(c *result.DNSChange) string {
	if c.Profile != "" {
		return c.Profile
	}
	return c.Conn
}

func dnsWho(endpoint, conn string) string {
	if conn == "" {
		return endpoint
	}
	return endpoint + "/" + conn
}

// staleDialLine says that a stream still used connections dialled to an
// address a DNS change dropped.
func staleDialLine(sd result.StaleDial) string {
	line := fmt.Sprintf("stale dial %s: %d %s still on %s after the DNS change at %s, the last at %s",
		sd.Stream, sd.Probes, plural(int(sd.Probes), "probe", "probes"), sd.Addr, fmtClock(sd.DNSChange), fmtClock(sd.Last))
	if sd.Failed > 0 {
		line += fmt.Sprintf(", %d failed", sd.Failed)
	}
	if sd.MaxAgeNS > 0 {
		line += ", oldest connection " + fmtSec(float64(sd.MaxAgeNS), 0) + " old"
	}
	return line + " (observed)"
}

// clockOffsetLine is the servers' clock offset from the recorder's.
func clockOffsetLine(o *result.ClockOffset) string {
	return fmt.Sprintf("server clock − client clock: median %s (5th to 95th percentile %s to %s, %d probes)",
		fmtOffsetMS(o.MedianNS), fmtOffsetMS(o.P5NS), fmtOffsetMS(o.P95NS), o.Probes)
}

// fmtOffsetMS formats a small signed clock offset in milliseconds, to the
// hundredth (a median over many probes of nanosecond readings): "+0.21 ms".
func fmtOffsetMS(ns int64) string { return fmt.Sprintf("%+.2f ms", float64(ns)/1e6) }

// numFmt formats every number of one row of a table, the values of one
// metric across groups, in one unit with the same decimals, so that "0 s"
// never stands beside "0.0 s" nor "3 s" beside "9.0 s". The unit is said
// once (beside the metric), not in every cell. Make one with rowFmt.
type numFmt struct {
	unit     string  // "s", "ms", or "" for a count
	scale    float64 // a value in the metric's unit (ns, count) divided by scale is in unit
	decimals int
}

// rowFmt is the formatter of a row of a metric in unit (result.UnitNS or
// UnitCount), from the coarsest resolution of its values (resNS, 0 for a
// time measured to the nanosecond) and the values themselves:
//
//   - a time on the probe grid is in seconds with the decimals its
//     resolution warrants (100 ms: one);
//   - a time measured exactly (a latency) is in milliseconds, with no
//     decimals when the row reaches 100 ms, one when it reaches 10 ms, else
//     two: about three significant digits of the largest value;
//   - a count is a whole number, but for the half of a median of an even
//     number of runs: "36.5 [36 37]" (decimals -1).
func rowFmt(unit string, resNS int64, vals []float64) numFmt {
	if unit != result.UnitNS {
		return numFmt{scale: 1, decimals: -1}
	}
	if resNS > 0 {
		return numFmt{unit: "s", scale: 1e9, decimals: decimals(resNS)}
	}
	var m float64
	for _, v := range vals {
		m = max(m, math.Abs(v))
	}
	f := numFmt{unit: "ms", scale: 1e6, decimals: 2}
	switch {
	case m >= 100e6:
		f.decimals = 0
	case m >= 10e6:
		f.decimals = 1
	}
	return f
}

// num formats v (in the metric's unit) without the unit: "9.0", "2,000".
// A value that rounds to zero is "0.0", never "-0.0".
func (f numFmt) num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	x := v / f.scale
	if f.isZero(v) {
		x = 0
	}
	var s string
	switch {
	case f.decimals < 0: // a count
		s = strconv.FormatFloat(math.Abs(x), 'f', -1, 64)
		if math.Abs(x-math.Round(x)) > 1e-9 && math.Abs(x*2-math.Round(x*2)) > 1e-9 {
			s = strconv.FormatFloat(math.Abs(x), 'f', 1, 64) // a mean, not a median
		}
		whole, frac, _ := strings.Cut(s, ".")
		s = groupThousands(whole)
		if frac != "" {
			s += "." + frac
		}
	default:
		s = strconv.FormatFloat(math.Abs(x), 'f', f.decimals, 64)
	}
	if x < 0 {
		s = "-" + s
	}
	return s
}

// isZero reports whether v shows as zero at the formatter's decimals: a
// baseline that is zero to its resolution, against which no percentage
// means anything.
func (f numFmt) isZero(v float64) bool {
	if f.decimals < 0 {
		return v == 0
	}
	return math.Abs(v/f.scale) < 0.5*math.Pow(10, -float64(f.decimals))
}

// delta formats a signed difference: "+1.9", "-0.3"; "0.0" when it rounds
// to zero.
func (f numFmt) delta(v float64) string {
	s := f.num(v)
	if !f.isZero(v) && v > 0 {
		s = "+" + s
	}
	return s
}

// fmtDeltaPct formats a relative difference in percent: "-88%", "+12%";
// "+2.5%" below 10%, where a whole percent would hide it; a tenfold or
// more as a factor, "×217", rather than "+21600%".
func fmtDeltaPct(pct float64) string {
	if r := 1 + pct/100; r >= 10 {
		return "×" + strconv.FormatFloat(r, 'f', 0, 64)
	}
	if math.Abs(pct) < 9.95 || (math.Abs(pct) >= 99.5 && math.Abs(pct) < 100.5 && math.Abs(pct) != 100) {
		// one decimal where a whole percent would hide the change, or
		// would read as all (-100%) of it
		return fmt.Sprintf("%+.1f%%", pct)
	}
	return fmt.Sprintf("%+.0f%%", pct)
}
