package report

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/switchwatch/switchwatch/analyze"
)

// TestHDRLogRoundTrip writes the latency logs of the shipped runs and reads
// them back with hdrhistogram-go's own log reader, as HdrHistogram's tools
// would: every successful probe of every stream is in the interval of its
// phase, each interval is tagged with its phase, and a phase without a
// success is a comment, not an interval.
func TestHDRLogRoundTrip(t *testing.T) {
	sum, err := analyze.Analyze(context.Background(), []string{"../testdata/runs"}, analyze.Options{Latencies: true})
	if err != nil {
		t.Fatal(err)
	}
	logs := 0
	for ri := range sum.Runs {
		r := &sum.Runs[ri]
		if len(r.Latencies) != len(r.Streams) {
			t.Fatalf("run %s: latencies of %d streams, has %d", r.RunID, len(r.Latencies), len(r.Streams))
		}
		for si := range r.Latencies {
			sl := &r.Latencies[si]
			var buf bytes.Buffer
			if err := WriteHDRLog(&buf, r, sl); err != nil {
				t.Fatal(err)
			}
			logs++
			var st *analyze.StreamResult
			for i := range r.Streams {
				if r.Streams[i].Stream == sl.Stream {
					st = &r.Streams[i]
				}
			}
			wantOK := st.States[analyze.StateOK] + st.States[analyze.StateSlow] + st.States[analyze.StateStalled]
			reader := hdrhistogram.NewHistogramLogReader(bytes.NewReader(buf.Bytes()))
			var got int64
			intervals := 0
			for {
				h, err := reader.NextIntervalHistogram()
				if errors.Is(err, io.EOF) || h == nil && err == nil {
					break
				}
				if err != nil {
					t.Fatalf("run %s stream %s: read back interval %d: %v\n%s", r.RunID, sl.Stream, intervals, err, buf.String())
				}
				if !strings.HasPrefix(h.Tag(), "phase") {
					t.Errorf("interval tag %q", h.Tag())
				}
				got += h.TotalCount()
				intervals++
			}
			if got != wantOK {
				t.Errorf("run %s stream %s: %d latencies in the log, the stream had %d successful probes", r.RunID, sl.Stream, got, wantOK)
			}
			empty := strings.Count(buf.String(), ": no successful probe from")
			if intervals+empty != len(r.Phases) {
				t.Errorf("run %s stream %s: %d intervals and %d empty phases, the run has %d phases", r.RunID, sl.Stream, intervals, empty, len(r.Phases))
			}
		}
	}
	if logs == 0 {
		t.Fatal("no log written")
	}
}
