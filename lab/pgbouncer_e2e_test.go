package lab

import (
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/pgbouncer"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// bouncerRun is a pgbouncer lab run and its four ground-truth steps.
type bouncerRun struct {
	*labRun
	pause, promo, repoint, resume store.Event
	before                        map[string]int // identities answering before PAUSE
	// retry is PgBouncer's wait for server_login_retry after a login
	// during the pause, when its log shows one (pgbouncer#498); nil when
	// none.
	retry *store.Event
}

// retrySlack is how long after a login retry's End PgBouncer may take to
// open a server connection again: its janitor notices, then connects.
const retrySlack = 2 * time.Second

// stallEnd is when clients can be answered again: RESUME's return, or
// later, the end of PgBouncer's login retry.
func (r *bouncerRun) stallEnd() time.Time {
	if r.retry != nil {
		return r.retry.End.Add(retrySlack)
	}
	return *r.resume.End
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
	switch retries := r.events[event.PgBouncerLoginRetry]; len(retries) {
	case 0:
	case 1:
		r.retry = &retries[0]
		t.Logf("PgBouncer closed a login during the pause (%v, %s): clients wait until %v, past RESUME (%v)",
			r.retry.Time, r.retry.Attrs["server"], r.retry.End, r.resume.End)
		r.checkRetryHolds(t)
	default:
		t.Fatalf("%d %s events, want at most one", len(retries), event.PgBouncerLoginRetry)
	}
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

// checkRetryHolds checks what a login retry event claims: the login it
// names came during the pause, and no probe is answered between it and its
// End (the pool has no server connection and opens none). The lower bound
// is safe on a busy machine, which only makes answers later.
func (r *bouncerRun) checkRetryHolds(t *testing.T) {
	t.Helper()
	const clock = 50 * time.Millisecond // the log's ms against the probes' clock
	if r.retry.Time.Before(r.pause.End.Add(-clock)) || r.retry.Time.After(r.resume.End.Add(clock)) {
		t.Errorf("login retry at %v, outside the pause %v..%v", r.retry.Time, *r.pause.End, *r.resume.End)
	}
	for _, p := range r.where(func(p *store.Probe) bool {
		return ok(p) && at(p.End).After(r.retry.Time.Add(clock)) && at(p.End).Before(r.retry.End.Add(-clock))
	}) {
		t.Errorf("%s/%s probe answered at %v, inside PgBouncer's login retry %v..%v", p.Kind, p.Conn, at(p.End), r.retry.Time, r.retry.End)
	}
}

// afterResume checks that writes started after RESUME (or after PgBouncer's
// login retry, when there was one) succeed on green.
func (r *bouncerRun) afterResume(t *testing.T) {
	t.Helper()
	after := r.where(func(p *store.Probe) bool {
		return p.Kind == store.KindWrite && at(p.Start).After(r.stallEnd().Add(tol))
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
	if r.retry != nil {
		// Clients wait past their 5 s timeouts then; what the timeouts
		// show is TestLabPgBouncerShortTimeoutsFail's, what the retry
		// holds is checked in runBouncerLab.
		r.afterResume(t)
		return
	}
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
		if !overlaps(&p, r.pause.Time, r.stallEnd()) {
			t.Errorf("%s (%v..%v) outside the pause %v..%v", p.ErrorClass, at(p.Start), at(p.End), r.pause.Time, r.stallEnd())
		}
	}
	if writes == 0 {
		t.Fatal("no write failed with 500ms timeouts across a 2s pause")
	}
	// Failures make both edges visible: the pause's (clients fail from
	// it) and the resume's (answered again), unless PgBouncer's login
	// retry held them on past the resume, which --truth then rightly
	// reports outside.
	must := map[string][]string{ActPgBouncerPause: {event.EdgeEnd}, ActPgBouncerResume: {event.EdgeEnd}}
	if r.retry != nil {
		delete(must, ActPgBouncerResume)
	}
	// After RESUME PgBouncer still logs in to green before it answers;
	// on a 2-core machine that finishes about 25 SCRAM logins a second
	// this has outlasted the 500 ms timeout of a probe started after
	// RESUME. Clients then recover when that login ends, which the lab
	// does not log, so RESUME is no edge to hold them to; afterResume
	// still requires every write from a second after RESUME to succeed.
	resumed := r.stallEnd()
	lateLogin := r.where(func(p *store.Probe) bool { return p.Failed() && at(p.Start).After(resumed) })
	if len(lateLogin) > 0 {
		t.Logf("a probe started %v after RESUME still failed (%s): RESUME's edge is not expected", at(lateLogin[0].Start).Sub(resumed), lateLogin[0].ErrorClass)
		delete(must, ActPgBouncerResume)
	}
	r.truthWithin(t, must)
	r.afterResume(t)
}

// An operator who checks the new target between RELOAD and RESUME leaves
// time for a client to log in to the re-pointed, paused database; then
// PgBouncer waits server_login_retry (15 s by default) after RESUME before
// any client is answered, and the lab says so with a login retry event.
func TestLabPgBouncerLoginDuringResumeGapWaitsRetry(t *testing.T) {
	r := runBouncerLab(t, map[string]string{"resume_after": "1s", "tail": "20s"}, nil)
	if r.retry == nil {
		t.Fatalf("new-connection probes logged in during a 1s gap between RELOAD and RESUME, yet no %s event", event.PgBouncerLoginRetry)
	}
	if !r.retry.Time.After(*r.repoint.End) || r.retry.Attrs["server"] != r.repoint.Attrs["addr"] {
		t.Errorf("login retry %v to %s; want after the re-point (%v) and to its target %s",
			r.retry.Time, r.retry.Attrs["server"], *r.repoint.End, r.repoint.Attrs["addr"])
	}
	held := r.where(func(p *store.Probe) bool {
		return p.Kind == store.KindWrite && at(p.Start).After(*r.resume.End) && at(p.Start).Before(r.retry.End.Add(-time.Second))
	})
	if len(held) == 0 {
		t.Fatal("no write started between RESUME and the end of the login retry")
	}
	r.afterResume(t)
}

// The mitigation, rehearsed: with the rig's PgBouncer at
// server_login_retry=1s, the same login between RELOAD and RESUME holds
// clients about a second past RESUME instead of 15, and the event says
// which setting PgBouncer ran with.
func TestLabPgBouncerLowerLoginRetry(t *testing.T) {
	r := runBouncerLab(t, map[string]string{"resume_after": "1s", "server_login_retry": "1s", "tail": "5s"}, nil)
	if r.retry == nil {
		t.Fatalf("new-connection probes logged in during a 1s gap between RELOAD and RESUME, yet no %s event", event.PgBouncerLoginRetry)
	}
	if got := r.retry.Attrs["server_login_retry"]; got != "1s" {
		t.Errorf("login retry event says server_login_retry %q, want 1s", got)
	}
	if d := r.retry.End.Sub(r.retry.Time); d != time.Second {
		t.Errorf("login retry lasts %v, want 1s", d)
	}
	r.afterResume(t)
}
