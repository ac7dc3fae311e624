package report

import (
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record/store"
)

// stallRun is one write stream: healthy, 2 s stalled, 1 s unavailable,
// healthy.
func stallRun() *analyze.RunResult {
	s := time.Second
	return writeRun(store.ConnPooled,
		handSegment(0, 5*s, analyze.StateOK, 0),
		handSegment(5*s, 7*s, analyze.StateStalled, 0),
		handSegment(7*s, 8*s, analyze.StateUnavailable, 0),
		handSegment(8*s, 12*s, analyze.StateOK, 0))
}

// A stalled request is answered, so it does not fail, but it is not served
// in time: the typical switchover counts it as late.
func TestStalledIsLateNotFailed(t *testing.T) {
	tl, ok := TimelineOf(stallRun(), store.KindWrite)
	if !ok {
		t.Fatal("no write timeline")
	}
	at := func(d time.Duration) int64 { return handT0.Add(d).UnixNano() }
	if tl.FailingAt(at(6*time.Second)) || !tl.LateAt(at(6*time.Second)) {
		t.Errorf("at 6 s (stalled): failing %v late %v, want not failing but late", tl.FailingAt(at(6*time.Second)), tl.LateAt(at(6*time.Second)))
	}
	if !tl.FailingAt(at(7500*time.Millisecond)) || !tl.LateAt(at(7500*time.Millisecond)) {
		t.Error("at 7.5 s (unavailable): want failing and late")
	}
	if tl.LateAt(at(9 * time.Second)) {
		t.Error("at 9 s (healthy): late")
	}
	if got := time.Duration(tl.Downtime()); got != time.Second {
		t.Errorf("downtime %v, want 1s (a stall is not a failure)", got)
	}
	if got := time.Duration(tl.StallTime()); got != 2*time.Second {
		t.Errorf("stall time %v, want 2s", got)
	}
}

// At a rate, the capacity planning counts the requests that would wait
// beyond the stall threshold apart from the failed ones.
func TestReplayCountsStalledRequests(t *testing.T) {
	tl, _ := TimelineOf(stallRun(), store.KindWrite)
	rp := ReplayTimeline(&tl, nil)
	if rp.Failing != int64(time.Second) || rp.Stalled != int64(2*time.Second) {
		t.Errorf("replay failing %v stalled %v, want 1s and 2s", time.Duration(rp.Failing), time.Duration(rp.Stalled))
	}
}

// A group whose probes never failed says so for reads as for writes, not
// "reads failed for 0 s".
func TestHeadlineNeverFailed(t *testing.T) {
	zero := func(metric string) *analyze.Stats { return &analyze.Stats{Metric: metric, N: 4} }
	g := &GroupView{Group: &analyze.Group{Key: "scenario=pgbouncer"}, stats: map[string]*analyze.Stats{
		"write_downtime": zero("write_downtime"), "read_downtime": zero("read_downtime"),
		"read_only_time": zero("read_only_time"), "unavailable_time": zero("unavailable_time"),
	}}
	rep := &Report{Sum: &analyze.Summary{}, Groups: []*GroupView{g}}
	got := rep.headline(g)
	if !strings.Contains(got, "writes never failed; reads never failed") || strings.Contains(got, "failed for") {
		t.Errorf("headline %q, want writes and reads that never failed said so", got)
	}
}

// When a kind's streams have different stall thresholds (a pool's is
// lower than a new connection's), the stall clause gives their range, not
// the largest alone: "waited up to 1.14 s, and were delayed beyond 1.44 s"
// read as a contradiction on a run where only the pool's stream stalled.
func TestStallClauseThresholdRange(t *testing.T) {
	start, end := handT0, handT0.Add(1200*time.Millisecond)
	m := &analyze.Metrics{WriteDowntime: &analyze.Duration{}, Disruption: map[string]analyze.Disruption{
		store.KindWrite: {StallTime: analyze.Duration{NS: int64(1200 * time.Millisecond), ResolutionNS: int64(100 * time.Millisecond)},
			DisruptionTime: analyze.Duration{NS: int64(1200 * time.Millisecond), ResolutionNS: int64(100 * time.Millisecond)},
			Start:          &start, End: &end, MaxLatencyNS: int64(1140 * time.Millisecond), P99LatencyNS: int64(1130 * time.Millisecond),
			StallThresholdNS: int64(1440 * time.Millisecond), StallThresholdMinNS: int64(587 * time.Millisecond)},
	}}
	got := runDisruptionLine(m, store.KindWrite)
	if !strings.Contains(got, "delayed beyond their stall thresholds (587 ms to 1.44 s) for 1.2 s") {
		t.Errorf("disruption line %q, want the thresholds' range", got)
	}
	d := m.Disruption[store.KindWrite]
	d.StallThresholdMinNS = d.StallThresholdNS
	m.Disruption[store.KindWrite] = d
	if got := runDisruptionLine(m, store.KindWrite); !strings.Contains(got, "delayed beyond 1.44 s for") {
		t.Errorf("disruption line %q, want the one threshold", got)
	}
}
