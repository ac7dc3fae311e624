package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// decimals is the number of decimals of seconds a resolution warrants: 1
// for 100 ms, 2 for 10 ms, 3 at most (0 resolution: 3).
func decimals(resNS int64) int {
	if resNS <= 0 {
		return 3
	}
	return max(0, min(3, int(math.Ceil(-math.Log10(float64(resNS)/1e9)-1e-9))))
}

// fmtSec formats nanoseconds as seconds, "7.1 s", with the decimals the
// resolution warrants.
func fmtSec(ns float64, resNS int64) string {
	return strconv.FormatFloat(ns/1e9, 'f', decimals(resNS), 64) + " s"
}

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
