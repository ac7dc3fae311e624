package importer

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record/store"
)

// pgbenchRunner runs the real pgbench binary against a test server, in dir
// (where its logs land). The password reaches only the child process.
type pgbenchRunner struct {
	t    testing.TB
	path string
	srv  *pgserver.Server
	dir  string
}

func newPgbench(t testing.TB, dir string) *pgbenchRunner {
	t.Helper()
	bin := pgserver.BinariesForTest(t)
	path := filepath.Join(bin.Dir, "pgbench")
	if st, err := os.Stat(path); err != nil || st.Mode()&0o111 == 0 {
		pgserver.SkipOrFail(t, err)
	}
	srv := pgserver.StartForTest(t, pgserver.Options{Binaries: bin})
	r := &pgbenchRunner{t: t, path: path, srv: srv, dir: dir}
	if out, err := r.run(context.Background(), "-i", "-s", "1", "-q"); err != nil {
		t.Fatalf("pgbench -i: %v\n%s", err, out)
	}
	return r
}

// run runs pgbench with args and returns its combined output. A non-zero
// exit is returned as the error: pgbench exits 2 when clients were aborted,
// which an outage test expects.
func (r *pgbenchRunner) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, r.path, args...)
	cmd.Dir = r.dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "TZ=UTC",
		"PGHOST=127.0.0.1", "PGPORT=" + strconv.Itoa(r.srv.Port()), "PGUSER=" + r.srv.User(),
		"PGPASSWORD=" + r.srv.Password(), "PGDATABASE=postgres", "PGCONNECT_TIMEOUT=2"}
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// logsIf returns the log files pgbench wrote with prefix, if any.
func (r *pgbenchRunner) logsIf(prefix string) []string {
	m, _ := filepath.Glob(filepath.Join(r.dir, prefix+".*"))
	return m
}

// logs returns the log files pgbench wrote with prefix, sorted.
func (r *pgbenchRunner) logs(prefix string) []string {
	r.t.Helper()
	m, err := filepath.Glob(filepath.Join(r.dir, prefix+".*"))
	if err != nil || len(m) == 0 {
		r.t.Fatalf("no pgbench logs %s.* in %s (%v)", prefix, r.dir, err)
	}
	return m
}

// TestPgbenchThroughOutage runs the real pgbench at a fixed rate, kills the
// server under it (pgbench 15 aborts every client and ends), restarts the
// server and pgbench, and imports both runs' logs as one run: the rows read
// must be exactly the logged transactions, and the stretch between the two
// runs must come out as one inferred gap.
func TestPgbenchThroughOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and runs pgbench")
	}
	ctx := context.Background()
	dir := t.TempDir()
	pb := newPgbench(t, dir)
	aLogs, bLogs := runOutage(t, pb, 50, "-R", "200")
	files := append(append([]string{}, bLogs...), aLogs...) // order must not matter
	lines := countLines(t, files...)

	out := t.TempDir()
	res, err := ImportPgbench(ctx, files, PgbenchOptions{Options: Options{Out: out}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s; notes: %v", res.Report, res.Report.Notes)
	if res.Report.Taken != int64(lines) || res.Report.SkippedTotal() != 0 {
		t.Fatalf("took %d of %d lines, skipped %v", res.Report.Taken, lines, res.Report.Skipped)
	}
	rows := readRows(t, res.RunDir)
	if int64(len(rows)) != res.Rows || res.Rows != int64(lines)+res.Inferred {
		t.Fatalf("%d rows in the run, result says %d, want %d read + %d inferred", len(rows), res.Rows, lines, res.Inferred)
	}
	lastA, firstB := lastIntended(t, aLogs), firstIntended(t, bLogs)
	var inferred int
	for i, p := range rows {
		if p.Seq != int64(i) {
			t.Fatalf("row %d has seq %d", i, p.Seq)
		}
		if i > 0 && p.Intended < rows[i-1].Intended {
			t.Fatalf("row %d is scheduled before row %d", i, i-1)
		}
		if p.Error == InferredError {
			inferred++
			if p.Intended <= lastA || p.Intended >= firstB {
				t.Errorf("inferred row at %d outside the gap between the runs (%d, %d)", p.Intended, lastA, firstB)
			}
		}
	}
	if inferred == 0 || int64(inferred) != res.Inferred {
		t.Fatalf("%d inferred rows, result says %d; want some between the runs", inferred, res.Inferred)
	}
	info := readInfo(t, res.RunDir)
	if info.Settings["inferred"] != true || info.Tool != "switchwatch import pgbench" {
		t.Errorf("run.json settings: %v", info.Settings)
	}
	gaps, _ := info.Settings["inferred_gaps"].([]any)
	if len(gaps) != 1 {
		t.Errorf("want one inferred gap (between the runs), got %v", gaps)
	}
}

// TestPgbenchThroughHang blocks every pgbench transaction behind a table
// lock for 1.5 s, a server that hangs rather than dies: pgbench 15 keeps
// its clients and its schedule, so nothing may be inferred; the hang shows
// as slow transactions, and with --latency-limit as a burst of skipped
// ones, which is what the log says.
func TestPgbenchThroughHang(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and runs pgbench")
	}
	pb := newPgbench(t, t.TempDir())
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"late", nil},
		{"skipped", []string{"--latency-limit=200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			prefix := "hang_" + tc.name
			// -n: no vacuum, which would empty pgbench_history, the
			// count this waits on.
			done := make(chan error, 1)
			go func() {
				args := append([]string{"-n", "-T", "4", "-R", "100", "-c", "2", "-j", "2", "-l", "--log-prefix=" + prefix}, tc.extra...)
				out, err := pb.run(ctx, args...)
				if err != nil {
					err = fmt.Errorf("%w\n%s", err, out)
				}
				done <- err
			}()
			var before int64
			_ = pb.srv.QueryRow(ctx, "SELECT count(*) FROM pgbench_history").Scan(&before)
			for {
				var n int64
				if err := pb.srv.QueryRow(ctx, "SELECT count(*) FROM pgbench_history").Scan(&n); err == nil && n-before >= 30 {
					break
				}
				select {
				case err := <-done:
					t.Fatalf("pgbench ended before the hang: %v", err)
				case <-time.After(50 * time.Millisecond):
				}
			}
			if err := pb.srv.Exec(ctx, "BEGIN; LOCK TABLE pgbench_accounts IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(1.5); COMMIT"); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("pgbench: %v", err)
			}
			res, err := ImportPgbench(ctx, pb.logs(prefix), PgbenchOptions{Options: Options{Out: t.TempDir()}})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s; notes: %v", res.Report, res.Report.Notes)
			if res.Inferred != 0 {
				t.Errorf("%d rows inferred through a hang that pgbench survived", res.Inferred)
			}
			var slow, skipped int
			for _, p := range readRows(t, res.RunDir) {
				if p.Outcome == store.OutcomeOK && p.End-p.Intended > int64(time.Second) {
					slow++
				}
				if p.Outcome == store.OutcomeSkipped {
					skipped++
				}
			}
			if slow == 0 {
				t.Errorf("no transaction took more than 1 s from its schedule through a 1.5 s lock")
			}
			if len(tc.extra) > 0 && skipped == 0 {
				t.Errorf("no skipped transaction under --latency-limit through a 1.5 s lock")
			}
		})
	}
}
