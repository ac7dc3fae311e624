package analyze

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// aurora is the observed Aurora Blue/Green pattern: connections time out,
// then the old primary answers read-only, then the new one takes over.
func aurora(id string) *synth.Run {
	return &synth.Run{
		ID:       id,
		Interval: 100 * time.Millisecond,
		Kinds:    []string{store.KindWrite, store.KindRead},
		Conns:    []string{store.ConnNew, store.ConnPooled},
		Stagger:  true,
		Phases: []synth.Phase{
			{State: synth.Healthy, Duration: 20 * time.Second},
			{State: synth.Unavailable, Duration: 4100 * time.Millisecond, Class: store.ClassConnectTimeout},
			{State: synth.ReadOnly, Duration: 5900 * time.Millisecond},
			{State: synth.Healthy, Duration: 20 * time.Second, Server: 1},
		},
		DNSChangeAt: 24 * time.Second,
		Lost:        []int64{3},
		Seed:        1,
	}
}

func analyzeOne(t *testing.T, r *synth.Run, opt Options) (*Summary, synth.Truth) {
	t.Helper()
	dir, truth, err := r.Write(t.TempDir(), synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return analyzeDir(t, dir, opt), truth
}

// analyzeRows writes rows (r's probes, edited by the test) and truth as
// a run and analyzes it.
func analyzeRows(t *testing.T, r *synth.Run, rows []store.Probe, truth synth.Truth, opt Options) *Summary {
	t.Helper()
	dir, err := r.WriteRows(t.TempDir(), rows, truth, synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return analyzeDir(t, dir, opt)
}

// analyzeDir analyzes the one run in dir.
func analyzeDir(t *testing.T, dir string, opt Options) *Summary {
	t.Helper()
	sum, err := Analyze(context.Background(), []string{dir}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Runs) != 1 {
		t.Fatalf("got %d runs, want 1", len(sum.Runs))
	}
	return sum
}

// checkPhases asserts the detected phases have the truth's states and each
// boundary lies within [truth, truth + one interval).
func checkPhases(t *testing.T, run *RunResult, truth synth.Truth) {
	t.Helper()
	if len(run.Phases) != len(truth.Phases) {
		t.Fatalf("got %d phases %v, want %d", len(run.Phases), phaseStatesOf(run), len(truth.Phases))
	}
	for i, ph := range run.Phases {
		if string(ph.State) != truth.Phases[i].State {
			t.Errorf("phase %d: state %s, want %s", i, ph.State, truth.Phases[i].State)
		}
		if i == 0 {
			continue
		}
		// the edge lies midway between the last probe before the change
		// and the first after it: within half an interval either way
		d, half := ph.Start.Sub(truth.Phases[i].Start), time.Duration(run.IntervalNS/2)
		if d < -half || d > half {
			t.Errorf("phase %d (%s) starts %v after the truth, want within ± %v", i, ph.State, d, half)
		}
	}
}

func phaseStatesOf(run *RunResult) []PhaseState {
	var s []PhaseState
	for _, p := range run.Phases {
		s = append(s, p.State)
	}
	return s
}

func near(t *testing.T, what string, got Duration, want time.Duration, k int64) {
	t.Helper()
	if got.ResolutionNS <= 0 {
		t.Errorf("%s: no resolution", what)
	}
	if diff := got.NS - int64(want); diff < -k*got.ResolutionNS || diff > k*got.ResolutionNS {
		t.Errorf("%s = %v ± %v, want %v", what, time.Duration(got.NS), time.Duration(got.ResolutionNS), want)
	}
}

func TestAuroraPattern(t *testing.T) {
	sum, truth := analyzeOne(t, aurora("aurora"), Options{Truth: true})
	run := &sum.Runs[0]
	checkPhases(t, run, truth)
	if !run.Phases[3].NewServer || run.Phases[3].Label != "healthy (new server)" {
		t.Errorf("last phase %+v, want healthy (new server)", run.Phases[3])
	}
	if run.Phases[0].NewServer {
		t.Errorf("first phase marked new server")
	}
	if run.IntervalNS != int64(100*time.Millisecond) || run.IntervalSource != intervalFromRunInfo {
		t.Errorf("interval %v from %s", time.Duration(run.IntervalNS), run.IntervalSource)
	}
	m := run.Metrics
	near(t, "unavailable", m.UnavailableTime, 4100*time.Millisecond, 1)
	near(t, "read-only", m.ReadOnlyTime, 5900*time.Millisecond, 1)
	near(t, "write downtime", *m.WriteDowntime, 10*time.Second, 1)
	near(t, "read downtime", *m.ReadDowntime, 4100*time.Millisecond, 1)
	if m.Outages != 1 || !m.Recovered {
		t.Errorf("outages %d recovered %v, want 1 true", m.Outages, m.Recovered)
	}
	if m.ServerChange == nil {
		t.Fatal("no server change")
	}
	// the first probe answered by the new server is the first of the last phase
	if d := m.ServerChange.Sub(truth.Phases[3].Start); d < 0 || d >= 100*time.Millisecond {
		t.Errorf("server change %v after the truth", d)
	}
	if m.DNSChange == nil || m.DNSChange.Sub(truth.Phases[0].Start) < 24*time.Second || m.DNSChange.Sub(truth.Phases[0].Start) >= 24*time.Second+100*time.Millisecond {
		t.Errorf("dns change at %v, want 24s after start", m.DNSChange)
	}
	if m.LostWrites == nil || m.LostWrites.Lost != 1 {
		t.Errorf("lost writes %+v, want 1", m.LostWrites)
	}
	// every failed probe of the unavailable phase timed out on connect
	if m.FailedByClass[store.ClassConnectTimeout] == 0 || m.FailedByClass[store.ClassReadOnly] == 0 {
		t.Errorf("failed by class %v", m.FailedByClass)
	}
	if m.EventToFirstError == nil || m.EventToFirstError.NS < 0 || m.EventToFirstError.NS >= run.IntervalNS {
		t.Errorf("event to first error %+v", m.EventToFirstError)
	}
	if sum.Accuracy == nil || sum.Accuracy.Total != 4 || sum.Accuracy.Within != 4 {
		t.Errorf("accuracy %+v", sum.Accuracy)
	}
}

func jsonLine(p *store.Probe) ([]byte, error) {
	b, err := json.Marshal(p)
	return append(b, '\n'), err
}
