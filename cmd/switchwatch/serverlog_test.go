package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

// blueJSON is a jsonlog of blue during outageRun's outage (10:00:05 to
// 10:00:08.15), its last line cut off.
const blueJSON = `{"timestamp":"2026-05-04 10:00:05.010 UTC","pid":11,"error_severity":"LOG","state_code":"00000","message":"received fast shutdown request","backend_type":"postmaster"}
{"timestamp":"2026-05-04 10:00:08.140 UTC","pid":11,"error_severity":"LOG","state_code":"00000","message":"database system is ready to accept connections","backend_type":"postmaster"}
{"timestamp":"2026-05-04 10:00:08.150 UTC","pid":11,"error_sev`

// Server logs given to analyze --events: read through the one events entry
// point, their bad lines named as warnings, a file of no format and an
// unknown log_line_prefix clear errors.
func init() {
	badInputs = append(badInputs,
		badInput{
			name:    "a PostgreSQL jsonlog as events, its last line cut off",
			setup:   func(t *testing.T, dir string) { writeOutageRun(t, dir, "x") },
			files:   map[string]string{"blue.json": blueJSON},
			args:    []string{"analyze", "--events", "DIR/blue.json", "DIR/run=x"},
			out:     []string{"warning: DIR/blue.json:3: not a jsonlog line: unexpected end of JSON input (the file's last line, without a line end: cut off?)\n"},
			numbers: with("run.events", 2),
		},
		badInput{
			name:  "a pgbench log as events",
			setup: func(t *testing.T, dir string) { writeOutageRun(t, dir, "x") },
			files: map[string]string{"pgbench_log.1": "0 1 1234 0 1777888805 123456\n"},
			args:  []string{"analyze", "--events", "DIR/pgbench_log.1", "DIR/run=x"},
			code:  1,
			out:   []string{"DIR/pgbench_log.1", "not an events file", "nor is it any of: PostgreSQL jsonlog, PostgreSQL csvlog, PgBouncer log, PostgreSQL stderr log"},
		},
		badInput{
			name:  "an unknown log_line_prefix escape",
			setup: func(t *testing.T, dir string) { writeOutageRun(t, dir, "x") },
			files: map[string]string{"blue.log": "2026-05-04 10:00:05.010 UTC [11] LOG:  received fast shutdown request\n"},
			args:  []string{"analyze", "--log-prefix", "%m [%p] %Z ", "--events", "DIR/blue.log", "DIR/run=x"},
			code:  2,
			out:   []string{`--log-prefix: log_line_prefix "%m [%p] %Z ": unknown escape %Z`},
		},
		badInput{
			name:    "a stderr log with the prefix given, named by --log-node",
			setup:   func(t *testing.T, dir string) { writeOutageRun(t, dir, "x") },
			files:   map[string]string{"postgresql.log": "[11] 2026-05-04 10:00:05.010 UTC LOG:  received fast shutdown request\n\tcontinued\n"},
			args:    []string{"analyze", "--log-prefix", "[%p] %m ", "--log-node", "db1", "--events", "DIR/postgresql.log", "DIR/run=x"},
			notOut:  []string{"warning"},
			numbers: with("run.events", 1),
		},
	)
}

// import --events takes PgBouncer's log and stores its events with the run.
func TestImportWithServerLogEvents(t *testing.T) {
	file := filepath.Join(importTestdata, "jsonl", "two-files", "app-1.jsonl")
	log := filepath.Join(t.TempDir(), "pgbouncer.log")
	data := "2026-11-25 19:00:00.100 UTC [99] LOG PAUSE 'postgres' command issued\n" +
		"2026-11-25 19:00:00.300 UTC [99] LOG RESUME 'postgres' command issued\n" +
		"2026-11-25 19:00:0\n"
	if err := os.WriteFile(log, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, stderr, err := runImportCmd(t, "import", "jsonl", "--out", out, "--events", log, file)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "1 bad event line") || !strings.Contains(stderr, log+":3: bad event line: not a PgBouncer log line") {
		t.Errorf("stderr: %s", stderr)
	}
	runs, _ := store.FindRuns(out)
	if len(runs) != 1 {
		t.Fatalf("runs: %v", runs)
	}
	evs, bad, err := store.ReadEvents(filepath.Join(runs[0], store.EventsFile))
	if err != nil || len(bad) != 0 || len(evs) != 2 || evs[0].Name != event.PgBouncerPauseIssued || evs[0].Source != event.SourcePgBouncer ||
		evs[0].Attrs["node"] != "pgbouncer" || evs[1].Name != event.PgBouncerResumeIssued {
		t.Fatalf("events.jsonl of the run: %+v %v %v", evs, bad, err)
	}
}
