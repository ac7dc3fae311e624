package serverlog

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// allFormats makes a server log every message in all three formats at
// once, into postgresql.{log,csv,json} in its CollectorLogDir; the prefix
// has %e.
var allFormats = map[string]string{
	"logging_collector": "on",
	"log_destination":   "'stderr,csvlog,jsonlog'",
	"log_filename":      "'postgresql.log'",
	"log_line_prefix":   "'%m [%p] %e %q%a '",
}

const realPrefix = "%m [%p] %e %q%a "

// A real primary and standby, logging in jsonlog, csvlog and stderr at
// once: read-only errors, a terminated session, a promotion and a fast
// restart give the same events from every format, and the stderr log
// gives them with its prefix given (SQLSTATE from %e) and detected (from
// the messages).
func TestRealServerLogsAllFormats(t *testing.T) {
	ctx := context.Background()
	blue := pgserver.StartForTest(t, pgserver.Options{Name: "blue", Settings: allFormats})
	green := pgserver.StartStandbyForTest(t, blue, pgserver.Options{Name: "green"})

	conn, err := blue.ConnectTCP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := conn.Exec(ctx, "BEGIN READ ONLY; INSERT INTO t VALUES (1); COMMIT"); err == nil || !strings.Contains(err.Error(), "25006") {
			t.Fatalf("insert in a read-only transaction: %v, want 25006", err)
		}
		conn.Exec(ctx, "ROLLBACK")
	}
	var pid int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if err := blue.Exec(ctx, fmt.Sprintf("SELECT pg_terminate_backend(%d)", pid)); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	lsn, err := blue.CurrentLSN(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := green.WaitReplayed(ctx, lsn, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := green.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	if err := blue.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the collector writes asynchronously

	want := map[string][]string{
		"blue": {event.PGReady, event.PGReadOnlyErrors, event.PGSessionsTerminated,
			event.PGShutdownRequested, event.PGShutDown, event.PGReady},
		"green": {event.PGReadyReadOnly, event.PGPromoteRequested, event.PGNewTimeline,
			event.PGArchiveRecoveryComplete, event.PGReady},
	}
	for _, s := range []*pgserver.Server{blue, green} {
		dir := s.CollectorLogDir()
		var first []string
		for _, c := range []struct {
			file, prefix string
		}{{"postgresql.json", ""}, {"postgresql.csv", ""}, {"postgresql.log", realPrefix}, {"postgresql.log", ""}} {
			path := filepath.Join(dir, c.file)
			evs, bad, err := ReadEvents(path, Options{Prefix: c.prefix})
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, b := range bad {
				t.Errorf("%s, prefix %q: bad line %v", s.Name(), c.prefix, b)
			}
			var got, names []string
			readOnly := 0
			for _, e := range evs {
				// The server's work directory, switchwatch-pg-blue-NNN: the
				// nearest folder above log/.
				if !strings.Contains(e.Attrs["node"], "-"+s.Name()+"-") {
					t.Errorf("%s: %s's node %q, want its work directory's name (switchwatch-pg-%s-...)", path, e.Name, e.Attrs["node"], s.Name())
				}
				if e.Source != event.SourcePostgreSQL {
					t.Errorf("%s: source %q", e.Name, e.Source)
				}
				got = append(got, fmt.Sprintf("%s %s %s %s", e.Time.Format("15:04:05.000"), e.Name, e.Attrs["timeline"], e.Attrs["mode"]))
				if e.Name == event.PGLoginRefused {
					continue // the start's own readiness checks, when they came early
				}
				if e.Name == event.PGReadOnlyErrors {
					var n int
					fmt.Sscan(e.Attrs["count"], &n)
					readOnly += n
					if readOnly < 3 {
						continue // the three errors may straddle a second
					}
				}
				names = append(names, e.Name)
			}
			if s == blue && readOnly != 3 {
				t.Errorf("%s, prefix %q: %d read-only errors counted, want 3", c.file, c.prefix, readOnly)
			}
			if strings.Join(names, " ") != strings.Join(want[s.Name()], " ") {
				t.Errorf("%s %s, prefix %q: events\n%s\nwant the names %v", s.Name(), c.file, c.prefix, strings.Join(got, "\n"), want[s.Name()])
			}
			if first == nil {
				first = got
				t.Logf("%s:\n%s", s.Name(), strings.Join(got, "\n"))
			} else if strings.Join(got, "\n") != strings.Join(first, "\n") {
				t.Errorf("%s %s (prefix %q) disagrees with jsonlog:\n%s\nwant\n%s", s.Name(), c.file, c.prefix, strings.Join(got, "\n"), strings.Join(first, "\n"))
			}
		}
	}
}
