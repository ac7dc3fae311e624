package analyze

import (
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// pauseRun is a calm run of write and read streams over new (22 ms a
// probe, a login each) and pooled (2 ms) connections whose endpoint held
// every request for 350 ms at 5 s, as PgBouncer's PAUSE does.
func pauseRun(t *testing.T, opt Options) *RunResult {
	t.Helper()
	r := &synth.Run{ID: "pause", Interval: 100 * time.Millisecond, Conns: []string{store.ConnNew, store.ConnPooled},
		Phases: []synth.Phase{{State: synth.Healthy, Duration: 12 * time.Second}}, Seed: 7}
	rows, truth := r.Probes()
	t0 := rows[0].Intended
	for _, p := range rows {
		t0 = min(t0, p.Intended)
	}
	from, to := t0+int64(5*time.Second), t0+int64(5*time.Second+350*time.Millisecond)
	for i := range rows {
		p := &rows[i]
		p.LatencyNS = int64(2 * time.Millisecond)
		if p.Conn == store.ConnNew {
			p.LatencyNS = int64(22 * time.Millisecond)
		}
		if p.Intended >= from && p.Intended < to {
			p.LatencyNS += to - p.Intended
		}
		p.End = p.Start + p.LatencyNS
	}
	return &analyzeRows(t, r, rows, truth, opt).Runs[0]
}

// One pause reads the same on every stream of a run (the run-wide rule of
// setThresholds): with a threshold per stream, the 350 ms pause was
// stalled for the pooled streams (200 ms from their 2 ms median) and only
// slow for the new ones (2.2 s). --stall still sets an SLO for all.
func TestOnePauseReadsTheSameOnEveryStream(t *testing.T) {
	run := pauseRun(t, Options{})
	if len(run.Streams) != 4 {
		t.Fatalf("%d streams, want 4", len(run.Streams))
	}
	for _, s := range run.Streams {
		if s.SlowThresholdNS != int64(220*time.Millisecond) || s.StallThresholdNS != int64(2*time.Second) {
			t.Errorf("%s: slow above %v, stalled above %v; want the run's 220ms (10 × the new streams' 22 ms) and 2s (100 × 22 ms, cut to the ceiling)",
				s.Stream, time.Duration(s.SlowThresholdNS), time.Duration(s.StallThresholdNS))
		}
	}
	if run.Metrics.StalledTime.NS != 0 {
		t.Errorf("stalled %v: the pause is slow on every stream, stalled on none", time.Duration(run.Metrics.StalledTime.NS))
	}
	if run.Recorder == nil || run.Recorder.Degraded {
		t.Errorf("a calm run's recorder health %+v", run.Recorder)
	}

	slo := pauseRun(t, Options{Stall: 300 * time.Millisecond})
	for _, s := range slo.Streams {
		if s.StallThresholdNS != int64(300*time.Millisecond) || s.StallThresholdSource != slowSourceOpt {
			t.Errorf("%s: stalled above %v (%s), want --stall's 300ms", s.Stream, time.Duration(s.StallThresholdNS), s.StallThresholdSource)
		}
	}
	if d, ok := slo.Metrics.Disruption[store.KindWrite]; !ok || d.StallTime.NS == 0 {
		t.Errorf("under --stall 300ms the 350 ms pause stalls no write: %+v", slo.Metrics.Disruption)
	}
}

// A distant vantage's steady state (0.9 s a probe: new connections behind
// 200 ms of round trip) cuts the thresholds to their ceilings but is no
// degraded recording: its recorder kept its schedule. One of 1.15 s a
// probe, whose ordinary probes count as slow, is.
func TestSlowSteadyStateIsNotDegraded(t *testing.T) {
	for _, c := range []struct {
		latency  time.Duration
		degraded bool
	}{{900 * time.Millisecond, false}, {1150 * time.Millisecond, true}} {
		r := &synth.Run{ID: "far", Interval: 500 * time.Millisecond, Conns: []string{store.ConnNew},
			Phases: []synth.Phase{{State: synth.Healthy, Duration: 20 * time.Second}}, Seed: 7}
		rows, truth := r.Probes()
		for i := range rows {
			rows[i].LatencyNS = int64(c.latency)
			rows[i].End = rows[i].Start + rows[i].LatencyNS
		}
		run := &analyzeRows(t, r, rows, truth, Options{}).Runs[0]
		if run.Recorder == nil || run.Recorder.Degraded != c.degraded {
			t.Errorf("steady state %v: recorder health %+v, want degraded %v", c.latency, run.Recorder, c.degraded)
		}
		for _, s := range run.Streams {
			if s.SlowThresholdNS != int64(time.Second) || s.StallThresholdNS != int64(2*time.Second) {
				t.Errorf("steady state %v, %s: slow above %v, stalled above %v; want the ceilings 1s and 2s",
					c.latency, s.Stream, time.Duration(s.SlowThresholdNS), time.Duration(s.StallThresholdNS))
			}
		}
	}
}
