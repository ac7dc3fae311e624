package lab

import (
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

func TestLabDNS(t *testing.T) {
	r := runLab(t, "dns", map[string]string{"ttl": "1s"})
	ro := r.one(t, ActBlueReadOnly)
	flip := r.one(t, ActDNSFlip)
	promo := r.one(t, ActGreenPromoted)
	if flip.Attrs["from"] != dnsBlueIP || flip.Attrs["to"] != dnsGreenIP || flip.Attrs["ttl"] != "1" {
		t.Errorf("dns_flip attrs %v, want from %s to %s, ttl 1", flip.Attrs, dnsBlueIP, dnsGreenIP)
	}
	if len(r.events[ActEndpointRefuse]) != 2 {
		t.Fatalf("refuse windows: %d, want one per server", len(r.events[ActEndpointRefuse]))
	}
	// Slack for the probes' clock (start-of-run wall clock plus monotonic
	// time) against the lab's.
	const clock = 50 * time.Millisecond
	before := identities(r.where(func(p *store.Probe) bool { return ok(p) && at(p.End).Before(ro.Time) }))
	if len(before) != 1 {
		t.Fatalf("identities answering before the switchover: %v, want only blue", before)
	}

	// Every new connection resolves the name afresh: those that ended
	// before the flip got blue's address, those that started after it
	// green's, and the first green answer came within one probe interval.
	var firstGreen *store.Probe
	for i := range r.probes {
		p := &r.probes[i]
		switch {
		case at(p.End).Before(flip.Time.Add(-clock)) && p.ResolvedAddrs != dnsBlueIP:
			t.Errorf("probe ended %v, before the flip, resolved %q, want %s", at(p.End), p.ResolvedAddrs, dnsBlueIP)
		case at(p.Start).After(flip.Time.Add(clock)) && p.ResolvedAddrs != dnsGreenIP:
			t.Errorf("probe started %v, after the flip, resolved %q, want %s", at(p.Start), p.ResolvedAddrs, dnsGreenIP)
		}
		if p.ResolvedAddrs == dnsGreenIP && (firstGreen == nil || p.Start < firstGreen.Start) {
			firstGreen = p
		}
	}
	if firstGreen == nil {
		t.Fatal("no probe resolved green's address")
	}
	if d := at(firstGreen.Start).Sub(flip.Time); d > e2eInterval+clock {
		t.Errorf("first probe resolving green started %v after the flip, want within one interval (%v)", d, e2eInterval)
	}

	// While both refuse, connections fail; then writes succeed on green
	// once it is promoted.
	for _, p := range r.where(func(p *store.Probe) bool { return p.Failed() }) {
		if !overlaps(&p, ro.Time, *promo.End) {
			t.Errorf("%s (%v..%v) outside the switchover %v..%v", p.ErrorClass, at(p.Start), at(p.End), ro.Time, promo.End)
		}
	}
	// Every edge that changes what clients see lies where the probes
	// place a change: blue's read-only switch, both refusal windows'
	// edges, the promotion's end.
	r.truthWithin(t, map[string][]string{ActBlueReadOnly: {event.EdgeStart},
		ActEndpointRefuse: {event.EdgeStart, event.EdgeEnd}, ActGreenPromoted: {event.EdgeEnd}})
	if n := len(r.where(func(p *store.Probe) bool { return p.ErrorClass == store.ClassRefused })); n == 0 {
		t.Error("no probe was refused while both servers refused connections")
	}
	after := r.where(func(p *store.Probe) bool { return p.Kind == store.KindWrite && at(p.Start).After(promo.End.Add(tol)) })
	if len(after) == 0 {
		t.Fatal("no writes after promotion")
	}
	for _, p := range after {
		if !ok(&p) || before[p.ServerIdentity()] > 0 {
			t.Errorf("write after promotion (%v): %s %s on %s; want ok on green", at(p.Start), p.Outcome, p.ErrorClass, p.ServerIdentity())
		}
	}
	if r.verify == nil {
		t.Error("no lost-write check")
	} else if r.verify.AcknowledgedMissing != 0 {
		t.Errorf("%d acknowledged writes lost", r.verify.AcknowledgedMissing)
	}
}
