package importer

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var regenerate = flag.Bool("regenerate", false, "run the real pgbench to rewrite the logs under testdata/import/pgbench (then run with -update)")

// goldenRoot holds the golden cases: testdata/import at the module root.
const goldenRoot = "../testdata/import"

// serializationScript makes concurrent clients fail with serialization
// errors: each updates the same row under REPEATABLE READ.
const serializationScript = `BEGIN ISOLATION LEVEL REPEATABLE READ;
UPDATE pgbench_branches SET bbalance = bbalance + 1 WHERE bid = 1;
SELECT pg_sleep(0.002);
END;
`

// TestRegenerate rewrites the pgbench logs of the golden cases from the
// real pgbench binary:
//
//	go test ./importer -run TestRegenerate -regenerate && go test ./importer -run TestGolden -update
//
// Each case's logs land in testdata/import/pgbench/<case>/ with pgbench's
// names, the process id replaced by "pid" (prefix.pid, prefix.pid.1, ...).
func TestRegenerate(t *testing.T) {
	if !*regenerate {
		t.Skip("pass -regenerate to rewrite the pgbench logs under testdata/import")
	}
	ctx := context.Background()
	work := t.TempDir()
	pb := newPgbench(t, work)
	if err := os.WriteFile(filepath.Join(work, "ser.sql"), []byte(serializationScript), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
	}{
		{"plain", []string{"-t", "5", "-c", "2", "-j", "2"}},
		{"rate", []string{"-t", "10", "-c", "2", "-j", "2", "-R", "100"}},
		{"retries", []string{"-t", "10", "--max-tries=3"}},
		{"rate-retries-detailed", []string{"-t", "10", "-R", "100", "--max-tries=3", "--failures-detailed"}},
		{"skipped", []string{"-t", "40", "-R", "3000", "--latency-limit=1"}},
		{"serialization-detailed", []string{"-t", "10", "-c", "4", "-f", "ser.sql", "--failures-detailed"}},
		{"serialization-failed", []string{"-t", "10", "-c", "4", "-f", "ser.sql"}},
		{"aggregate", []string{"-T", "3", "-c", "2", "-j", "2", "--aggregate-interval=1"}},
		{"aggregate-rate", []string{"-T", "3", "-c", "2", "-j", "2", "-R", "100", "--latency-limit=20", "--max-tries=2", "--failures-detailed", "--aggregate-interval=1"}},
	}
	for _, c := range cases {
		prefix := "pgbench_log_" + strings.ReplaceAll(c.name, "-", "_")
		args := append(append([]string{}, c.args...), "-l", "--log-prefix="+prefix)
		if out, err := pb.run(ctx, args...); err != nil {
			t.Fatalf("%s: pgbench %v: %v\n%s", c.name, args, err, out)
		}
		saveLogs(t, pb.logs(prefix), filepath.Join(goldenRoot, "pgbench", c.name))
	}
	// The outage: pgbench at a fixed rate, the server killed under it,
	// restarted, pgbench started again.
	a, b := runOutage(t, pb, 30, "-R", "100")
	saveLogs(t, append(a, b...), filepath.Join(goldenRoot, "pgbench", "outage"))
	// The same with aggregated logs; the first run lasts long enough for
	// whole intervals.
	a, b = runOutage(t, pb, 250, "-R", "100", "--aggregate-interval=1")
	saveLogs(t, append(a, b...), filepath.Join(goldenRoot, "pgbench", "outage-aggregate"))
}

var pidName = regexp.MustCompile(`^(.*?)\.\d+(\.\d+)?$`)

// saveLogs copies pgbench logs into dir (emptied first), naming them
// prefix.pid[.n].
func saveLogs(t *testing.T, logs []string, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "pgbench_log_*"))
	for _, o := range old {
		os.Remove(o)
	}
	for _, l := range logs {
		m := pidName.FindStringSubmatch(filepath.Base(l))
		if m == nil {
			t.Fatalf("unexpected pgbench log name %s", l)
		}
		data, err := os.ReadFile(l)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, m[1]+".pid"+m[2]), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runOutage runs pgbench (2 clients, 2 threads, with the extra args)
// (-n: no vacuum, which would empty pgbench_history, the count this
// waits on) through a SIGKILL of the server: the first run (prefix pgbench_log_a)
// until pgbench has committed minTx transactions, then the kill, which
// aborts every client and ends pgbench; then a restart and a second run of
// 2 s (pgbench_log_b). It returns the logs of both runs.
func runOutage(t *testing.T, pb *pgbenchRunner, minTx int64, extra ...string) (a, b []string) {
	t.Helper()
	ctx := context.Background()
	type pgbOut struct {
		out string
		err error
	}
	done := make(chan pgbOut, 1)
	go func() {
		args := append([]string{"-n", "-T", "60", "-c", "2", "-j", "2", "-l", "--log-prefix=pgbench_log_a"}, extra...)
		out, err := pb.run(ctx, args...)
		done <- pgbOut{out, err}
	}()
	for _, l := range pb.logsIf("pgbench_log_a") {
		os.Remove(l) // of an earlier outage
	}
	var before int64
	_ = pb.srv.QueryRow(ctx, "SELECT count(*) FROM pgbench_history").Scan(&before)
	for {
		var n int64
		if err := pb.srv.QueryRow(ctx, "SELECT count(*) FROM pgbench_history").Scan(&n); err == nil && n-before >= minTx {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("pgbench ended before the outage: %v\n%s", r.err, r.out)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := pb.srv.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, l := range pb.logsIf("pgbench_log_b") {
		os.Remove(l) // of an earlier outage
	}
	if r := <-done; r.err == nil {
		t.Fatalf("pgbench survived a killed server?\n%s", r.out)
	}
	if err := pb.srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-T", "2", "-c", "2", "-j", "2", "-l", "--log-prefix=pgbench_log_b"}, extra...)
	if out, err := pb.run(ctx, args...); err != nil {
		t.Fatalf("pgbench after restart: %v\n%s", err, out)
	}
	return pb.logs("pgbench_log_a"), pb.logs("pgbench_log_b")
}
