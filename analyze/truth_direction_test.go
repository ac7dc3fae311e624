package analyze

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestTruthMatchesDirection: an edge that should recover clients is
// matched only with a boundary into a better state. A PgBouncer RESUME 1 s
// into a 12 s outage (PgBouncer's login retry held clients on) must not be
// "found" at the outage's start, whose first probe hung for 3 s and so
// has a window reaching past the resume; the outage's start does date the
// edge that failed clients.
func TestTruthMatchesDirection(t *testing.T) {
	r := &synth.Run{
		ID: "resume", Interval: 100 * time.Millisecond, Kinds: []string{store.KindWrite}, Conns: []string{store.ConnNew},
		Phases: []synth.Phase{
			{State: synth.Healthy, Duration: 10 * time.Second},
			{State: synth.Unavailable, Duration: 12 * time.Second, Class: store.ClassConnectTimeout},
			{State: synth.Healthy, Duration: 5 * time.Second},
		},
		Seed: 1,
	}
	dir, truth, err := r.Write(t.TempDir(), synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	outage := truth.Phases[1].Start
	paused, resumed := outage, outage.Add(time.Second)
	extra := filepath.Join(t.TempDir(), "lab.jsonl")
	log, err := store.CreateEventLog(extra)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []store.Event{
		{Time: paused.Add(-2 * time.Millisecond), End: &paused, Name: event.PgBouncerPaused, Source: event.SourceLab},
		{Time: resumed, End: &resumed, Name: event.PgBouncerResumed, Source: event.SourceLab},
	} {
		if err := log.Log(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	sum := analyzeDir(t, dir, Options{Truth: true, Events: []string{extra}})
	got := map[string]BoundaryError{}
	for _, b := range sum.Accuracy.Boundaries {
		if b.Edge == event.EdgeEnd {
			got[b.Event] = b
		}
	}
	if p := got[event.PgBouncerPaused]; !p.Expected || p.Effect != event.Fails || !p.Within {
		t.Errorf("pause end %+v: want an expected Fails edge within the outage's start", p)
	}
	res := got[event.PgBouncerResumed]
	if !res.Expected || res.Effect != event.Recovers || res.Within {
		t.Errorf("resume end %+v: want an expected Recovers edge, not within", res)
	}
	if d := res.Boundary.Sub(truth.Phases[2].Start); d < -r.Interval || d > r.Interval {
		t.Errorf("resume matched with the boundary at %v, want the recovery at %v", res.Boundary, truth.Phases[2].Start)
	}
}
