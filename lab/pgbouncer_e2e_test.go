package lab

import (
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgbouncer"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// bouncerRun is a pgbouncer lab run and its four ground-truth steps.
type bouncerRun struct {
	*labRun
	pause, promo, repoint, resume store.Event
	before                        map[string]int // identities answering before PAUSE
}

func runBouncerLab(t *testing.T, set map[string]string, tweak func(*record.Config)) *bouncerRun {
	t.Helper()
	pgbouncer.FindForTest(t)
	r := &bouncerRun{labRun: runLabWith(t, "pgbouncer", set, tweak)}
	r.pause = r.one(t, ActPgBouncerPause)
	r.promo = r.one(t, ActGreenPromoted)
	r.repoint = r.one(t, ActPgBouncerRepoint)
	r.resume = r.one(t, ActPgBouncerResume)
	r.one(t, EvGreenCaughtUp)
	for _, e := range []store.Event{r.pause, r.promo, r.repoint, r.resume} {
		if e.End == nil {
			t.Fatalf("event %s has no end", e.Name)
		}
	}
	if !r.pause.End.Before(r.promo.Time) || !r.promo.End.Before(r.repoint.Time) || !r.repoint.End.Before(r.resume.Time) {
		t.Fatalf("steps out of order: pause %v, promote %v, re-point %v, resume %v", r.pause.Time, r.promo.Time, r.repoint.Time, r.resume.Time)
	}
	r.before = identities(r.where(func(p *store.Probe) bool { return ok(p) && at(p.End).Before(r.pause.Time) }))
	if len(r.before) != 1 {
		t.Fatalf("identities answering before PAUSE: %v, want only blue", r.before)
	}
	return r
}

// afterResume checks that writes started after RESUME succeed on green.
func (r *bouncerRun) afterResume(t *testing.T) {
	t.Helper()
	after := r.where(func(p *store.Probe) bool {
		return p.Kind == store.KindWrite && at(p.Start).After(r.resume.End.Add(tol))
	})
	if len(after) == 0 {
		t.Fatal("no writes after RESUME")
	}
	for _, p := range after {
		if !ok(&p) {
			t.Errorf("write after RESUME (%v) failed: %s %s", at(p.Start), p.ErrorClass, p.Error)
		} else if r.before[p.ServerIdentity()] > 0 {
			t.Errorf("write after RESUME (%v) answered by %s, blue", at(p.Start), p.ServerIdentity())
		}
	}
	if r.verify == nil {
		t.Error("no lost-write check")
	} else if r.verify.AcknowledgedMissing != 0 {
		t.Errorf("PAUSE and catch-up before promotion, yet %d acknowledged writes were lost", r.verify.AcknowledgedMissing)
	}
}

// With client timeouts longer than the pause, nothing fails: the probes
// that start while PgBouncer is paused wait and are answered by green once
// it resumes.
func TestLabPgBouncerClientsWait(t *testing.T) {
	r := runBouncerLab(t, map[string]string{"hold": "1s"}, nil)
	if failed := r.where(func(p *store.Probe) bool { return p.Failed() }); len(failed) > 0 {
		t.Errorf("%d probes failed with 5s timeouts across a PAUSE; first: %s %s at %v", len(failed),
			failed[0].ErrorClass, failed[0].Error, at(failed[0].Start))
	}
	// Slack for the probes' timestamps (start-of-run wall clock plus
	// monotonic time) against the lab's wall clock.
	const clock = 50 * time.Millisecond
	waited := r.where(func(p *store.Probe) bool {
		return p.Kind == store.KindWrite && !at(p.Start).Before(*r.pause.End) && at(p.Start).Before(r.resume.Time)
	})
	if len(waited) == 0 {
		t.Fatal("no write started while PgBouncer was paused")
	}
	first := waited[0]
	for _, p := range waited {
		if at(p.End).Before(r.resume.Time.Add(-clock)) {
			t.Errorf("write started while paused (%v) was answered at %v, before RESUME at %v", at(p.Start), at(p.End), r.resume.Time)
		}
		if r.before[p.ServerIdentity()] > 0 {
			t.Errorf("write that waited through the pause was answered by %s, blue", p.ServerIdentity())
		}
		if p.Start < first.Start {
			first = p
		}
	}
	// The stall begins within one probe interval of PAUSE returning: the
	// first write due after it waits.
	if d := at(first.Start).Sub(*r.pause.End); d > e2eInterval+clock {
		t.Errorf("first write that waited started %v after PAUSE returned, want within one interval (%v)", d, e2eInterval)
	}
	r.afterResume(t)
}

// With client timeouts shorter than the pause, the probes started while
// paused fail with their own timeout, and only then.
func TestLabPgBouncerShortTimeoutsFail(t *testing.T) {
	r := runBouncerLab(t, map[string]string{"hold": "2s"}, func(c *record.Config) {
		c.ConnectTimeout, c.QueryTimeout = 500*time.Millisecond, 500*time.Millisecond
	})
	failed := r.where(func(p *store.Probe) bool { return p.Failed() })
	writes := 0
	for _, p := range failed {
		if p.Kind == store.KindWrite {
			writes++
		}
		if p.ErrorClass != store.ClassQueryTimeout && p.ErrorClass != store.ClassConnectTimeout {
			t.Errorf("probe at %v failed with %s (%s), want its own timeout", at(p.Start), p.ErrorClass, p.Error)
		}
		if !overlaps(&p, r.pause.Time, *r.resume.End) {
			t.Errorf("%s (%v..%v) outside the pause %v..%v", p.ErrorClass, at(p.Start), at(p.End), r.pause.Time, r.resume.End)
		}
	}
	if writes == 0 {
		t.Fatal("no write failed with 500ms timeouts across a 2s pause")
	}
	r.afterResume(t)
}
