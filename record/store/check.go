package store

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Plausible timestamps: a probe row stamped outside these years is damage
// (a zero or negative time, a unit mix-up), never a recording.
var (
	minPlausibleTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	maxPlausibleTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
)

// Check reports the first thing that makes p no probe row the recorder
// could have written: an unknown kind, connection mode, endpoint, outcome
// or error class, a negative seq or latency, a timestamp outside the years
// 2000 to 2200, an end before the start. Readers of rows that were not
// written through a Parquet schema (journals) check every row with it, so
// that `{}` or `"intended": -5` is a bad line, not a probe of 1970.
func (p *Probe) Check() error {
	for _, f := range []struct{ col, v string }{
		{ColKind, p.Kind}, {ColConn, p.Conn}, {ColEndpoint, p.Endpoint}, {ColOutcome, p.Outcome},
	} {
		if err := CheckValue(f.col, f.v); err != nil {
			return err
		}
	}
	if p.Profile != "" {
		if err := CheckProfileName(p.Profile); err != nil {
			return fmt.Errorf("%s: %w", ColProfile, err)
		}
	}
	if p.ErrorClass != "" {
		if err := CheckValue(ColErrorClass, p.ErrorClass); err != nil {
			return err
		}
	}
	if p.Seq < 0 {
		return fmt.Errorf("%s %d is negative", ColSeq, p.Seq)
	}
	if err := CheckLatency(p.LatencyNS); err != nil {
		return err
	}
	for _, t := range []struct {
		name     string
		v        int64
		optional bool
	}{{ColIntended, p.Intended, false}, {ColStart, p.Start, true}, {ColConnectDone, p.ConnectDone, true}, {ColEnd, p.End, true}} {
		if t.v == 0 && t.optional {
			continue
		}
		if err := CheckTime(t.name, t.v); err != nil {
			return err
		}
	}
	if p.Start != 0 && p.End != 0 && p.End < p.Start {
		return fmt.Errorf("%s is before %s", ColEnd, ColStart)
	}
	return nil
}

// enumValues are the values the format allows in its closed-vocabulary
// columns: exactly these, in lower case. A file with another value (OK,
// WRITE, failed) is another tool's, not read as something else.
var enumValues = map[string][]string{
	ColKind:       {KindWrite, KindRead, KindConnect},
	ColConn:       {ConnNew, ConnPooled},
	ColEndpoint:   {EndpointWrite, EndpointRead},
	ColOutcome:    {OutcomeOK, OutcomeError, OutcomeTimeout, OutcomeSkipped},
	ColErrorClass: ErrorClasses,
}

// CheckValue reports whether v is a value the format allows in column
// col: for kind, conn, endpoint, outcome and error_class one of their
// closed lists (an empty error_class, NULL, is allowed; an empty value of
// the others is not). Other columns have no closed vocabulary: nil.
func CheckValue(col, v string) error {
	allowed, ok := enumValues[col]
	switch {
	case !ok || slices.Contains(allowed, v):
		return nil
	case v == "" && col == ColErrorClass:
		return nil
	case v == "":
		return fmt.Errorf("no %q", col)
	case col == ColErrorClass:
		return fmt.Errorf("%s %q is not an error class", col, v)
	}
	return fmt.Errorf("%s %q is none of %s", col, v, strings.Join(allowed, ", "))
}

// MaxLatency bounds a plausible probe latency: no recorder's timeout is
// near a day, so a latency beyond it (2^63-1 ns, 292 years, from a
// conversion gone wrong) is damage, as is a negative one.
const MaxLatency = 24 * time.Hour

// Plausible reports whether a row's latency_ns and intended start pass
// CheckLatency and CheckTime, without making their errors: a reader asks
// it of every row, and those two only of a row it refuses, for the why.
func Plausible(latencyNS, intended int64) bool {
	return latencyNS >= 0 && latencyNS <= int64(MaxLatency) && intended >= minPlausibleTime && intended < maxPlausibleTime
}

// CheckTime reports a timestamp of column col that no recorder writes:
// outside the years 2000 to 2200 (a zero or negative time, a unit mix-up,
// a clock of 1970).
func CheckTime(col string, ns int64) error {
	if ns < minPlausibleTime || ns >= maxPlausibleTime {
		return fmt.Errorf("%s %d is not a time between the years 2000 and 2200 in nanoseconds since 1970", col, ns)
	}
	return nil
}

// CheckLatency reports a latency_ns no recorder measures: negative, or
// above MaxLatency.
func CheckLatency(ns int64) error {
	switch {
	case ns < 0:
		return fmt.Errorf("%s %d is negative", ColLatency, ns)
	case ns > int64(MaxLatency):
		return fmt.Errorf("%s %d is more than %v", ColLatency, ns, MaxLatency)
	}
	return nil
}
