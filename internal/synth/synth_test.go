package synth

import (
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

func TestProbesFollowTheScript(t *testing.T) {
	r := &Run{
		Interval: 100 * time.Millisecond,
		Phases: []Phase{
			{State: Healthy, Duration: 2 * time.Second},
			{State: ReadOnly, Duration: time.Second},
			{State: Healthy, Duration: 2 * time.Second, Server: 1},
		},
	}
	rows, truth := r.Probes()
	if got, want := int64(len(rows)), r.Rows(); got != want || want != 2*50 {
		t.Fatalf("%d rows, Rows() says %d, want 100", got, want)
	}
	if len(truth.Boundaries) != 2 || !truth.Boundaries[0].Equal(r.Start.Add(2*time.Second)) {
		t.Fatalf("boundaries %v", truth.Boundaries)
	}
	for _, p := range rows {
		tt := time.Unix(0, p.Intended).Sub(r.Start)
		inRO := tt >= 2*time.Second && tt < 3*time.Second
		wantFail := inRO && p.Kind == store.KindWrite
		if p.Failed() != wantFail {
			t.Errorf("%s seq %d at %v: outcome %s, want failed=%v", p.Stream(), p.Seq, tt, p.Outcome, wantFail)
		}
		if wantFail && p.ErrorClass != store.ClassReadOnly {
			t.Errorf("class %q", p.ErrorClass)
		}
		if p.Outcome == store.OutcomeOK && tt >= 3*time.Second && p.ServerAddr != servers[1].addr {
			t.Errorf("after the switchover answered by %s", p.ServerAddr)
		}
		if p.Kind == store.KindRead && p.SeenSeq != nil && *p.SeenSeq > p.Seq {
			t.Errorf("read %d saw write %d from the future", p.Seq, *p.SeenSeq)
		}
	}
}

func TestWriteRoundTrip(t *testing.T) {
	r := &Run{ID: "rt", Phases: []Phase{{State: Healthy, Duration: time.Second}, {State: Unavailable, Duration: time.Second}}, Verify: true}
	for _, useWriter := range []bool{false, true} {
		dir, _, err := r.Write(t.TempDir(), WriteOptions{UseWriter: useWriter, SegmentRows: 7})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := store.ReadRun(dir, func(*store.Probe) error { n++; return nil }, func(s store.SkippedFile) { t.Errorf("skipped %+v", s) }); err != nil {
			t.Fatal(err)
		}
		if int64(n) != r.Rows() {
			t.Errorf("writer=%v: read %d rows, want %d", useWriter, n, r.Rows())
		}
		evs, bad, err := store.ReadEvents(dir + "/" + store.EventsFile)
		if err != nil || len(bad) > 0 || len(evs) != 1 || evs[0].Name != "fault_unavailable" {
			t.Errorf("events %v %v %v", evs, bad, err)
		}
		if v, err := store.ReadVerify(dir); err != nil || v == nil || v.AcknowledgedPresent == 0 {
			t.Errorf("verify %+v %v", v, err)
		}
	}
}
