package analyze

import (
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// holdRun is a calm run whose endpoint held every request from 5 s to 5 s +
// hold: a probe meant to start then was answered at the release, or timed
// out after timeout when that came first.
func holdRun(t *testing.T, hold, timeout time.Duration, opt Options) *RunResult {
	t.Helper()
	r := simple("hold", synth.Phase{State: synth.Healthy, Duration: 12 * time.Second})
	rows, truth := r.Probes()
	t0 := rows[0].Intended
	for _, p := range rows {
		t0 = min(t0, p.Intended)
	}
	from, to := t0+int64(5*time.Second), t0+int64(5*time.Second+hold)
	for i := range rows {
		p := &rows[i]
		if p.Intended < from || p.Intended >= to {
			continue
		}
		wait := to - p.Intended + p.LatencyNS
		if wait > int64(timeout) {
			p.Outcome, p.ErrorClass, p.Error, wait = store.OutcomeTimeout, store.ClassQueryTimeout, "timeout", int64(timeout)
		}
		p.LatencyNS = wait
		p.End = p.Start + wait
	}
	sum := analyzeRows(t, r, rows, truth, opt)
	return &sum.Runs[0]
}

// A hold with long client timeouts is a stall: no failure, one stalled
// phase as long as the hold, and the wait in the write disruption.
func TestHoldIsAStall(t *testing.T) {
	run := holdRun(t, 2*time.Second, 10*time.Second, Options{})
	if got := phaseStatesOf(run); len(got) != 3 || got[1] != PhaseStalled {
		t.Fatalf("phases %v, want healthy → stalled → healthy", got)
	}
	near(t, "stalled phase", Duration{NS: run.Phases[1].DurationNS, ResolutionNS: run.IntervalNS}, 2*time.Second, 1)
	m := run.Metrics
	if m.WriteDowntime.NS != 0 || m.FailedProbes != 0 || m.Outages != 0 || !m.Recovered {
		t.Errorf("a stall counted as a failure: downtime %v, failed probes %d, outages %d", m.WriteDowntime, m.FailedProbes, m.Outages)
	}
	d, ok := m.Disruption[store.KindWrite]
	if !ok {
		t.Fatal("no write disruption")
	}
	near(t, "write stall time", d.StallTime, 2*time.Second, 1)
	near(t, "write disruption time", d.DisruptionTime, 2*time.Second, 1)
	near(t, "stalled time", m.StalledTime, 2*time.Second, 1)
	if d.MaxLatencyNS < int64(1900*time.Millisecond) || d.MaxLatencyNS > int64(2100*time.Millisecond) {
		t.Errorf("max write latency in the disruption %v, want about 2s", time.Duration(d.MaxLatencyNS))
	}
	for _, s := range run.Streams {
		if s.StallThresholdSource != slowSourceRun || s.StallThresholdNS < stallFloor || s.StallThresholdNS < s.SlowThresholdNS {
			t.Errorf("%s: stall threshold %v from %s (slow %v)", s.Stream, time.Duration(s.StallThresholdNS), s.StallThresholdSource, time.Duration(s.SlowThresholdNS))
		}
		if s.States[StateStalled] == 0 {
			t.Errorf("%s: no stalled probe", s.Stream)
		}
	}
}

// With client timeouts shorter than the hold, the held requests fail and
// the backlog after them, answered at the release but late, is stalled:
// the stream is not healthy until its latency is back under the threshold.
func TestBacklogAfterFailuresIsStalled(t *testing.T) {
	run := holdRun(t, 2*time.Second, time.Second, Options{})
	got := phaseStatesOf(run)
	want := []PhaseState{PhaseHealthy, PhaseUnavailable, PhaseStalled, PhaseHealthy}
	if len(got) != len(want) {
		t.Fatalf("phases %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("phases %v, want %v", got, want)
		}
	}
	near(t, "unavailable", run.Metrics.UnavailableTime, time.Second, 1)
	near(t, "stalled backlog", run.Metrics.StalledTime, time.Second, 1)
	d := run.Metrics.Disruption[store.KindWrite]
	near(t, "write disruption", d.DisruptionTime, 2*time.Second, 1)
	near(t, "write downtime", *run.Metrics.WriteDowntime, time.Second, 1)
}

// --stall above every wait leaves the hold a healthy (slow) stretch.
func TestStallOption(t *testing.T) {
	run := holdRun(t, 2*time.Second, 10*time.Second, Options{Stall: 5 * time.Second})
	if got := phaseStatesOf(run); len(got) != 1 {
		t.Errorf("phases %v with --stall 5s, want healthy only", got)
	}
	for _, s := range run.Streams {
		if s.StallThresholdSource != slowSourceOpt || s.StallThresholdNS != int64(5*time.Second) || s.States[StateStalled] != 0 || s.States[StateSlow] == 0 {
			t.Errorf("%s: threshold %v from %s, states %v", s.Stream, time.Duration(s.StallThresholdNS), s.StallThresholdSource, s.States)
		}
	}
	if d := run.Metrics.Disruption[store.KindWrite]; d.Start != nil || d.StallTime.NS != 0 {
		t.Errorf("disruption without a stall: %+v", d)
	}
}
