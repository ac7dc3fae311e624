package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record/store"
)

func readAllRows(t *testing.T, dir string) map[string][]store.Probe {
	t.Helper()
	m := map[string][]store.Probe{}
	err := store.ReadRun(dir, func(p *store.Probe) error {
		m[p.Stream()] = append(m[p.Stream()], *p)
		return nil
	}, func(s store.SkippedFile) {
		if !strings.Contains(s.Path, "_journal") { // a cut last journal line is expected
			t.Errorf("skipped %s: %s", s.Path, s.Reason)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rows := range m {
		sort.Slice(rows, func(i, j int) bool { return rows[i].Seq < rows[j].Seq })
	}
	return m
}

// waitForRows waits until a recording has n rows on disk (journal
// included), so a test acts on a run that is going rather than on a guess
// of how long start-up takes on a busy machine.
func waitForRows(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		rows := 0
		if _, err := os.Stat(dir); err == nil {
			store.ReadRun(dir, func(*store.Probe) error { rows++; return nil }, func(store.SkippedFile) {})
		}
		if rows >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not reach %d rows in 60 s", dir, n)
}

// TestKill9LosesAtMostOneSecond kills a recording process with SIGKILL and
// checks, against the probe table in the database as the independent
// witness, that every write the server committed more than 1.2 s before the
// kill (a second, plus time for the acknowledgement to reach the client on a
// busy machine) is in the record — first straight from the
// journal, then after recover — and that no file a Parquet reader would pick
// up is broken. The probe rate is kept modest: the recorder runs here as a
// race-instrumented test binary, and a CPU-starved client can take longer
// than the allowance to even read the server's acknowledgement.
func TestKill9LosesAtMostOneSecond(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{Password: "kill-test-pw"})
	out := t.TempDir()
	cmd := switchwatchCmd(context.Background(), "record", "--write-dsn", srv.DSN(), "--out", out,
		"--interval", "50ms", "--conn", "new,pooled", "--probes", "write", "--quiet", "--run-id", "killed")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForRows(t, filepath.Join(out, "run=killed"), 50)
	// Not a multiple of the journal's flush interval, so that a slower
	// flush than promised cannot hide behind the timing.
	time.Sleep(2500 * time.Millisecond)
	killedAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	dir := filepath.Join(out, "run=killed")

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT conn, seq, written_at FROM switchwatch_probe WHERE run_id = 'killed' AND written_at < $1", killedAt.Add(-1200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		conn string
		seq  int64
	}
	var committed []key
	writtenAt := map[key]time.Time{}
	for rows.Next() {
		var k key
		var at time.Time
		if err := rows.Scan(&k.conn, &k.seq, &at); err != nil {
			t.Fatal(err)
		}
		committed = append(committed, k)
		writtenAt[k] = at
	}
	if rows.Err() != nil || len(committed) < 40 {
		t.Fatalf("%d writes committed 1.2 s before the kill (%v): the recording did not get going; stderr:\n%s", len(committed), rows.Err(), stderr.String())
	}

	check := func(when string) {
		streams := readAllRows(t, dir)
		recorded := map[key]bool{}
		for _, rows := range streams {
			for _, p := range rows {
				recorded[key{p.Conn, p.Seq}] = true
			}
		}
		var missing []string
		for _, k := range committed {
			if !recorded[k] {
				missing = append(missing, fmt.Sprintf("%s/%d committed %v before the kill", k.conn, k.seq, killedAt.Sub(writtenAt[k]).Round(time.Millisecond)))
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s: %d of %d writes committed 1.2 s before the kill are not in the record: %v", when, len(missing), len(committed), missing)
		}
		for name, rows := range streams {
			var newest int64
			for _, p := range rows {
				newest = max(newest, p.End)
			}
			if lag := killedAt.Sub(time.Unix(0, newest)); lag > 1500*time.Millisecond {
				t.Errorf("%s: %s: newest readable probe ended %v before the kill, want within 1.5 s", when, name, lag)
			}
		}
	}
	check("before recover")
	// Every *.parquet file present must open (the open segment is a journal).
	segs, _ := filepath.Glob(filepath.Join(dir, "*.parquet"))
	for _, s := range segs {
		f, _, err := store.OpenSegment(s)
		if err != nil {
			t.Errorf("broken Parquet file left where readers look: %v", err)
			continue
		}
		f.Close()
	}

	var stdout bytes.Buffer
	if err := run(context.Background(), &stdout, &stderr, []string{"recover", out}); err != nil {
		t.Fatalf("recover: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "recovered") {
		t.Errorf("recover said %q", stdout.String())
	}
	if js, _ := store.Journals(dir); len(js) != 0 {
		t.Errorf("journals left after recover: %v", js)
	}
	check("after recover")
	info, err := store.ReadRunInfo(dir)
	if err != nil || !info.Interrupted {
		t.Errorf("run.json after recover: %+v, %v", info, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, store.RunInfoFile))
	if bytes.Contains(data, []byte("kill-test-pw")) {
		t.Errorf("password in run.json")
	}
}

// TestSigtermFinishesCleanly: SIGTERM ends the recording with exit 0, all
// files closed and the lost-write check done.
func TestSigtermFinishesCleanly(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{})
	out := t.TempDir()
	cmd := switchwatchCmd(context.Background(), "record", "--write-dsn", srv.DSN(), "--out", out,
		"--interval", "20ms", "--quiet", "--run-id", "termed")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForRows(t, filepath.Join(out, "run=termed"), 20)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
	}
	dir := filepath.Join(out, "run=termed")
	if js, _ := store.Journals(dir); len(js) != 0 {
		t.Errorf("journals left after a clean stop: %v", js)
	}
	info, err := store.ReadRunInfo(dir)
	if err != nil || info.End == nil || info.Interrupted {
		t.Errorf("run.json after SIGTERM: %+v, %v", info, err)
	}
	v, err := store.ReadVerify(dir)
	if err != nil || v == nil || v.AcknowledgedPresent == 0 || v.AcknowledgedMissing != 0 {
		t.Errorf("verify.json after SIGTERM: %+v, %v\nstdout: %s", v, err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "lost-write check") {
		t.Errorf("stdout lacks the lost-write summary: %s", stdout.String())
	}
}

func TestRecordFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"record", "--out", t.TempDir(), "--write-dsn", "host=x", "--probes", "write,bogus"}, `unknown probe kind "bogus"`},
		{[]string{"record", "--out", t.TempDir(), "--write-dsn", "host=x", "--conn", "sometimes"}, `unknown connection mode "sometimes"`},
		{[]string{"record", "--write-dsn", "host=x"}, "--out is empty"},
		{[]string{"record", "--out", t.TempDir(), "--label", "novalue"}, "want key=value"},
		{[]string{"record", "--out", t.TempDir(), "--write-dsn", "postgres://u:pw-in-bad-dsn@h:badport/db"}, "--write-dsn"},
		{[]string{"record", "--out", t.TempDir(), "--write-dsn", "host=x", "--interval", "50ms", "--rate", "200"}, "--interval 50ms and --rate 200 both given"},
		{[]string{"record", "--out", t.TempDir(), "--write-dsn", "host=x", "--interval", "0"}, "--interval must be positive, got 0s"},
		{[]string{"record", "--out", t.TempDir(), "--write-dsn", "host=x", "--interval", "-1s"}, "--interval must be positive, got -1s"},
		{[]string{"record", "--out", t.TempDir(), "--write-dsn", "host=x", "--rate", "-5"}, "--rate must be a positive number"},
		{[]string{"record", "--out", t.TempDir(), "--write-dsn", "host=x", "--rate", "1e9"}, "more than a million probes per second"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), &stdout, &stderr, c.args)
		if err == nil {
			t.Errorf("%v: no error", c.args)
			continue
		}
		msg := err.Error() + stderr.String()
		if !strings.Contains(msg, c.want) {
			t.Errorf("%v: error %q, want it to mention %q", c.args, msg, c.want)
		}
		if strings.Contains(msg, "pw-in-bad-dsn") {
			t.Errorf("%v: password in error %q", c.args, msg)
		}
	}
}

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRecordSecondInterruptSkipsCheck: the server goes away, the first
// Ctrl-C ends the recording and the lost-write check starts retrying (and
// says so); a second Ctrl-C skips it, and the exit status says the run was
// recorded but not checked.
func TestRecordSecondInterruptSkipsCheck(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{})
	out := t.TempDir()
	cmd := switchwatchCmd(context.Background(), "record", "--write-dsn", srv.DSN(), "--out", out,
		"--interval", "50ms", "--probes", "write", "--run-id", "skipped")
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForRows(t, filepath.Join(out, "run=skipped"), 10)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(os.Interrupt)
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(stderr.String(), "checking for lost writes") {
		if time.Now().After(deadline) {
			t.Fatalf("no word of the lost-write check in 60 s; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the second signal must come after the first was taken
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("exit %v, want status 3 (recorded, check not done); stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "lost-write check was skipped") || !strings.Contains(stdout.String(), "lost-write check: skipped") {
		t.Errorf("output does not say the check was skipped:\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	}
	info, err := store.ReadRunInfo(filepath.Join(out, "run=skipped"))
	if err != nil || info.End == nil || info.Verify != store.VerifySkipped {
		t.Errorf("run.json: %+v, %v; want ended, verify skipped", info, err)
	}
}
