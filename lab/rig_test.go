package lab

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record/store"
)

// memSink keeps events in memory.
type memSink struct {
	mu     sync.Mutex
	events []store.Event
}

func (m *memSink) Log(e store.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, e)
	return nil
}

func (m *memSink) byName(name string) []store.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Event
	for _, e := range m.events {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func newTestRig(t *testing.T) *Rig {
	t.Helper()
	bin := pgserver.BinariesForTest(t)
	rig, err := NewRig(context.Background(), RigOptions{Binaries: bin})
	if err != nil {
		t.Fatalf("build rig: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, s := range []*pgserver.Server{rig.Blue, rig.Green} {
				t.Logf("log of %s:\n%s", s.Name(), s.LogTail(30))
			}
		}
		dir, pids := rig.Dir, []int{rig.Blue.PID(), rig.Green.PID()}
		if err := rig.Close(); err != nil {
			t.Errorf("close rig: %v", err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("rig directory %s left behind", dir)
		}
		for _, pid := range pids {
			if pid != 0 && syscall.Kill(pid, 0) == nil {
				t.Errorf("postmaster %d still running after Close", pid)
			}
		}
	})
	return rig
}

// try runs one statement through a DSN on a new connection.
func try(dsn, sql string) (serverPort int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return 0, err
	}
	cfg.ConnectTimeout = 1 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return 0, err
	}
	err = conn.QueryRow(ctx, "SELECT inet_server_port()").Scan(&serverPort)
	return serverPort, err
}

func sqlstate(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func custom(steps ...Step) *Scenario {
	return &Scenario{Name: "test", Params: map[string]string{}, Steps: steps}
}

// TestAuroraSteps walks through aurora's steps without the recorder and
// checks, with plain connections through the endpoints, what a client sees
// between them.
func TestAuroraSteps(t *testing.T) {
	rig := newTestRig(t)
	ctx := context.Background()
	w, r := rig.WriteDSN(), rig.ReadDSN()
	if err := rig.Blue.Exec(ctx, "CREATE TABLE t (id serial primary key)"); err != nil {
		t.Fatal(err)
	}
	if port, err := try(w, "INSERT INTO t DEFAULT VALUES"); err != nil || port != rig.Blue.Port() {
		t.Fatalf("write through the endpoint before: port %d, %v; want blue (%d)", port, err, rig.Blue.Port())
	}
	if port, err := try(r, "SELECT 1"); err != nil || port != rig.Green.Port() {
		t.Fatalf("read through the read endpoint: port %d, %v; want green (%d)", port, err, rig.Green.Port())
	}

	// A pooled-style session on blue that blue_read_only must end.
	held, err := pgx.Connect(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close(ctx)

	sink := &memSink{}
	sc := custom(Step{Action: ActBlueReadOnly},
		Step{Action: ActEndpointBlackhole, Params: map[string]string{"for": "300ms", "then": "green", "cut": "true"}})
	if err := RunScenario(ctx, rig, sc, sink); err != nil {
		t.Fatal(err)
	}
	if _, err := held.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("a session on blue survived blue_read_only")
	}
	if err := rig.Blue.Exec(ctx, "INSERT INTO t DEFAULT VALUES"); sqlstate(err) != "25006" {
		t.Errorf("insert on blue after blue_read_only: %v, want SQLSTATE 25006", err)
	}
	// Green is behind the endpoint but still a standby: writes fail as
	// read-only, reads work.
	if _, err := try(w, "INSERT INTO t DEFAULT VALUES"); sqlstate(err) != "25006" {
		t.Errorf("insert through the endpoint on standby green: %v, want SQLSTATE 25006", err)
	}
	if port, err := try(w, "SELECT count(*) FROM t"); err != nil || port != rig.Green.Port() {
		t.Errorf("select through the endpoint: port %d, %v; want green (%d)", port, err, rig.Green.Port())
	}

	sc2 := custom(Step{Action: ActGreenPromoted, Params: map[string]string{"catch_up": "true"}})
	if err := RunScenario(ctx, rig, sc2, sink); err != nil {
		t.Fatal(err)
	}
	if port, err := try(w, "INSERT INTO t DEFAULT VALUES"); err != nil || port != rig.Green.Port() {
		t.Errorf("write after promotion: port %d, %v; want green", port, err)
	}
	var n int
	if err := rig.Green.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 2 {
		t.Errorf("rows on green: %d, %v; want 2 (blue's and the one after promotion)", n, err)
	}

	for _, name := range []string{ActBlueReadOnly, ActEndpointBlackhole, ActEndpointToGreen, EvGreenCaughtUp, ActGreenPromoted} {
		evs := sink.byName(name)
		if len(evs) != 1 {
			t.Errorf("events %s: %d, want 1", name, len(evs))
			continue
		}
		if evs[0].Source != EventSource || evs[0].Time.IsZero() {
			t.Errorf("event %+v: want source lab and a time", evs[0])
		}
	}
	bh := sink.byName(ActEndpointBlackhole)
	if len(bh) == 1 {
		if bh[0].End == nil || bh[0].End.Sub(bh[0].Time) < 300*time.Millisecond {
			t.Errorf("blackhole window %v..%v: want at least 300ms", bh[0].Time, bh[0].End)
		}
	}
	if got := len(sink.byName(EvScenario)); got != 2 {
		t.Errorf("scenario events: %d, want one per RunScenario", got)
	}
}

func TestCrashSteps(t *testing.T) {
	rig := newTestRig(t)
	ctx := context.Background()
	w := rig.WriteDSN()
	sink := &memSink{}
	if err := RunScenario(ctx, rig, custom(Step{Action: ActBlueKilled}, Step{Action: ActEndpointRefuse, Params: map[string]string{"cut": "true"}}), sink); err != nil {
		t.Fatal(err)
	}
	if _, err := try(w, "SELECT 1"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("connect while refusing: %v, want ECONNREFUSED", err)
	}
	if err := RunScenario(ctx, rig, custom(Step{Action: ActGreenPromoted, Params: map[string]string{"catch_up": "false"}}, Step{Action: ActEndpointToGreen}), sink); err != nil {
		t.Fatal(err)
	}
	if port, err := try(w, "CREATE TABLE after_crash ()"); err != nil || port != rig.Green.Port() {
		t.Errorf("write after promotion: port %d, %v; want green", port, err)
	}
	// The refuse window was open across the two RunScenario calls: the
	// first call's end closed it.
	ref := sink.byName(ActEndpointRefuse)
	if len(ref) != 1 || ref[0].End == nil {
		t.Fatalf("refuse events %+v: want one window with an end", ref)
	}
	if k := sink.byName(ActBlueKilled); len(k) != 1 || k[0].Time.After(ref[0].Time) {
		t.Errorf("blue_killed %+v should come before the refuse window %v", k, ref[0].Time)
	}
}

func TestRestartStep(t *testing.T) {
	rig := newTestRig(t)
	ctx := context.Background()
	before := rig.Blue.PID()
	sink := &memSink{}
	if err := RunScenario(ctx, rig, custom(Step{Action: ActBlueRestart}), sink); err != nil {
		t.Fatal(err)
	}
	if rig.Blue.PID() == before {
		t.Error("blue has the same postmaster after restart")
	}
	if port, err := try(rig.WriteDSN(), "CREATE TABLE after_restart ()"); err != nil || port != rig.Blue.Port() {
		t.Errorf("write after restart: port %d, %v; want blue", port, err)
	}
	if ev := sink.byName(ActBlueRestart); len(ev) != 1 || ev[0].End == nil {
		t.Errorf("restart events %+v: want one with an end", ev)
	}
}

func TestCleanStale(t *testing.T) {
	parent, err := pgserver.MakeWorkDir("", "switchwatch-stale-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(parent)
	mk := func(name, pid string) string {
		dir := parent + "/" + workDirPrefix + name
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if pid != "" {
			os.WriteFile(dir+"/"+ownerFile, []byte(pid+"\n"), 0o644)
		}
		return dir
	}
	// A dead owner: pid 2^22+1 is above Linux's largest pid_max.
	dead := mk("dead", "4194305")
	live := mk("live", strconv.Itoa(os.Getpid()))
	kept := mk("kept", "")
	removed := CleanStale(parent)
	if len(removed) != 1 || removed[0] != dead {
		t.Errorf("removed %v, want only %s", removed, dead)
	}
	for _, d := range []string{live, kept} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s removed: %v", d, err)
		}
	}
}

func TestRigPortInUse(t *testing.T) {
	pgserver.BinariesForTest(t) // as root this needs the postgres user too
	// Binaries that cannot run: had the rig made a server first, the error
	// would be about initdb, not the port.
	bogus := &pgserver.Binaries{Dir: "/nonexistent", Postgres: "/nonexistent/postgres",
		Initdb: "/nonexistent/initdb", PgCtl: "/nonexistent/pg_ctl"}
	other, err := NewProxy("other", "127.0.0.1:0", "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = NewRig(context.Background(), RigOptions{Binaries: bogus, WritePort: other.Port()})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("rig on a taken port: %v; want an error saying the port is in use", err)
	}
}
