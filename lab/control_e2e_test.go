package lab

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/patroni"
	"github.com/switchwatch/switchwatch/internal/pgbouncer"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// Each rig kind "lab up" builds plays its scenario twice on one rig, a
// recording running throughout: both plays succeed, the rig refuses a
// scenario that needs another kind, the writes between and after the
// plays (after each reset) all succeed, and each play moved the writes to
// another server (Patroni back to the first).

func TestLabUpPlaysTwiceBlueGreen(t *testing.T) {
	playTwice(t, "aurora", map[string]string{"blackhole": "2s", "read_only": "1s"}, "dns")
}

func TestLabUpPlaysTwicePgBouncer(t *testing.T) {
	pgbouncer.FindForTest(t)
	playTwice(t, "pgbouncer", nil, "aurora")
}

func TestLabUpPlaysTwiceDNS(t *testing.T) {
	playTwice(t, "dns", map[string]string{"ttl": "1s"}, "pgbouncer")
}

func TestLabUpPlaysTwicePatroni(t *testing.T) {
	patroni.FindForTest(t)
	playTwice(t, "patroni", nil, "aurora")
}

// playTwice is the re-run/skip-when-busy pattern of runLabWith around
// playTwiceOnce.
func playTwice(t *testing.T, name string, set map[string]string, other string) {
	t.Helper()
	const attempts = 3
	for i := 1; ; i++ {
		busy := playTwiceOnce(t, name, set, other)
		if busy == "" || t.Failed() {
			return
		}
		if i == attempts {
			t.Skipf("%s, %d times", busy, attempts)
		}
		t.Logf("%s; running again", busy)
	}
}

// playTwiceOnce returns why the machine was too busy to judge, or "".
func playTwiceOnce(t *testing.T, name string, set map[string]string, other string) string {
	t.Helper()
	bin := pgserver.BinariesForTest(t)
	sc, err := NewBuiltin(name, set)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	state := filepath.Join(t.TempDir(), "rig.json")
	var log strings.Builder
	opts := sc.RigFor(RigOptions{Binaries: bin})
	srv, err := Serve(ctx, opts, state, &log)
	if err != nil {
		t.Fatalf("serve a %s rig: %v", opts.Describe(), err)
	}
	defer func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stop the rig: %v", err)
		}
		if t.Failed() {
			t.Logf("lab up's log:\n%s", log.String())
		}
	}()
	st, err := ReadUpState(state)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rig != opts.Describe() || (opts.DNS != (st.DNSServer != "")) {
		t.Errorf("state file: rig %q, dns_server %q; want %q and a DNS server only on a dns rig", st.Rig, st.DNSServer, opts.Describe())
	}
	// A scenario that needs another rig is refused, naming the rig it needs.
	err = Play(ctx, state, other, nil, filepath.Join(t.TempDir(), "refused.jsonl"), nil)
	if err == nil || !strings.Contains(err.Error(), "lab up --scenario "+other) {
		t.Errorf("play %s on a %s rig: %v; want a refusal naming \"lab up --scenario %s\"", other, st.Rig, err, other)
	}

	out := t.TempDir()
	cfg := record.Config{WriteDSN: st.WriteDSN, ReadDSN: st.WriteDSN, DNSServer: st.DNSServer, Out: out,
		RunID: record.NewRunID(time.Now()), Table: record.DefaultTable, NoVerify: true,
		Interval: e2eInterval, ConnectTimeout: 5 * time.Second, QueryTimeout: 5 * time.Second,
		Kinds: []string{store.KindWrite, store.KindRead}, Conns: []string{store.ConnNew}}
	runDir := filepath.Join(out, store.RunDirName(cfg.RunID))
	rec := startRecorder(ctx, cfg)
	defer rec.stop()
	if err := waitForFile(ctx, filepath.Join(runDir, store.RunInfoFile), rec.done); err != nil {
		t.Fatalf("the recorder did not start: %v %v", err, rec.err)
	}
	events := filepath.Join(runDir, store.EventsFile)
	const steady = 3 * time.Second
	var played []time.Time // when each Play returned: the rig was reset
	for i := 1; i <= 2; i++ {
		if err := sleepOrDone(ctx, steady, rec.done); err != nil {
			t.Fatalf("before play %d: %v %v", i, err, rec.err)
		}
		if err := Play(ctx, state, name, set, events, nil); err != nil {
			t.Fatalf("play %d of %s: %v", i, name, err)
		}
		played = append(played, time.Now())
	}
	if err := sleepOrDone(ctx, steady, rec.done); err != nil {
		t.Fatalf("after the plays: %v %v", err, rec.err)
	}
	rec.stop()
	if rec.err != nil {
		t.Fatalf("record: %v", rec.err)
	}
	if st, err := ReadUpState(state); err != nil || st.Plays != 2 {
		t.Errorf("state file after two plays: %+v, %v; want plays 2", st, err)
	}

	r := readLabRun(t, runDir)
	scs := r.events[EvScenario]
	if len(scs) != 2 {
		t.Fatalf("scenario events: %d, want one per play: %v", len(scs), r.events)
	}
	// The lead-in health check of runLabWith, before the first play.
	bad0, slow, total := r.healthBefore(scs[0].Time)
	if bad0 > 0 || slow > 0 || total < 15 {
		return fmt.Sprintf("machine too busy to judge timing: of %d probes before the first play (want at least 15), %d failed and %d took over a second (load average %s)",
			total, bad0, slow, loadAvg())
	}
	for i, e := range scs {
		if e.Attrs["error"] != "" || e.End == nil {
			t.Errorf("play %d: %s", i+1, e.Message)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			r.dump(t)
		}
	})

	// Writes in the steady spells (before the first play, between the
	// plays once the rig was reset, after the second) all succeed, and
	// each play moved them to another server.
	spells := [][2]time.Time{
		{time.Time{}, scs[0].Time},
		{played[0].Add(tol), scs[1].Time},
		{played[1].Add(tol), time.Now()},
	}
	var servers []string
	for i, sp := range spells {
		addrs := map[string]int{}
		for _, p := range r.where(func(p *store.Probe) bool {
			return p.Kind == store.KindWrite && at(p.Start).After(sp[0]) && at(p.End).Before(sp[1])
		}) {
			if !ok(&p) {
				t.Errorf("steady spell %d: write at %v failed: %s %s", i+1, at(p.Start), p.ErrorClass, p.Error)
				continue
			}
			addrs[p.ServerAddr]++
		}
		if len(addrs) != 1 {
			t.Fatalf("steady spell %d: writes answered by %v, want one server", i+1, addrs)
		}
		for a := range addrs {
			servers = append(servers, a)
		}
	}
	if servers[0] == servers[1] || servers[1] == servers[2] {
		t.Errorf("servers taking writes before, between and after the plays: %v; want each play to move them", servers)
	}
	if opts.Kind() == RigPatroni && servers[2] != servers[0] {
		t.Errorf("Patroni: writes on %v; want the second switchover back to the first leader", servers)
	}
	t.Logf("writes on %v; lab up's log:\n%s", servers, log.String())
	return ""
}

// "lab play --scenario-file": a rig of "lab up" plays a scenario file's own
// steps, with its name and parameters in the ground truth, and refuses a
// file whose base needs another rig, as it refuses such a built-in.
func TestLabUpPlaysAScenarioFile(t *testing.T) {
	bin := pgserver.BinariesForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	state := filepath.Join(dir, "rig.json")
	var log strings.Builder
	srv, err := Serve(ctx, RigOptions{Binaries: bin}, state, &log)
	if err != nil {
		t.Fatalf("serve a rig: %v", err)
	}
	defer func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stop the rig: %v", err)
		}
		if t.Failed() {
			t.Logf("lab up's log:\n%s", log.String())
		}
	}()
	file := writeFile(t, "two-blips.yaml", "name: two-blips\nparams: {ticket: OPS-1}\nsteps:\n"+
		"  - action: endpoint_refuse\n    params: {for: 300ms}\n"+
		"  - action: endpoint_blackhole\n    after: 300ms\n    params: {for: 300ms}\n")
	events := filepath.Join(dir, "events.jsonl")
	var told []string
	if err := PlayFile(ctx, state, file, map[string]string{"ticket": "OPS-2"}, events, func(e store.Event) { told = append(told, e.Name) }); err != nil {
		t.Fatalf("play the file: %v", err)
	}
	evs, bad, err := store.ReadEvents(events)
	if err != nil || len(bad) > 0 {
		t.Fatalf("read events: %v %v", err, bad)
	}
	var names []string
	var sc *store.Event
	for i, e := range evs {
		names = append(names, e.Name)
		if e.Name == EvScenario {
			sc = &evs[i]
		}
	}
	// Each window ends by pointing the endpoint back where it was (blue).
	want := []string{ActEndpointRefuse, ActEndpointToBlue, ActEndpointBlackhole, ActEndpointToBlue, EvScenario}
	if !slices.Equal(names, want) || !slices.Equal(told, want) {
		t.Fatalf("events %v, told %v; want %v", names, told, want)
	}
	if sc.Message != "scenario two-blips" || sc.Attrs["ticket"] != "OPS-2" {
		t.Errorf("scenario event %q %v; want the file's name and --set over its params", sc.Message, sc.Attrs)
	}
	refuse, hole := evs[0], evs[2]
	if hole.Time.Sub(*refuse.End) < 300*time.Millisecond {
		t.Errorf("blackhole began %v after the refusal ended, want the file's after: 300ms", hole.Time.Sub(*refuse.End))
	}
	other := writeFile(t, "bouncer.yaml", "base: pgbouncer\n")
	err = PlayFile(ctx, state, other, nil, filepath.Join(dir, "refused.jsonl"), nil)
	if err == nil || !strings.Contains(err.Error(), "lab up --scenario pgbouncer") {
		t.Errorf("play a pgbouncer-based file on a blue/green rig: %v; want a refusal naming \"lab up --scenario pgbouncer\"", err)
	}
}
