package lab

import (
	"net"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// The client profiles of TestLabProfilesDNS, recorded side by side with the
// built-in new and pooled (the baseline and the default pool).
const (
	profJVM   = "jvm"    // new connections, a 30 s DNS cache
	profEvict = "evict"  // a pool that drops a connection after a read-only error
	profRW    = "jvm-rw" // jvm with target_session_attrs=read-write
)

const (
	jvmCache  = 30 * time.Second
	evictPool = 2
)

// TestLabProfilesDNS: the DNS flip with cut=false (old blue stays up
// read-only, its sessions and the connections open to it survive), with
// five client profiles recorded in the same run, shows what each client
// setting does to the same switchover:
//   - new (no DNS cache) moves to green within one interval of the flip;
//   - jvm (a 30 s DNS cache) keeps dialling old blue and gets read-only
//     errors there until the answer it cached at its first connect expires,
//     30 s later, about 25 s beyond the flip;
//   - pooled (the default pool) stays on old blue to the end: nothing
//     closes its connections, and a read-only error does not;
//   - evict (drop_on_read_only) leaves every connection at its first
//     read-only error and writes on green about as soon as new does;
//   - jvm-rw (jvm with target_session_attrs=read-write) dials old blue as
//     long as jvm does, but never sees a read-only error: its connects to
//     the read-only server fail instead.
//
// Tolerances are in probe intervals (200 ms), plus the clock slack of
// TestLabDNS; runLab skips rather than judge a machine too busy to keep
// the grid.
func TestLabProfilesDNS(t *testing.T) {
	// The tail outlasts jvm's cache (30 s from the first probe) by a few
	// seconds, so the run shows jvm on green too.
	r := runLabWith(t, "dns", map[string]string{"ttl": "1s", "cut": "false", "tail": "32s"}, func(cfg *record.Config) {
		cfg.Kinds = []string{store.KindWrite}
		cfg.Conns = []string{store.ConnNew, store.ConnPooled}
		cfg.Profiles = []record.Profile{
			{Name: profJVM, Conn: store.ConnNew, DNSCache: record.Duration(jvmCache)},
			{Name: profEvict, Conn: store.ConnPooled, DropOnReadOnly: true, PoolSize: evictPool},
			{Name: profRW, Conn: store.ConnNew, DNSCache: record.Duration(jvmCache), TargetSessionAttrs: "read-write"},
		}
	})
	ro := r.one(t, ActBlueReadOnly)
	flip := r.one(t, ActDNSFlip)
	promo := r.one(t, ActGreenPromoted)
	if promo.End == nil || ro.End == nil {
		t.Fatal("the promotion and blue_read_only events need an end")
	}
	if ro.Attrs["terminated"] != "0" {
		t.Errorf("blue_read_only ended %s sessions, want none with cut=false", ro.Attrs["terminated"])
	}
	// The refuse windows end when the endpoints forward again: from then
	// on a dial reaches whichever server its address is.
	var open time.Time
	for _, e := range r.events[ActEndpointRefuse] {
		if e.End == nil {
			t.Fatalf("refuse window without an end: %v", e)
		}
		if e.End.After(open) {
			open = *e.End
		}
	}
	const clock = 50 * time.Millisecond
	streams := map[string][]store.Probe{}
	for _, p := range r.probes {
		if p.Kind == store.KindWrite && p.Start != 0 {
			streams[p.ProfileName()] = append(streams[p.ProfileName()], p)
		}
	}
	for _, name := range []string{store.ConnNew, store.ConnPooled, profJVM, profEvict, profRW} {
		if len(streams[name]) == 0 {
			t.Fatalf("no writes of profile %s (profiles: %d)", name, len(streams))
		}
	}
	host := func(p *store.Probe) string {
		h, _, _ := net.SplitHostPort(p.DialedAddr)
		return h
	}
	// firstOK is the first write of a profile acknowledged on green.
	firstOK := func(name string) *store.Probe {
		for i := range streams[name] {
			p := &streams[name][i]
			if ok(p) && host(p) == dnsGreenIP {
				return p
			}
		}
		t.Fatalf("profile %s: no write acknowledged on green", name)
		return nil
	}

	// new: no cache, so every dial after the flip is to green, the first
	// within one interval of it.
	var newGreen *store.Probe
	for i := range streams[store.ConnNew] {
		p := &streams[store.ConnNew][i]
		if at(p.Start).After(flip.Time.Add(clock)) && p.DialedAddr != "" && host(p) != dnsGreenIP {
			t.Errorf("new: write started %v, after the flip, dialled %s", at(p.Start), p.DialedAddr)
		}
		if host(p) == dnsGreenIP && newGreen == nil {
			newGreen = p
		}
	}
	if newGreen == nil {
		t.Fatal("new: no write dialled green")
	}
	if d := at(newGreen.Start).Sub(flip.Time); d > e2eInterval+clock {
		t.Errorf("new: first dial of green started %v after the flip, want within one interval (%v)", d, e2eInterval)
	}
	newOK := firstOK(store.ConnNew)

	// jvm and jvm-rw: the answer cached at its first connect holds for
	// 30 s. Until then their writes dial old blue (refused while both
	// refuse; then jvm's fail read-only, jvm-rw's connects fail), from
	// then on green.
	stale := func(name string, want func(p *store.Probe) bool, what string) (moved *store.Probe) {
		ps := streams[name]
		expiry := at(ps[0].Start).Add(jvmCache)
		n := 0
		for i := range ps {
			p := &ps[i]
			if host(p) == dnsGreenIP {
				if moved == nil {
					moved = p
				}
				continue
			}
			if moved != nil && p.DialedAddr != "" {
				t.Errorf("%s: write started %v dialled %s after the cache had moved to green at %v", name, at(p.Start), p.DialedAddr, at(moved.Start))
			}
			if at(p.Start).After(open.Add(tol)) && at(p.Start).Before(expiry.Add(-e2eInterval)) {
				if !want(p) || host(p) != dnsBlueIP {
					t.Errorf("%s: write started %v, after the endpoints opened and before the cache expired: %s %s (connected: %v) via %s, want %s on blue",
						name, at(p.Start), p.Outcome, p.ErrorClass, p.ConnectDone != 0, p.DialedAddr, what)
				}
				n++
			}
		}
		if moved == nil {
			t.Fatalf("%s: no write dialled green: its cached answer never expired", name)
		}
		if s := at(moved.Start); s.Before(expiry) || s.After(expiry.Add(e2eInterval+tol)) {
			t.Errorf("%s: first dial of green started %v, want within one interval (+%v) after its cache expired at %v (%v after the flip)",
				name, s, tol, expiry, expiry.Sub(flip.Time).Round(time.Millisecond))
		}
		if !ok(moved) {
			t.Errorf("%s: first write on green (%v): %s %s, want ok (green was promoted long before)", name, at(moved.Start), moved.Outcome, moved.ErrorClass)
		}
		// The stale stretch lasts from the endpoints' opening to the
		// expiry: every interval of it has its write, give or take tol.
		if want := int((expiry.Sub(open) - 2*tol) / e2eInterval); n < want {
			t.Errorf("%s: %d writes on old blue between the endpoints' opening and the cache's expiry (%v), want at least %d",
				name, n, expiry.Sub(open).Round(time.Millisecond), want)
		}
		return moved
	}
	jvmGreen := stale(profJVM, func(p *store.Probe) bool { return p.ErrorClass == store.ClassReadOnly }, "read_only")
	stale(profRW, func(p *store.Probe) bool { return p.Failed() && p.ConnectDone == 0 }, "a failed connect")

	// pooled: its connections from before the switchover are never closed,
	// so it stays on old blue, read-only, to the end of the run.
	var lastPooled *store.Probe
	for i := range streams[store.ConnPooled] {
		p := &streams[store.ConnPooled][i]
		if !at(p.Start).After(ro.End.Add(tol)) || p.ConnEstablished == 0 || !at(p.ConnEstablished).Before(ro.Time) {
			continue
		}
		if p.ErrorClass != store.ClassReadOnly || host(p) != dnsBlueIP {
			t.Errorf("pooled: write started %v on a connection from before the switchover: %s %s via %s, want read_only on blue",
				at(p.Start), p.Outcome, p.ErrorClass, p.DialedAddr)
		}
		lastPooled = p
	}
	if lastPooled == nil || lastPooled.Start <= jvmGreen.Start {
		t.Errorf("pooled: last read-only write on a connection from before the switchover %v, want one after jvm's move to green (%v): the default pool stays on old blue",
			lastPooled, at(jvmGreen.Start))
	}

	// evict: each connection gives one read-only error, then it is
	// dropped; the pool writes on green about as soon as new connections
	// do: within one interval per connection it may hold.
	perConn := map[int64]int{}
	for _, p := range streams[profEvict] {
		if p.ErrorClass == store.ClassReadOnly {
			perConn[p.ConnEstablished]++
		}
	}
	for est, n := range perConn {
		if n > 1 {
			t.Errorf("evict: the connection established %v gave %d read-only errors, want it dropped after the first", at(est), n)
		}
	}
	if len(perConn) == 0 {
		t.Error("evict: no read-only error at all")
	}
	evictOK := firstOK(profEvict)
	if d := at(evictOK.Start).Sub(at(newOK.Start)); d > evictPool*e2eInterval+clock {
		t.Errorf("evict: first write on green %v after new's, want within %d intervals (%v)", d, evictPool, evictPool*e2eInterval)
	}

	// jvm-rw never sees a read-only error: target_session_attrs is
	// checked at connect time, so only a write that had connected before
	// blue went read-only could, and that is not jvm-rw's to answer for.
	for _, p := range streams[profRW] {
		if p.ErrorClass == store.ClassReadOnly && (p.ConnectDone == 0 || at(p.ConnectDone).After(*ro.End)) {
			t.Errorf("%s: write started %v failed read_only via %s", profRW, at(p.Start), p.DialedAddr)
		}
	}
	if r.verify == nil {
		t.Error("no lost-write check")
	} else if r.verify.AcknowledgedMissing != 0 {
		t.Errorf("%d acknowledged writes lost", r.verify.AcknowledgedMissing)
	}
}
