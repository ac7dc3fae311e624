package lab

import (
	"net"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/patroni"
	"github.com/switchwatch/switchwatch/record/store"
)

// patroniRun is a patroni lab run and its ground truth.
type patroniRun struct {
	*labRun
	switchover, demoted, stopped, promoted, rejoined store.Event
	up                                               *store.Event // HAProxy marked the new leader up (client=haproxy)
}

func runPatroniLab(t *testing.T, client string) *patroniRun {
	t.Helper()
	patroni.FindForTest(t)
	r := &patroniRun{labRun: runLab(t, "patroni", map[string]string{"client": client})}
	r.switchover = r.one(t, ActPatroniSwitchover)
	r.demoted = r.one(t, EvPatroniDemoted)
	r.stopped = r.one(t, EvPatroniStopped)
	r.promoted = r.one(t, EvPatroniPromoted)
	r.rejoined = r.one(t, EvPatroniRejoined)
	ups := r.events[EvHAProxyServerUp]
	if client == PatroniHAProxy {
		if len(ups) != 1 || ups[0].Attrs["node"] != r.switchover.Attrs["candidate"] {
			t.Fatalf("haproxy_server_up events %v, want one, marking the candidate up", ups)
		}
		r.up = &ups[0]
	} else if len(ups) > 0 {
		t.Fatalf("haproxy_server_up events %v with client=%s: HAProxy is not the write endpoint", ups, client)
	}
	if r.switchover.End == nil || r.demoted.End == nil || r.stopped.End == nil || r.promoted.End == nil {
		t.Fatal("switchover, demotion, shutdown and promotion need an end")
	}
	if !(r.switchover.Time.Before(r.demoted.Time) && !r.demoted.Time.After(r.stopped.Time) &&
		!r.stopped.Time.After(r.promoted.Time) && r.promoted.End.Before(r.rejoined.Time)) {
		t.Fatalf("out of order: switchover %v, demoted %v, stopped %v, promoted %v..%v, rejoined %v",
			r.switchover.Time, r.demoted.Time, r.stopped.Time, r.promoted.Time, r.promoted.End, r.rejoined.Time)
	}
	// HAProxy may mark the candidate up before its promotion ends: /primary
	// answers 200 once Patroni holds the leader lock.
	if r.up != nil && !r.up.Time.After(r.stopped.Time) {
		t.Fatalf("HAProxy marked the candidate up at %v, before the old leader stopped at %v", r.up.Time, r.stopped.Time)
	}
	if r.demoted.Attrs["node"] != r.switchover.Attrs["leader"] || r.promoted.Attrs["node"] != r.switchover.Attrs["candidate"] {
		t.Fatalf("demoted %v, promoted %v; want the leader and the candidate of %v", r.demoted.Attrs, r.promoted.Attrs, r.switchover.Attrs)
	}
	return r
}

func host(addr string) string {
	h, _, _ := net.SplitHostPort(addr)
	return h
}

// phases checks what clients see: only the old leader answers before the
// demotion, writes fail only during the switchover, and writes started once
// the write endpoint serves the new leader (recovered) succeed on it.
func (r *patroniRun) phases(t *testing.T, recovered time.Time) {
	t.Helper()
	oldHost, newHost := host(r.demoted.Attrs["addr"]), host(r.promoted.Attrs["addr"])
	if oldHost == newHost || oldHost == "" {
		t.Fatalf("old leader %s, new leader %s: want two nodes", r.demoted.Attrs["addr"], r.promoted.Attrs["addr"])
	}
	for _, p := range r.where(func(p *store.Probe) bool { return ok(p) && at(p.End).Before(r.stopped.Time) }) {
		if host(p.ServerAddr) != oldHost {
			t.Errorf("probe ended %v, before the demotion, answered by %s, want the leader %s", at(p.End), p.ServerAddr, oldHost)
		}
	}
	failed := r.where(func(p *store.Probe) bool { return p.Kind == store.KindWrite && p.Failed() })
	if len(failed) == 0 {
		t.Fatal("no write failed across the switchover")
	}
	first, last := at(failed[0].Start), at(failed[0].End)
	for _, p := range failed {
		if !overlaps(&p, r.stopped.Time, recovered) {
			t.Errorf("%s (%v..%v) outside the switchover %v..%v", p.ErrorClass, at(p.Start), at(p.End), r.stopped.Time, recovered)
		}
		if at(p.Start).Before(first) {
			first = at(p.Start)
		}
		if at(p.End).After(last) {
			last = at(p.End)
		}
	}
	t.Logf("writes failed from %v to %v (%v; %d probes); old leader's shutdown to recovery %v",
		first.Format("15:04:05.000"), last.Format("15:04:05.000"), last.Sub(first).Round(time.Millisecond), len(failed),
		recovered.Sub(r.stopped.Time).Round(time.Millisecond))
	after := r.where(func(p *store.Probe) bool { return p.Kind == store.KindWrite && at(p.Start).After(recovered.Add(tol)) })
	if len(after) == 0 {
		t.Fatal("no writes after the switchover")
	}
	for _, p := range after {
		if !ok(&p) || host(p.ServerAddr) != newHost {
			t.Errorf("write after the switchover (%v): %s %s on %s; want ok on the new leader %s", at(p.Start), p.Outcome, p.ErrorClass, p.ServerAddr, newHost)
		}
	}
	if r.verify == nil {
		t.Error("no lost-write check")
	} else if r.verify.AcknowledgedMissing != 0 {
		t.Errorf("a switchover demotes the leader cleanly, yet %d acknowledged writes were lost", r.verify.AcknowledgedMissing)
	}
}

// truth requires the edges clients must see to lie where the probes place
// a change: the old leader's shutdown, and the last of the promotion's end
// and HAProxy marking the new leader up (when HAProxy routes to it first,
// clients see the promotion's end after a read-only blip; when the
// promotion ends first, clients see it only through HAProxy's check, which
// may come more than an interval later).
func (r *patroniRun) truth(t *testing.T) {
	t.Helper()
	last := EvPatroniPromoted
	if r.up != nil && r.up.Time.After(*r.promoted.End) {
		last = EvHAProxyServerUp
	}
	r.truthWithin(t, map[string][]string{EvPatroniStopped: {event.EdgeStart},
		last: {map[string]string{EvPatroniPromoted: event.EdgeEnd, EvHAProxyServerUp: event.EdgeStart}[last]}})
}

// Through HAProxy, writes fail from the old leader's shutdown until HAProxy
// marks the new leader up and its promotion has ended (HAProxy may route to
// it a little before: then writes fail as read-only), then succeed there.
func TestLabPatroniHAProxy(t *testing.T) {
	r := runPatroniLab(t, PatroniHAProxy)
	recovered := r.up.Time
	if r.promoted.End.After(recovered) {
		recovered = *r.promoted.End
	}
	if r.up.Time.Before(*r.promoted.End) {
		t.Logf("HAProxy routed to the new leader %v before its promotion ended", r.promoted.End.Sub(r.up.Time).Round(time.Millisecond))
	}
	r.phases(t, recovered)
	r.truth(t)
}

// Through a multi-host DSN with target_session_attrs=read-write, writes
// fail from the old leader's shutdown until the new leader's timeline begins, then
// succeed there (no health check in between).
func TestLabPatroniMultiHost(t *testing.T) {
	r := runPatroniLab(t, PatroniMultiHost)
	r.phases(t, *r.promoted.End)
	r.truth(t)
}
