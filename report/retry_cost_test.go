package report

import (
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record/store"
)

// costRun is one write stream over [0, 30 s): healthy, 4 s of connect
// timeouts (each probe took its 3 s timeout), healthy, 4 s read-only (each
// probe answered with an error in 2 ms), healthy.
func costRun() *analyze.RunResult {
	s, ms := time.Second, time.Millisecond
	return writeRun(store.ConnNew,
		handSegment(0, 10*s, analyze.StateOK, 20*ms),
		handSegment(10*s, 14*s, analyze.StateUnavailable, 3*s),
		handSegment(14*s, 20*s, analyze.StateOK, 20*ms),
		handSegment(20*s, 24*s, analyze.StateReadOnly, 2*ms),
		handSegment(24*s, 30*s, analyze.StateOK, 20*ms))
}

// TestReplayChargesLatency: a failed attempt costs what the recorded probes
// took there: a connect timeout its 3 s, a read-only error 2 ms.
func TestReplayChargesLatency(t *testing.T) {
	tl, ok := TimelineOf(costRun(), store.KindWrite)
	if !ok {
		t.Fatal("no write timeline")
	}
	t0 := handT0.UnixNano()
	wantCost := []costInterval{{t0 + 10*sec, t0 + 14*sec, 3 * sec}, {t0 + 20*sec, t0 + 24*sec, int64(2 * time.Millisecond)}}
	if len(tl.Cost) != len(wantCost) || tl.Cost[0] != wantCost[0] || tl.Cost[1] != wantCost[1] {
		t.Fatalf("cost %v, want %v", tl.Cost, wantCost)
	}
	p, _ := ParseRetry("10x100ms")
	rp := ReplayTimeline(&tl, p)
	ms := int64(time.Millisecond)
	// Connect timeouts, arrival t in [10 s, 14 s): attempts at t, t+3.1 s,
	// t+6.2 s. t ≥ 10.9 s succeeds at the second (3.1 s added, 3.1 s of
	// arrivals), earlier ones at the third (6.2 s added, 0.9 s).
	// Read-only, arrival t in [20 s, 24 s): attempts 102 ms apart; the 11
	// attempts cover 1.02 s, so arrivals before 22.98 s fail every time
	// (2.98 s) and the rest succeed after j·102 ms, j = 1..10, 102 ms each.
	if rp.Failing != 8*sec {
		t.Errorf("failing %v, want 8s", time.Duration(rp.Failing))
	}
	if rp.Failed != 2980*ms {
		t.Errorf("failed %v, want 2.98s (read-only arrivals before 22.98 s)", time.Duration(rp.Failed))
	}
	got := map[int64]int64{}
	for i := range rp.Delayed {
		got[rp.AddedNS[i]] = rp.Delayed[i]
	}
	want := map[int64]int64{3100 * ms: 3100 * ms, 6200 * ms: 900 * ms}
	for j := int64(1); j <= 10; j++ {
		want[j*102*ms] = 102 * ms
	}
	if len(got) != len(want) {
		t.Errorf("delayed %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("arrivals delayed by %v: %v, want %v", time.Duration(k), time.Duration(got[k]), time.Duration(v))
		}
	}
	if m := rp.MaxAddedNS(); m != 6200*ms {
		t.Errorf("max added %v, want 6.2s: two timed-out attempts and two delays", time.Duration(m))
	}
	var total int64
	for _, d := range rp.Delayed {
		total += d
	}
	if rp.Failed+total != rp.Failing {
		t.Errorf("failed %d + delayed %d != failing %d", rp.Failed, total, rp.Failing)
	}
}

// TestCostUnion: where failing streams of one kind overlap, an attempt
// costs the dearest of them.
func TestCostUnion(t *testing.T) {
	got := costUnion([]costInterval{{0, 10, 5}, {5, 15, 1}, {20, 30, 2}, {30, 40, 2}})
	want := []costInterval{{0, 10, 5}, {10, 15, 1}, {20, 40, 2}}
	if len(got) != len(want) {
		t.Fatalf("costUnion = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("costUnion = %v, want %v", got, want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0 runs", 1: "1 run", 2: "2 runs", 1000: "1000 runs"} {
		if got := Count(n, "run", "runs"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
