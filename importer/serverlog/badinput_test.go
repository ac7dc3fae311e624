package serverlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

// now is the clock of these tests: a day after their logs.
var now = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

// jl is a jsonlog line as PostgreSQL 15 writes it (fields abridged).
func jl(ts, sev, state, msg string) string {
	return fmt.Sprintf(`{"timestamp":"%s","pid":4242,"session_id":"6752f0a1.1092","line_num":3,"error_severity":"%s","state_code":"%s","message":%q,"backend_type":"client backend","query_id":0}`,
		ts, sev, state, msg)
}

// cl is a csvlog row of PostgreSQL 14 and later (26 columns).
func cl(ts, sev, state, msg string) string {
	return fmt.Sprintf(`%s,"switchwatch","postgres",4242,"127.0.0.1:50000",6752f0a1.1092,3,"INSERT",2026-12-06 14:00:00 UTC,3/7,0,%s,%s,%q,,,,,,,,,"app","client backend",,0`, ts, sev, state, msg)
}

// The bad-input table of server and pooler logs: each gives a clear error,
// or the right events and bad lines, each bad line named by file:line.
func TestBadLogs(t *testing.T) {
	ro := "cannot execute INSERT in a read-only transaction"
	for _, c := range []struct {
		name   string
		file   string // the log's name
		text   string
		opts   Options
		err    string   // the error wanted, if any
		events []string // "name count" of each event wanted, in order
		bad    []string // the bad lines wanted: "line: text in the error"
	}{
		{name: "a pgbench log is no server log", file: "pgbench_log.1234",
			text: "0 1 1234 0 1764943200 123456\n0 2 1301 0 1764943200 223456\n",
			err:  "pgbench_log.1234: not a PostgreSQL or PgBouncer log: its first line is in none of the formats PostgreSQL jsonlog; PostgreSQL csvlog; PgBouncer log; PostgreSQL stderr log"},
		{name: "events.jsonl is no server log", file: "events.jsonl",
			text: `{"time":"2026-12-06T14:00:01Z","name":"mark","source":"user"}` + "\n",
			err:  "not a PostgreSQL or PgBouncer log"},
		{name: "jsonlog cut off in its last line", file: "blue.json",
			text: jl("2026-12-06 14:00:01.100 UTC", "LOG", "00000", "received promote request") + "\n" +
				jl("2026-12-06 14:00:01.150 UTC", "LOG", "00000", "database system is ready to accept connections") + "\n" +
				`{"timestamp":"2026-12-06 14:00:01.200 UTC","pid":4242,"error_sev`,
			events: []string{"postgresql_promote_requested 0", "postgresql_ready 0"},
			bad:    []string{"3: not a jsonlog line: unexpected end of JSON input (the file's last line, without a line end: cut off?)"}},
		{name: "jsonlog times of 0 and far in the future", file: "blue.json",
			text: jl("1970-01-01 00:00:00.000 UTC", "LOG", "00000", "received promote request") + "\n" +
				jl("2099-12-06 14:00:01.000 UTC", "LOG", "00000", "received promote request") + "\n" +
				jl("2026-12-06 14:00:01.000 UTC", "LOG", "00000", "received promote request") + "\n",
			events: []string{"postgresql_promote_requested 0"},
			bad:    []string{"1: time 1970-01-01T00:00:00Z is implausible", "2: time 2099-12-06T14:00:01Z is implausible"}},
		{name: "jsonlog in a zone of unknown offset", file: "blue.json",
			text: jl("2026-12-06 08:00:01.000 CST", "LOG", "00000", "received promote request") + "\n",
			bad:  []string{`1: time zone "CST": not UTC, a numeric offset or this machine's own zone`}},
		{name: "jsonlog of another program", file: "blue.json",
			text:   jl("2026-12-06 14:00:01.000 UTC", "LOG", "00000", "received promote request") + "\n" + `{"timestamp":"2026-12-06 14:00:02.000 UTC","level":"info"}` + "\n",
			events: []string{"postgresql_promote_requested 0"},
			bad:    []string{`2: jsonlog line without "timestamp", "error_severity" or "message"`}},
		{name: "csvlog row of the wrong column count", file: "blue.csv",
			text: cl("2026-12-06 14:00:01.000 UTC", "ERROR", "25006", ro) + "\n" +
				`2026-12-06 14:00:01.500 UTC,"switchwatch","postgres",4242,ERROR` + "\n" +
				cl("2026-12-06 14:00:01.900 UTC", "ERROR", "25006", ro) + "\n",
			events: []string{"postgresql_read_only_errors 2"},
			bad:    []string{"2: csvlog row of 5 columns, want 26 (PostgreSQL 14 and later), 24 (13) or 23 (12)"}},
		{name: "csvlog cut off inside a quoted field", file: "blue.csv",
			text:   cl("2026-12-06 14:00:01.000 UTC", "LOG", "00000", "received promote request") + "\n" + `2026-12-06 14:00:01.500 UTC,"switchw`,
			events: []string{"postgresql_promote_requested 0"},
			bad:    []string{`2: not a csvlog row: extraneous or missing " in quoted-field`}},
		{name: "stderr, read-only errors counted per second, continuation lines", file: "blue.log",
			text: strings.Repeat("2026-12-06 14:00:01.100 UTC [4242] ERROR:  "+ro+"\n2026-12-06 14:00:01.100 UTC [4242] STATEMENT:  INSERT INTO t\n\tVALUES (1)\n", 5) +
				strings.Repeat("2026-12-06 14:00:02.300 UTC [4243] ERROR:  "+ro+"\n", 2) +
				"2026-12-06 14:00:02.900 UTC [4244] FATAL:  the database system is shutting down\n",
			events: []string{"postgresql_read_only_errors 5", "postgresql_read_only_errors 2", "postgresql_login_refused 1"}},
		{name: "stderr, a line of another form among them", file: "blue.log",
			text: "2026-12-06 14:00:01.100 UTC [4242] LOG:  received fast shutdown request\n" +
				"waiting for server to shut down.... done\n" +
				"2026-12-06 14:00:01.2\n" +
				"2026-12-06 14:00:01.300 UTC [4242] LOG:  database system is shut down\n",
			events: []string{"postgresql_shutdown_requested 0", "postgresql_shut_down 0"},
			bad:    []string{"2: not a PostgreSQL stderr log line", "3: not a PostgreSQL stderr log line"}},
		{name: "stderr whose prefix does not start with the time, undetected", file: "blue.log",
			text: "[4242] 2026-12-06 14:00:01.100 UTC LOG:  received fast shutdown request\n",
			err:  "not a PostgreSQL or PgBouncer log"},
		{name: "stderr whose prefix does not start with the time, given", file: "blue.log",
			text:   "[4242] 57P01 2026-12-06 14:00:01.100 UTC FATAL:  terminating connection due to administrator command\n[4242] 00000 2026-12-06 14:00:01.100 UTC LOG:  received fast shutdown request\n",
			opts:   Options{Prefix: "[%p] %e %m "},
			events: []string{"postgresql_shutdown_requested 0", "postgresql_sessions_terminated 1"}}, // at one time: instants first
		{name: "stderr, a line of another prefix than the one given", file: "blue.log",
			text:   "2026-12-06 14:00:01.100 UTC [4242] LOG:  received fast shutdown request\n2026-12-06 14:00:01.300 UTC LOG:  database system is shut down\n",
			opts:   Options{Prefix: "%m [%p] "},
			events: []string{"postgresql_shutdown_requested 0"},
			bad:    []string{`2: not a line of log_line_prefix "%m [%p] "`}},
		{name: "an unknown prefix escape", file: "blue.log", text: "x\n", opts: Options{Prefix: "%m %Z "},
			err: `log_line_prefix "%m %Z ": unknown escape %Z`},
		{name: "a prefix without a timestamp", file: "blue.log", text: "x\n", opts: Options{Prefix: "[%p] %u "},
			err: `log_line_prefix "[%p] %u " has no timestamp (%m, %t or %n)`},
		{name: "PgBouncer log cut off, and a line of another form", file: "pgbouncer.log",
			text: "2026-12-06 14:00:01.100 UTC [99] LOG PAUSE 'postgres' command issued\n" +
				"2026-12-06 14:00:01.100 UTC [99] LOG:  a PostgreSQL line\n" +
				"2026-12-06 14:00:02.000 UTC [99] LOG RESUME 'postgres' command issued\n" +
				"2026-12-06 14:00:0",
			events: []string{"pgbouncer_pause_issued 0", "pgbouncer_resume_issued 0"},
			bad:    []string{"2: not a PgBouncer log line", "4: not a PgBouncer log line (want \"2006-01-02 15:04:05.000 UTC [pid] LOG message\") (the file's last line, without a line end: cut off?)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), c.file)
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			o := c.opts
			o.Now = func() time.Time { return now }
			evs, bad, err := ReadEvents(path, o)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range evs {
				n := e.Attrs["count"]
				if n == "" {
					n = "0"
				}
				got = append(got, e.Name+" "+n)
			}
			if strings.Join(got, ", ") != strings.Join(c.events, ", ") {
				t.Errorf("events %q, want %q", got, c.events)
			}
			if len(bad) != len(c.bad) {
				t.Errorf("%d bad lines %v, want %d", len(bad), bad, len(c.bad))
			}
			for i, b := range bad {
				if b.File != path {
					t.Errorf("bad line names %q, want %q", b.File, path)
				}
				if i < len(c.bad) && !strings.Contains(b.Error(), path+":"+c.bad[i]) {
					t.Errorf("bad line %q, want it to say %q", b.Error(), path+":"+c.bad[i])
				}
			}
		})
	}
}

// Register makes store.ReadEvents read logs, with the options given; a
// file in no format lists the logs among the formats it is not.
func TestRegisterWithStore(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "green.log")
	os.WriteFile(log, []byte("[1] 2026-12-06 14:00:01.100 UTC LOG:  received promote request\n"), 0o644)
	other := filepath.Join(dir, "other.txt")
	os.WriteFile(other, []byte("hello\n"), 0o644)
	if err := Register(Options{Prefix: "[%p] %m ", Node: "green-1"}); err != nil {
		t.Fatal(err)
	}
	defer Register(Options{})
	evs, bad, err := store.ReadEvents(log)
	if err != nil || len(bad) > 0 || len(evs) != 1 || evs[0].Name != event.PGPromoteRequested || evs[0].Attrs["node"] != "green-1" || evs[0].Attrs["pid"] != "1" {
		t.Fatalf("ReadEvents = %+v, %v, %v", evs, bad, err)
	}
	_, _, err = store.ReadEvents(other)
	if !errors.Is(err, store.ErrNotEvents) || !strings.Contains(err.Error(), "nor is it any of: PostgreSQL jsonlog, PostgreSQL csvlog, PgBouncer log, PostgreSQL stderr log") {
		t.Errorf("a file of no format: %v", err)
	}
	if err := Register(Options{Prefix: "%Z"}); err == nil {
		t.Error("Register took an unknown escape")
	}
}

func TestNodeFromPath(t *testing.T) {
	for path, want := range map[string]string{
		"/runs/run=x/logs/blue.json":                         "blue",
		"/runs/run=x/logs/pgbouncer.log":                     "pgbouncer",
		"/srv/db1/data/log/postgresql-2026-12-06_140000.csv": "db1",
		"/var/lib/postgresql/15/main/log/postgresql.json":    "main",
		"/tmp/switchwatch-pg-blue-1/server.log":              "switchwatch-pg-blue-1",
		"/log/postgresql.log":                                "postgresql",
	} {
		if got := NodeFromPath(path); got != want {
			t.Errorf("NodeFromPath(%q) = %q, want %q", path, got, want)
		}
	}
}
