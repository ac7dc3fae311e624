package analyze

import (
	"context"
	"os"
	"testing"
	"time"
)

// testdata/analyze/lab holds two runs recorded by `switchwatch lab run
// --scenario aurora --conn new,pooled` on a shared, heavily loaded 2-core
// machine (probe latencies of 30-700 ms), copied as they were written.
const labRuns = "../testdata/analyze/lab"

// On real lab runs every step that changes what clients see lies where
// the probes place a change: from one probe interval before a detected
// boundary to the end of the first probe after it. Two exceptions are
// known and excused here, not hidden: blue_read_only is stamped by the lab
// when it issues the change, which takes effect 0.1-0.7 s later on these
// runs; and a step that follows another within one interval (the endpoint
// refusing 44 ms after blue was killed) shares its boundary.
func checkLabTruth(t *testing.T, dir string) *Summary {
	t.Helper()
	sum, err := Analyze(context.Background(), []string{dir}, Options{Truth: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Input.Skipped) != 0 {
		t.Fatalf("skipped %v", sum.Input.Skipped)
	}
	var prev BoundaryError
	checked := 0
	for _, b := range sum.Accuracy.Boundaries {
		if !b.Expected {
			continue
		}
		shared := prev.RunID == b.RunID && b.EventTime.Sub(prev.EventTime) <= time.Duration(b.ResolutionNS)
		prev = b
		if b.Event == "blue_read_only" || shared {
			continue
		}
		checked++
		if !b.Within {
			t.Errorf("%s %s %s: nearest boundary %+.3fs away (%s, first probe %v), want within [-%v, +%v]",
				b.RunID, b.Event, b.Edge, float64(b.ErrorNS)/1e9, b.Stream, time.Duration(b.LatencyNS),
				time.Duration(b.LatencyNS), time.Duration(b.ResolutionNS))
		}
	}
	if checked == 0 {
		t.Errorf("no event edge checked")
	}
	return sum
}

func TestLabAurora(t *testing.T) {
	sum := checkLabTruth(t, labRuns)
	if len(sum.Runs) != 2 {
		t.Fatalf("%d runs", len(sum.Runs))
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
}

// The lab's own committed runs (aurora, dns, pgbouncer, patroni): every
// expected edge of their real switchovers lies where the probes place a change.
func TestLabTestdataRuns(t *testing.T) {
	dir := "../testdata/runs"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no %s", dir)
	}
	sum := checkLabTruth(t, dir)
	// The accuracy the README and analyze/README.md quote: mean signed
	// error within ±15 ms at the 100 ms interval, the largest within one
	// interval, over the edges dated by a probe that ended within one.
	a := sum.Accuracy
	if a.ErrorEdges == 0 || a.MeanErrorNS < -int64(15*time.Millisecond) || a.MeanErrorNS > int64(15*time.Millisecond) ||
		a.MaxErrorNS > int64(100*time.Millisecond) {
		t.Errorf("shipped runs' accuracy: mean %v, largest %v over %d edges; want within ±15 ms and one interval (100 ms)",
			time.Duration(a.MeanErrorNS), time.Duration(a.MaxErrorNS), a.ErrorEdges)
	}
	if a.Within != a.Total {
		t.Errorf("%d of %d expected edges within", a.Within, a.Total)
	}
}
