package analyze

import (
	"testing"
	"time"
)

// TestTooShort: several expected edges all within one interval are none
// expected (too short to see); spread over more, or alone, they stay.
func TestTooShort(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(offsets ...time.Duration) []BoundaryError {
		bs := []BoundaryError{{Event: "scenario", EventTime: t0}}
		for _, o := range offsets {
			bs = append(bs, BoundaryError{Event: "e", EventTime: t0.Add(o), Expected: true})
		}
		return bs
	}
	for _, c := range []struct {
		offsets []time.Duration
		short   bool
	}{
		{[]time.Duration{8 * time.Millisecond, 45 * time.Millisecond, 46 * time.Millisecond}, true},
		{[]time.Duration{0, 99 * time.Millisecond}, true},
		{[]time.Duration{0, 100 * time.Millisecond}, false},
		{[]time.Duration{0, 30 * time.Millisecond, 4 * time.Second}, false},
		{[]time.Duration{5 * time.Millisecond}, false},
	} {
		bs := mk(c.offsets...)
		tooShort(bs, 100*time.Millisecond)
		if bs[0].Expected || bs[0].TooShort {
			t.Errorf("%v: an unexpected edge changed: %+v", c.offsets, bs[0])
		}
		for _, b := range bs[1:] {
			if b.TooShort != c.short || b.Expected == c.short {
				t.Errorf("%v: edge at %v: expected %v, too short %v; want too short %v", c.offsets, b.EventTime.Sub(t0), b.Expected, b.TooShort, c.short)
			}
		}
	}
}
