package analyze

import (
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// cutRows drops the rows of the streams of kind (all kinds for "") whose
// intended start lies in [from, to) after the run's start.
func cutRows(rows []store.Probe, kind string, from, to time.Duration) []store.Probe {
	t0 := rows[0].Intended
	for i := range rows {
		t0 = min(t0, rows[i].Intended)
	}
	out := rows[:0]
	for _, p := range rows {
		d := time.Duration(p.Intended - t0)
		if (kind == "" || p.Kind == kind) && d >= from && d < to {
			continue
		}
		out = append(out, p)
	}
	return out
}

func phaseOf(run *RunResult, st PhaseState) *Phase {
	for i := range run.Phases {
		if run.Phases[i].State == st {
			return &run.Phases[i]
		}
	}
	return nil
}

// A 3 s hole of missing write rows in a healthy recording is no data:
// neither healthy nor down. The write downtime depends on it and is
// unknown (its known part, 0, kept beside it); the read downtime is not.
func TestMissingRowsAreNoData(t *testing.T) {
	r := simple("hole", synth.Phase{State: synth.Healthy, Duration: 20 * time.Second})
	rows, truth := r.Probes()
	rows = cutRows(rows, store.KindWrite, 8*time.Second, 11*time.Second)
	run := &analyzeRows(t, r, rows, truth, Options{}).Runs[0]
	nd := phaseOf(run, PhaseNoData)
	if nd == nil || len(run.Phases) != 3 || nd.DurationNS != int64(3*time.Second) || nd.Cause != "write/new/write" {
		t.Fatalf("phases %v, no data %+v: want healthy, 3 s of no data (write/new/write), healthy", phaseStatesOf(run), nd)
	}
	m := run.Metrics
	if m.WriteDowntime != nil || m.LongestWriteOutage != nil || m.KnownWriteDowntime == nil || m.KnownWriteDowntime.NS != 0 {
		t.Errorf("write downtime %+v (known %+v): want unknown, known 0", m.WriteDowntime, m.KnownWriteDowntime)
	}
	if _, unknown := m.UnknownWhy("write_downtime"); !unknown {
		t.Errorf("unknown metrics %v do not name write_downtime", m.Unknown)
	}
	if m.ReadDowntime == nil || m.ReadDowntime.NS != 0 {
		t.Errorf("read downtime %+v, want 0: the reads have every row", m.ReadDowntime)
	}
	if m.NoDataTime.NS != int64(3*time.Second) || m.Outages != 0 || !m.Recovered {
		t.Errorf("no data %v, %d outages, recovered %v", time.Duration(m.NoDataTime.NS), m.Outages, m.Recovered)
	}
	for _, s := range run.Streams {
		want := int64(0)
		if s.Kind == store.KindWrite {
			want = int64(3 * time.Second)
		}
		if s.NoDataNS != want || s.StateNS[StateOK]+s.StateNS[StateSlow]+s.NoDataNS != int64(20*time.Second) {
			t.Errorf("stream %s: %v without data, %v ok", s.Stream, time.Duration(s.NoDataNS), time.Duration(s.StateNS[StateOK]))
		}
	}
}

// With every failed row missing, the hole is no data, never healthy time,
// and the write downtime is unknown, not 0.
func TestFailedRowsMissingIsNotHealthy(t *testing.T) {
	r := simple("lostfail",
		synth.Phase{State: synth.Healthy, Duration: 10 * time.Second},
		synth.Phase{State: synth.Unavailable, Duration: 4 * time.Second, Class: store.ClassConnectTimeout},
		synth.Phase{State: synth.Healthy, Duration: 10 * time.Second})
	rows, truth := r.Probes()
	rows = cutRows(rows, "", 10*time.Second, 14*time.Second)
	run := &analyzeRows(t, r, rows, truth, Options{}).Runs[0]
	want := []PhaseState{PhaseHealthy, PhaseNoData, PhaseHealthy}
	if got := phaseStatesOf(run); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("phases %v, want %v", got, want)
	}
	if m := run.Metrics; m.WriteDowntime != nil || m.ReadDowntime != nil || m.NoDataTime.NS != int64(4*time.Second) {
		t.Errorf("write downtime %+v, read %+v, no data %v: want unknown, unknown, 4 s", m.WriteDowntime, m.ReadDowntime, time.Duration(m.NoDataTime.NS))
	}
}

// A stream cut off mid-outage while the others go on: its phase ends at
// its data, the rest of the run is no data for it, and the run has not
// shown a recovery.
func TestStreamCutMidOutage(t *testing.T) {
	r := simple("cut",
		synth.Phase{State: synth.Healthy, Duration: 5 * time.Second},
		synth.Phase{State: synth.Unavailable, Duration: 10 * time.Second, Class: store.ClassRefused, Kinds: []string{store.KindWrite}})
	rows, truth := r.Probes()
	rows = cutRows(rows, store.KindWrite, 7*time.Second, time.Hour)
	run := &analyzeRows(t, r, rows, truth, Options{}).Runs[0]
	last := run.Phases[len(run.Phases)-1]
	if last.State != PhaseNoData || !last.End.Equal(run.End) {
		t.Fatalf("phases %v, last %+v: want the run to end without data at %v", phaseStatesOf(run), last, run.End)
	}
	un := phaseOf(run, PhaseUnavailable)
	if un == nil || un.End.Sub(run.Start) != 7*time.Second {
		t.Errorf("unavailable %+v: want it to end at the write stream's data, 7 s", un)
	}
	if m := run.Metrics; m.Recovered || m.Recovery != nil {
		t.Errorf("recovered %v at %v: the data ends failing, then without data", m.Recovered, m.Recovery)
	}
}

// A run that ends while the writes are held: the write stream's stall
// lasts until its last held request was answered, after the end of the
// rows, and the reads, whose data ends with the run's, are not missing
// there: the run ends stalled, not without data.
func TestStallPastTheEndIsNotNoData(t *testing.T) {
	r := simple("heldend", synth.Phase{State: synth.Healthy, Duration: 12 * time.Second})
	rows, truth := r.Probes()
	t0 := rows[0].Intended
	for _, p := range rows {
		t0 = min(t0, p.Intended)
	}
	release := t0 + int64(15*time.Second)
	for i := range rows {
		if p := &rows[i]; p.Kind == store.KindWrite && p.Intended >= t0+int64(9*time.Second) {
			p.LatencyNS = release - p.Intended
			p.End = p.Start + p.LatencyNS
		}
	}
	run := &analyzeRows(t, r, rows, truth, Options{}).Runs[0]
	if got := phaseStatesOf(run); len(got) != 2 || got[1] != PhaseStalled || run.Metrics.NoDataTime.NS != 0 {
		t.Errorf("phases %v, %v without data: want healthy → stalled and none", got, time.Duration(run.Metrics.NoDataTime.NS))
	}
}

// An outage whose end falls in missing rows ended somewhere in the hole:
// the time to recovery is known only to the hole's length, not to an
// interval.
func TestRecoveryInAHole(t *testing.T) {
	r := simple("recoverhole",
		synth.Phase{State: synth.Healthy, Duration: 5 * time.Second},
		synth.Phase{State: synth.Unavailable, Duration: 5 * time.Second, Class: store.ClassRefused},
		synth.Phase{State: synth.Healthy, Duration: 5 * time.Second})
	rows, truth := r.Probes()
	rows = cutRows(rows, "", 9*time.Second, 11*time.Second)
	run := &analyzeRows(t, r, rows, truth, Options{}).Runs[0]
	m := run.Metrics
	if m.EventToRecovery == nil || m.EventToFirstError == nil {
		t.Fatalf("event to recovery %v, to first error %v", m.EventToRecovery, m.EventToFirstError)
	}
	if got, want := m.EventToRecovery.ResolutionNS, run.IntervalNS+int64(2*time.Second); got != want {
		t.Errorf("event to recovery %v ± %v, want ± %v (an interval and the 2 s hole)", time.Duration(m.EventToRecovery.NS), time.Duration(got), time.Duration(want))
	}
	if m.EventToFirstError.ResolutionNS != run.IntervalNS {
		t.Errorf("event to first error ± %v, want an interval: no hole before the outage", time.Duration(m.EventToFirstError.ResolutionNS))
	}
	if m.OutageTime.ResolutionNS != run.IntervalNS+int64(2*time.Second) {
		t.Errorf("outage time ± %v, want an interval and the hole", time.Duration(m.OutageTime.ResolutionNS))
	}
	if !m.Recovered || m.Outages != 1 {
		t.Errorf("recovered %v, %d outages", m.Recovered, m.Outages)
	}
}
