package report

import (
	"testing"
	"time"
)

func TestParseRetry(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		in   string
		want []time.Duration
		desc string
	}{
		{"5x200ms", []time.Duration{200 * ms, 200 * ms, 200 * ms, 200 * ms, 200 * ms}, "5 retries 200 ms apart"},
		{"1x1s", []time.Duration{time.Second}, "1 retry 1 s apart"},
		{"exp:100ms,1s,6", []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, time.Second}, "6 retries with exponential backoff from 100 ms, capped at 1 s"},
		{"none", nil, "no retries"},
		{"0x1s", nil, "0 retries 1 s apart"},
	} {
		p, err := ParseRetry(c.in)
		if err != nil {
			t.Errorf("ParseRetry(%q): %v", c.in, err)
			continue
		}
		if len(p.Delays) != len(c.want) {
			t.Errorf("ParseRetry(%q) delays %v, want %v", c.in, p.Delays, c.want)
			continue
		}
		for i := range c.want {
			if p.Delays[i] != c.want[i] {
				t.Errorf("ParseRetry(%q) delays %v, want %v", c.in, p.Delays, c.want)
				break
			}
		}
		if p.String() != c.desc {
			t.Errorf("ParseRetry(%q).String() = %q, want %q", c.in, p.String(), c.desc)
		}
	}
	for _, bad := range []string{"", "5", "x200ms", "5xfoo", "-1x1s", "exp:1s", "exp:1s,100ms,3", "exp:0s,1s,3", "exp:1s,2s,-1", "100000x1ms"} {
		if _, err := ParseRetry(bad); err == nil {
			t.Errorf("ParseRetry(%q) accepted a bad policy", bad)
		}
	}
}

const sec = int64(time.Second)

// TestReplay checks the replay against hand-computed answers on a timeline
// failing in [10 s, 14 s) and [15 s, 16 s) of a run [0, 30 s).
func TestReplay(t *testing.T) {
	tl := &Timeline{Start: 0, End: 30 * sec, Fail: []interval{{10 * sec, 14 * sec}, {15 * sec, 16 * sec}}}
	rp := ReplayTimeline(tl, nil)
	if rp.Failing != 5*sec || rp.Failed != 5*sec || len(rp.Delayed) != 0 {
		t.Fatalf("no retry: %+v, want 5 s failing and failed", rp)
	}
	p, _ := ParseRetry("2x1s")
	rp = ReplayTimeline(tl, p)
	// attempts at t, t+1, t+2 all failing: t in [10,12) (t+2 in [12,14))
	// or t=13..14 → t+2 in [15,16): t in [13,14) with t+1 in [14,15)
	// healthy: no. So failed = [10,12) = 2 s.
	if rp.Failed != 2*sec {
		t.Errorf("2x1s: failed %v, want 2s", time.Duration(rp.Failed))
	}
	// delayed by 1 retry: t failing, t+1 healthy: t in [13,14) ∪ [15,16) = 2 s
	// delayed by 2: t, t+1 failing, t+2 healthy: t in [12,13) = 1 s
	if rp.Delayed[0] != 2*sec || rp.Delayed[1] != 1*sec {
		t.Errorf("2x1s: delayed %v, want [2s 1s]", rp.Delayed)
	}
	if rp.Failing != rp.Failed+rp.Delayed[0]+rp.Delayed[1] {
		t.Errorf("failing %d != failed + delayed %d", rp.Failing, rp.Failed+rp.Delayed[0]+rp.Delayed[1])
	}
	if got := rp.MaxAddedNS(); got != 2*sec {
		t.Errorf("max added %v, want 2s", time.Duration(got))
	}
	if got := rp.AddedQuantile(0.5); got != sec {
		t.Errorf("median added %v, want 1s", time.Duration(got))
	}
	// enough retries: nothing fails
	p, _ = ParseRetry("5x1s")
	if rp := ReplayTimeline(tl, p); rp.Failed != 0 || rp.MaxAddedNS() != 4*sec {
		t.Errorf("5x1s: failed %v max added %v, want 0 and 4s", time.Duration(rp.Failed), time.Duration(rp.MaxAddedNS()))
	}
}

// TestReplayNotRecovered: a run that ends failing keeps failing after its
// end, so retries past the end do not help.
func TestReplayNotRecovered(t *testing.T) {
	tl := &Timeline{Start: 0, End: 30 * sec, Fail: []interval{{25 * sec, 30 * sec}}, FailingAtEnd: true}
	p, _ := ParseRetry("10x1s")
	rp := ReplayTimeline(tl, p)
	if rp.Failed != 5*sec {
		t.Errorf("failed %v, want 5s: retries after the end of a failing run must fail", time.Duration(rp.Failed))
	}
	if !tl.FailingAt(40*sec) || tl.FailingAt(24*sec) || !tl.FailingAt(25*sec) {
		t.Error("FailingAt disagrees with the timeline")
	}
}
