package report

import (
	"math"
	"testing"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestLaneRects: probes merge into one mark per run of one state and
// consecutive Seqs; a missing row leaves a gap; other streams are ignored.
func TestLaneRects(t *testing.T) {
	const iv = 100_000_000
	ok, un := analyze.StateOK, analyze.StateUnavailable
	var ps []probe
	add := func(stream int, seq int64, st analyze.State) {
		ps = append(ps, probe{stream: stream, seq: seq, intended: seq * iv, state: st})
	}
	for s := int64(0); s < 5; s++ {
		add(0, s, ok)
	}
	add(0, 5, un)
	add(0, 6, un)
	// seq 7 is missing
	add(0, 8, un)
	add(1, 0, ok)
	rects := laneRects(ps, 0, iv, 0, 0)
	want := []struct {
		x0, x1 float64
		st     analyze.State
	}{{0, 0.5, ok}, {0.5, 0.7, un}, {0.8, 0.9, un}}
	if len(rects) != len(want) {
		t.Fatalf("got %d marks %+v, want %d", len(rects), rects, len(want))
	}
	for i, w := range want {
		r := rects[i]
		if math.Abs(r.X0-w.x0) > 1e-9 || math.Abs(r.X1-w.x1) > 1e-9 || r.State != w.st || r.Color != StateColor(w.st) {
			t.Errorf("mark %d = [%v, %v) %s, want [%v, %v) %s", i, r.X0, r.X1, r.State, w.x0, w.x1, w.st)
		}
	}
}

// TestProbeState mirrors the analyzer's classification.
func TestProbeState(t *testing.T) {
	for _, c := range []struct {
		p    store.Probe
		want analyze.State
	}{
		{store.Probe{Outcome: store.OutcomeOK, LatencyNS: 5}, analyze.StateOK},
		{store.Probe{Outcome: store.OutcomeOK, LatencyNS: 50}, analyze.StateSlow},
		{store.Probe{Outcome: store.OutcomeOK, LatencyNS: 500}, analyze.StateStalled},
		{store.Probe{Outcome: store.OutcomeSkipped, ErrorClass: store.ClassInflightLimit}, analyze.StateSkipped},
		{store.Probe{Outcome: store.OutcomeError, ErrorClass: store.ClassReadOnly}, analyze.StateReadOnly},
		{store.Probe{Outcome: store.OutcomeTimeout, ErrorClass: store.ClassConnectTimeout}, analyze.StateUnavailable},
		{store.Probe{Outcome: store.OutcomeError, ErrorClass: store.ClassShutdown}, analyze.StateUnavailable},
		{store.Probe{Outcome: store.OutcomeTimeout}, analyze.StateUnavailable},
		{store.Probe{Outcome: store.OutcomeError, ErrorClass: store.ClassAuth}, analyze.StateError},
		{store.Probe{Outcome: store.OutcomeError, ErrorClass: store.ClassOther}, analyze.StateError},
	} {
		if got := probeState(&c.p, 10, 100); got != c.want {
			t.Errorf("%+v: %s, want %s", c.p, got, c.want)
		}
	}
}

// TestProbeStatesMatchAnalyzer: classifying the fixture's probes here gives
// the analyzer's counts by state for every stream.
func TestProbeStatesMatchAnalyzer(t *testing.T) {
	sum := cachedSummary(t, "fixture", fixtureRuns)
	rep, err := Build(sum, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Runs {
		probes, err := loadProbes(r, math.MinInt64, math.MaxInt64)
		if err != nil {
			t.Fatal(err)
		}
		counts := make([]map[analyze.State]int64, len(r.Streams))
		for i := range counts {
			counts[i] = map[analyze.State]int64{}
		}
		for _, p := range probes {
			if p.stream < 0 {
				t.Fatalf("run %s: a probe of an unknown stream", r.RunID)
			}
			counts[p.stream][p.state]++
		}
		for i, s := range r.Streams {
			for _, st := range analyze.States {
				if counts[i][st] != s.States[st] {
					t.Errorf("run %s stream %s: %d %s probes, the analyzer counted %d", r.RunID, s.Stream, counts[i][st], st, s.States[st])
				}
			}
		}
	}
}
