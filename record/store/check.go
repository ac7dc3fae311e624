package store

import (
	"fmt"
	"slices"
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
	oneOf := func(field, v string, allowed ...string) error {
		if slices.Contains(allowed, v) {
			return nil
		}
		if v == "" {
			return fmt.Errorf("no %q", field)
		}
		return fmt.Errorf("%s %q is none of %q", field, v, allowed)
	}
	for _, f := range []struct {
		name, v string
		allowed []string
	}{
		{ColKind, p.Kind, ProbeKinds},
		{ColConn, p.Conn, []string{ConnNew, ConnPooled}},
		{ColEndpoint, p.Endpoint, []string{EndpointWrite, EndpointRead}},
		{ColOutcome, p.Outcome, []string{OutcomeOK, OutcomeError, OutcomeTimeout, OutcomeSkipped}},
	} {
		if err := oneOf(f.name, f.v, f.allowed...); err != nil {
			return err
		}
	}
	if p.Profile != "" {
		if err := CheckProfileName(p.Profile); err != nil {
			return fmt.Errorf("%s: %w", ColProfile, err)
		}
	}
	if p.ErrorClass != "" && !slices.Contains(ErrorClasses, p.ErrorClass) {
		return fmt.Errorf("%s %q is not an error class", ColErrorClass, p.ErrorClass)
	}
	if p.Seq < 0 {
		return fmt.Errorf("%s %d is negative", ColSeq, p.Seq)
	}
	if p.LatencyNS < 0 {
		return fmt.Errorf("%s %d is negative", ColLatency, p.LatencyNS)
	}
	for _, t := range []struct {
		name     string
		v        int64
		optional bool
	}{{ColIntended, p.Intended, false}, {ColStart, p.Start, true}, {ColConnectDone, p.ConnectDone, true}, {ColEnd, p.End, true}} {
		if t.v == 0 && t.optional {
			continue
		}
		if t.v < minPlausibleTime || t.v >= maxPlausibleTime {
			return fmt.Errorf("%s %d is not a time between the years 2000 and 2200 in nanoseconds since 1970", t.name, t.v)
		}
	}
	if p.Start != 0 && p.End != 0 && p.End < p.Start {
		return fmt.Errorf("%s is before %s", ColEnd, ColStart)
	}
	return nil
}
