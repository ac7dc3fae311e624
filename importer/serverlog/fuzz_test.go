package serverlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzServerLog: no log, in any format or none, makes the reader panic;
// every bad line it names is a line of the file, and every event has a
// name, a plausible time and its node.
func FuzzServerLog(f *testing.F) {
	for _, seed := range []string{
		jl("2026-12-06 14:00:01.100 UTC", "LOG", "00000", "received promote request") + "\n",
		cl("2026-12-06 14:00:01.000 UTC", "ERROR", "25006", "cannot execute INSERT in a read-only transaction") + "\n",
		"2026-12-06 14:00:01.100 UTC [4242] LOG:  received fast shutdown request\n\tmore\n",
		"2026-12-06 14:00:01.100 UTC [99] LOG PAUSE 'postgres' command issued\n",
		"2026-12-06 14:00:01 CET [1] FATAL:  the database system is starting up\n",
	} {
		f.Add(seed, "")
		f.Add(seed, "%m [%p] %q%a ")
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text, prefix string) {
		path := filepath.Join(dir, "blue.log")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		evs, bad, err := ReadEvents(path, Options{Prefix: prefix, Now: func() time.Time { return now }})
		if err != nil {
			return
		}
		lines := strings.Count(text, "\n") + 1
		for _, b := range bad {
			if b.Line < 1 || b.Line > lines || b.File != path {
				t.Errorf("bad line %v outside the file's %d lines", b, lines)
			}
		}
		for _, e := range evs {
			if e.Name == "" || e.Time.Before(earliest) || e.Time.After(now.Add(24*time.Hour)) || e.Attrs["node"] != "blue" {
				t.Errorf("event %+v", e)
			}
		}
	})
}
