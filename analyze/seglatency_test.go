package analyze

import (
	"testing"
	"time"
)

// TestSegmentMedianLatency: a segment carries what its probes typically
// took: a connect timeout about its timeout (3 s in synth), a read-only
// error a round trip.
func TestSegmentMedianLatency(t *testing.T) {
	sum, _ := analyzeOne(t, aurora("seglat"), Options{})
	seen := map[State]bool{}
	for _, s := range sum.Runs[0].Streams {
		for _, seg := range s.Segments {
			switch seg.State {
			case StateUnavailable:
				if seg.MedianLatencyNS < int64(3*time.Second) || seg.MedianLatencyNS > int64(3100*time.Millisecond) {
					t.Errorf("%s: unavailable segment median latency %v, want the 3 s timeout", s.Stream, time.Duration(seg.MedianLatencyNS))
				}
			case StateReadOnly, StateOK:
				if seg.MedianLatencyNS <= 0 || seg.MedianLatencyNS > int64(100*time.Millisecond) {
					t.Errorf("%s: %s segment median latency %v, want a round trip", s.Stream, seg.State, time.Duration(seg.MedianLatencyNS))
				}
			}
			seen[seg.State] = true
		}
	}
	if !seen[StateUnavailable] || !seen[StateReadOnly] {
		t.Errorf("states seen %v: want unavailable and read_only segments", seen)
	}
}
