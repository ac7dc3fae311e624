package analyze

import (
	"context"
	"testing"
	"time"
)

// testdata/analyze/lab holds two runs recorded by `switchwatch lab run
// --scenario aurora --conn new,pooled` on a shared, heavily loaded 2-core
// machine (probe latencies of 30-700 ms), copied as they were written.
const labRuns = "../testdata/analyze/lab"

// On real lab runs the endpoint's no-answer window is found within one
// probe interval at both ends: timing by intended start makes the first
// probe meant to start inside the window the first to hang.
func TestLabAuroraBlackholeWithinOneInterval(t *testing.T) {
	sum, err := Analyze(context.Background(), []string{labRuns}, Options{Truth: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Runs) != 2 || len(sum.Input.Skipped) != 0 {
		t.Fatalf("%d runs, skipped %v", len(sum.Runs), sum.Input.Skipped)
	}
	n := 0
	for _, b := range sum.Accuracy.Boundaries {
		if b.Event != "endpoint_blackhole" {
			continue
		}
		n++
		if !b.Expected || !b.Within {
			t.Errorf("%s %s edge of the blackhole: nearest boundary %+.3fs away (%s), want within %v",
				b.RunID, b.Edge, float64(b.ErrorNS)/1e9, b.Stream, time.Duration(b.ResolutionNS))
		}
	}
	if n != 4 {
		t.Errorf("%d blackhole edges, want 4", n)
	}
	for _, run := range sum.Runs {
		m := run.Metrics
		// the write endpoint answered nothing for about 4 s and the new
		// primary took over: writes were down for longer than the window
		if m.WriteDowntime == nil || m.WriteDowntime.NS < int64(4*time.Second) || !m.Recovered || m.ServerChange == nil {
			t.Errorf("run %s: write downtime %v recovered %v server change %v", run.RunID, m.WriteDowntime, m.Recovered, m.ServerChange)
		}
		if m.FailedByClass["read_only"] == 0 || m.FailedByClass["connect_timeout"] == 0 {
			t.Errorf("run %s: failures %v, want read_only and connect_timeout", run.RunID, m.FailedByClass)
		}
		if last := run.Phases[len(run.Phases)-1]; !last.NewServer {
			t.Errorf("run %s ends in %q, want healthy (new server)", run.RunID, last.Label)
		}
	}
	// Known, and reported rather than asserted: blue_read_only is found
	// 0.3-0.7 s after the lab's timestamp, and green_promoted's end up to
	// 0.4 s before it, on these runs: the lab stamps the read-only switch
	// when it issues it and the promotion's end when it has seen it, and
	// probes that took hundreds of milliseconds reach the server after
	// their intended start.
}
