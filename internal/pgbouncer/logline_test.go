package pgbouncer

import (
	"errors"
	"testing"
	"time"
)

// Lines as PgBouncer 1.18 writes them to its log file.
func TestParseLogLine(t *testing.T) {
	l, err := ParseLogLine("2026-12-02 00:27:16.794 UTC [24998] LOG S-0x5646dbfabe20: postgres/switchwatch@127.0.0.1:33855 closing because: pause mode (age=0s)")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 2, 0, 27, 16, 794e6, time.UTC); !l.Time.Equal(want) || l.PID != 24998 || l.Level != "LOG" {
		t.Errorf("parsed %+v", l)
	}
	if s, ok := l.PauseModeClose(); !ok || s != "127.0.0.1:33855" {
		t.Errorf("PauseModeClose = %q, %v", s, ok)
	}
	if _, _, ok := l.AdminCommand(); ok || l.LoginRetryRefused() {
		t.Error("a pause-mode close read as an admin command or a refused login")
	}
	for _, c := range []struct{ text, cmd, db string }{
		{"PAUSE command issued", "PAUSE", ""},
		{"PAUSE 'postgres' command issued", "PAUSE", "postgres"},
		{"RESUME 'postgres' command issued", "RESUME", "postgres"},
		{"RELOAD command issued", "RELOAD", ""},
	} {
		l, err := ParseLogLine("2026-12-02 00:27:16.794 UTC [1] LOG " + c.text)
		if err != nil {
			t.Fatal(err)
		}
		if cmd, db, ok := l.AdminCommand(); !ok || cmd != c.cmd || db != c.db {
			t.Errorf("%q: AdminCommand = %q, %q, %v", c.text, cmd, db, ok)
		}
	}
	l, _ = ParseLogLine("2026-12-02 00:27:16.794 UTC [1] LOG C-0x55d0c2d5e0a0: postgres/switchwatch@127.0.0.1:40000 closing because: server login has been failing, try again later (server_login_retry) (age=0s)")
	if !l.LoginRetryRefused() {
		t.Error("a client closed for server_login_retry not recognised")
	}
	for _, bad := range []string{
		"2026-12-02 00:27:16.794 UTC [24998] LOG:  a PostgreSQL line",
		"2026-12-02 00:27:16 UTC [24998] LOG no milliseconds",
		"2026-12-02 00:27:16.794 UTC [24998] LO",
	} {
		if _, err := ParseLogLine(bad); !errors.Is(err, ErrNotLogLine) {
			t.Errorf("ParseLogLine(%q) = %v, want ErrNotLogLine", bad, err)
		}
	}
	if _, err := ParseLogLine("2026-12-02 00:27:16.794 CST [1] LOG x"); err == nil || errors.Is(err, ErrNotLogLine) {
		t.Errorf("an unplaceable zone: %v, want the zone's error", err)
	}
}
