package result

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// StreamLatency is one stream's latency per phase of its run, for
// HdrHistogram interval logs (Options.Latencies; never in the JSON).
type StreamLatency struct {
	Stream string
	Phases []PhaseLatency
	// Clamped counts latencies above an hour, recorded as an hour.
	Clamped int64
}

// PhaseLatency is the latency of a stream's successful probes whose
// intended start lies in one phase of the run.
type PhaseLatency struct {
	Phase int
	State PhaseState
	Start time.Time
	End   time.Time
	Hist  *hdrhistogram.Histogram
}
