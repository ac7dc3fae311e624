package report

import (
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record/store"
)

// stallRun is one write stream: healthy, 2 s stalled, 1 s unavailable,
// healthy.
func stallRun() *analyze.RunResult {
	t0 := time.Unix(1000, 0).UTC()
	seg := func(from, to time.Duration, s analyze.State) analyze.Segment {
		return analyze.Segment{Window: analyze.Window{Start: t0.Add(from), End: t0.Add(to), DurationNS: int64(to - from), ResolutionNS: int64(100 * time.Millisecond)}, State: s}
	}
	return &analyze.RunResult{Streams: []analyze.StreamResult{{Stream: "write/pooled/write", Kind: store.KindWrite, Conn: store.ConnPooled,
		Segments: []analyze.Segment{seg(0, 5*time.Second, analyze.StateOK), seg(5*time.Second, 7*time.Second, analyze.StateStalled),
			seg(7*time.Second, 8*time.Second, analyze.StateUnavailable), seg(8*time.Second, 12*time.Second, analyze.StateOK)}}}}
}

// A stalled request is answered, so it does not fail, but it is not served
// in time: the typical switchover counts it as late.
func TestStalledIsLateNotFailed(t *testing.T) {
	tl, ok := TimelineOf(stallRun(), store.KindWrite)
	if !ok {
		t.Fatal("no write timeline")
	}
	at := func(d time.Duration) int64 { return time.Unix(1000, 0).Add(d).UnixNano() }
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
