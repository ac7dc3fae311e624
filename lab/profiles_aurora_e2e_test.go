package lab

import (
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// profRWNew is TestLabProfilesAurora's profile of new connections that ask
// for a read-write session (target_session_attrs=read-write).
const profRWNew = "rw"

// rwRefusal is what pgx (pgconn.ErrReadOnlyConnection) reports when
// target_session_attrs=read-write reaches a server that says
// transaction_read_only=on: no SQLSTATE, so the recorder classes the
// failed connect as "other".
const rwRefusal = "read only connection"

// TestLabProfilesAurora: the aurora switchover (blue read-only, its
// sessions cut; the endpoint silent for 4 s; then the endpoint answers
// from green while green is a read-only standby for 5 s; then green is
// promoted), with four client profiles recorded in the same run, shows
// what each client setting does to the same switchover:
//   - (every profile may meet blue's own read-only answer in the ~20 ms
//     between blue turning read-only and the blackhole, on a connection
//     made before: seen once in CI-like runs, and said, not failed)
//   - new and pooled (the built-in profiles) write into green while it is
//     a standby and fail read_only (SQLSTATE 25006), only then, up to one
//     interval before the promotion's end; new from one interval after the
//     blackhole's end, pooled from one interval after its first dial into
//     the blackhole times out (its dials there hold every slot of the pool
//     for the 5 s connect timeout, longer than the 4 s blackhole: on the
//     rig pooled reaches green about 1.3 s after the blackhole's end);
//   - rw (new connections with target_session_attrs=read-write) never sees
//     a read_only error from green: in that stretch pgx connects, reads
//     transaction_read_only=on and gives the connection up with
//     pgconn.ErrReadOnlyConnection ("read only connection"), which carries
//     no SQLSTATE, so the write is a failed connect (no connect_done) of
//     class other, and the first write after the promotion's end succeeds
//     on green: within one interval, the first slot that dials after it;
//   - evict (a pool that drops a connection after a read-only error)
//     writes on green about as soon as new connections do, within two
//     intervals.
//
// Tolerances are in probe intervals (200 ms), plus the clock slack of
// TestLabProfilesDNS; runLabWith skips rather than judge a machine too
// busy to keep the grid.
func TestLabProfilesAurora(t *testing.T) {
	r := runLabWith(t, "aurora", nil, func(cfg *record.Config) {
		cfg.Kinds = []string{store.KindWrite}
		cfg.Conns = []string{store.ConnNew, store.ConnPooled}
		cfg.Profiles = []record.Profile{
			{Name: profRWNew, Conn: store.ConnNew, TargetSessionAttrs: "read-write"},
			{Name: profEvict, Conn: store.ConnPooled, DropOnReadOnly: true, PoolSize: evictPool},
		}
	})
	ro := r.one(t, ActBlueReadOnly)
	bh := r.one(t, ActEndpointBlackhole)
	promo := r.one(t, ActGreenPromoted)
	if bh.End == nil || promo.End == nil {
		t.Fatal("the blackhole and promotion events need an end")
	}
	// Green is a standby behind the endpoint from the blackhole's end to
	// the promotion's end.
	standby, promoted := *bh.End, *promo.End
	const clock = 50 * time.Millisecond
	streams := map[string][]store.Probe{}
	for _, p := range r.probes {
		if p.Kind == store.KindWrite && p.Start != 0 {
			streams[p.ProfileName()] = append(streams[p.ProfileName()], p)
		}
	}
	for _, name := range []string{store.ConnNew, store.ConnPooled, profRWNew, profEvict} {
		if len(streams[name]) == 0 {
			t.Fatalf("no writes of profile %s (profiles: %d)", name, len(streams))
		}
	}
	blue := identities(r.where(func(p *store.Probe) bool { return ok(p) && at(p.End).Before(ro.Time) }))
	if len(blue) != 1 {
		t.Fatalf("identities answering before the switchover: %v, want only blue", blue)
	}
	// onGreen is the first write of a profile acknowledged by another
	// server than blue.
	onGreen := func(name string) *store.Probe {
		for i := range streams[name] {
			p := &streams[name][i]
			if ok(p) && blue[p.ServerIdentity()] == 0 {
				return p
			}
		}
		t.Fatalf("profile %s: no write acknowledged on green", name)
		return nil
	}

	// onBlueReadOnly: a write that had its connection to blue before the
	// blackhole began and was answered after blue turned read-only (the
	// lab makes blue read-only, then blackholes the endpoint some 20 ms
	// later): blue's own read-only answer, which any client can get, even
	// one that checked target_session_attrs when it connected.
	onBlueReadOnly := func(p *store.Probe) bool {
		return p.ErrorClass == store.ClassReadOnly && p.ConnectDone != 0 &&
			at(p.ConnectDone).Before(bh.Time.Add(clock)) && !at(p.End).Before(ro.Time.Add(-clock))
	}

	// new and pooled: read_only while green is a standby, and only then
	// (besides blue's own read-only moment). A write is placed by the time
	// it had its connection (connect_done): a pooled write that started
	// during the blackhole waits for one and is sent to green after the
	// blackhole's end.
	for _, name := range []string{store.ConnNew, store.ConnPooled} {
		var first, last *store.Probe
		for i := range streams[name] {
			p := &streams[name][i]
			if p.ErrorClass != store.ClassReadOnly {
				continue
			}
			if onBlueReadOnly(p) {
				t.Logf("%s: write started %v failed read_only on blue, connected before the blackhole (%v)", name, at(p.Start), bh.Time)
				continue
			}
			if s := at(p.ConnectDone); p.ConnectDone == 0 || s.Before(standby.Add(-clock)) || s.After(promoted.Add(clock)) {
				t.Errorf("%s: write started %v, connected %v, failed read_only outside green's standby stretch %v..%v",
					name, at(p.Start), s, standby, promoted)
			}
			if first == nil || p.ConnectDone < first.ConnectDone {
				first = p
			}
			if last == nil || p.ConnectDone > last.ConnectDone {
				last = p
			}
		}
		if first == nil {
			t.Errorf("%s: no write failed read_only while green was a standby (%v..%v)", name, standby, promoted)
			continue
		}
		// The pool's dials into the blackhole hold its slots until their
		// connect timeout (5 s, longer than the blackhole): it gets its
		// first connection to green only when the first of them gives up.
		ready, why := standby, "the blackhole's end"
		if name == store.ConnPooled {
			for i := range streams[name] {
				p := &streams[name][i]
				if p.ErrorClass == store.ClassConnectTimeout && at(p.Start).After(bh.Time) && at(p.End).After(ready) {
					ready, why = at(p.End), "its first dial into the blackhole timed out"
					break
				}
			}
		}
		if d := at(first.ConnectDone).Sub(ready); d > e2eInterval+clock {
			t.Errorf("%s: first read_only write connected %v after %s (%v), want within one interval (%v)", name, d, why, ready, e2eInterval)
		}
		if d := promoted.Sub(at(last.ConnectDone)); d > e2eInterval+clock {
			t.Errorf("%s: last read_only write connected %v before the promotion's end, want within one interval (%v)", name, d, e2eInterval)
		}
	}
	newOK := onGreen(store.ConnNew)

	// rw: no read_only error at all; while green is a standby its writes
	// fail to connect with pgx's ErrReadOnlyConnection (class other).
	n := 0
	for i := range streams[profRWNew] {
		p := &streams[profRWNew][i]
		if p.ErrorClass == store.ClassReadOnly && !onBlueReadOnly(p) {
			t.Errorf("%s: write started %v failed read_only via %s", profRWNew, at(p.Start), p.DialedAddr)
		}
		if !at(p.Start).After(standby.Add(clock)) || !at(p.Start).Before(promo.Time.Add(-clock)) {
			continue
		}
		n++
		if !p.Failed() || p.ConnectDone != 0 || p.ErrorClass != store.ClassOther || !strings.Contains(p.Error, rwRefusal) {
			t.Errorf("%s: write started %v while green was a standby: %s %s (connected: %v) %q, want a failed connect of class %s with %q",
				profRWNew, at(p.Start), p.Outcome, p.ErrorClass, p.ConnectDone != 0, p.Error, store.ClassOther, rwRefusal)
		}
	}
	if want := int((promo.Time.Sub(standby)-2*clock)/e2eInterval) - 1; n < want {
		t.Errorf("%s: %d writes started while green was a standby (%v), want at least %d", profRWNew, n, promo.Time.Sub(standby).Round(time.Millisecond), want)
	}
	// Its first write on green was answered after the promotion began (a
	// connect begun a moment before can pass target_session_attrs once
	// green takes writes) and started within one interval of its end.
	rwOK := onGreen(profRWNew)
	if s, e := at(rwOK.Start), at(rwOK.End); e.Before(promo.Time) || s.After(promoted.Add(e2eInterval+clock)) {
		t.Errorf("%s: first write on green %v..%v, want it answered after the promotion began (%v) and started within one interval after its end at %v",
			profRWNew, s, e, promo.Time, promoted)
	}

	// evict: on green about as soon as new connections.
	evictOK := onGreen(profEvict)
	if d := at(evictOK.Start).Sub(at(newOK.Start)); d > 2*e2eInterval+clock {
		t.Errorf("evict: first write on green %v after new's, want within 2 intervals (%v)", d, 2*e2eInterval)
	}
	if r.verify == nil {
		t.Error("no lost-write check")
	} else if r.verify.AcknowledgedMissing != 0 {
		t.Errorf("aurora waits for catch-up, yet %d acknowledged writes were lost", r.verify.AcknowledgedMissing)
	}
}
