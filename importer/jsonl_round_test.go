package importer

import "testing"

// TestLatencyMSIsRounded: a latency in milliseconds is the nanoseconds it
// says, not one less: 4.177 ms is 4,176,999.9999... ns in floating point.
func TestLatencyMSIsRounded(t *testing.T) {
	for ms, want := range map[string]int64{"4.177": 4177000, "0.001": 1000, "1.1": 1100000, "2": 2000000} {
		p, err := parseJSONLLine([]byte(`{"time":"2026-11-25T19:00:00Z","op":"write","outcome":"ok","latency_ms":` + ms + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if p.LatencyNS != want {
			t.Errorf("latency_ms %s: %d ns, want %d", ms, p.LatencyNS, want)
		}
	}
}
