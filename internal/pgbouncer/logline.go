package pgbouncer

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/switchwatch/switchwatch/internal/logtime"
)

// LogLine is one line of PgBouncer's log file. This file is the one place
// that knows its form and the patterns of the messages switchwatch reads
// from it (PausedLogins here, importer/serverlog's events).
type LogLine struct {
	Time  time.Time // PgBouncer's clock, ms
	PID   int
	Level string // LOG, WARNING, ERROR, FATAL, DEBUG, NOISE
	Text  string // the message after the level: data from outside
}

// logLine is PgBouncer's log line (1.18, log to a file):
//
//	2026-12-02 00:27:16.794 UTC [24998] LOG S-0x5646dbfabe20: postgres/switchwatch@127.0.0.1:33855 closing because: pause mode (age=0s)
var logLine = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\S+) \[(\d+)\] (LOG|WARNING|ERROR|FATAL|DEBUG|NOISE) (.*)$`)

// ErrNotLogLine is wrapped by ParseLogLine's error for a line not in the
// form of PgBouncer's log.
var ErrNotLogLine = errors.New("not a PgBouncer log line (want \"2006-01-02 15:04:05.000 UTC [pid] LOG message\")")

// LooksLikeLogLine reports whether s has the form of a PgBouncer log
// line, whatever its time says.
func LooksLikeLogLine(s string) bool { return logLine.MatchString(s) }

// ParseLogLine parses one line of PgBouncer's log.
func ParseLogLine(s string) (LogLine, error) {
	m := logLine.FindStringSubmatch(s)
	if m == nil {
		return LogLine{}, ErrNotLogLine
	}
	t, err := logtime.Parse(m[1], m[2])
	if err != nil {
		return LogLine{}, err
	}
	pid, err := strconv.Atoi(m[3])
	if err != nil {
		return LogLine{}, fmt.Errorf("pid %q: %w", m[3], err)
	}
	return LogLine{Time: t, PID: pid, Level: m[4], Text: m[5]}, nil
}

// pauseModeClose is the message of a server connection closed by pause
// mode; loginRetryRefused a client closed while the pool waits out
// server_login_retry; adminCommand an admin console command as PgBouncer
// logs it ("PAUSE command issued", "RESUME 'postgres' command issued").
var (
	pauseModeClose    = regexp.MustCompile(`^S-0x[0-9a-f]+: [^@]*@(\S+) closing because: pause mode `)
	loginRetryRefused = regexp.MustCompile(`^C-0x[0-9a-f]+: .* closing because: server login has been failing, try again later \(server_login_retry\)`)
	adminCommand      = regexp.MustCompile(`^([A-Z_]+)(?: '([^']*)')? command issued$`)
)

// PauseModeClose reports whether the line is a server connection closed
// "because: pause mode", and the server (host:port) it went to.
func (l LogLine) PauseModeClose() (server string, ok bool) {
	if m := pauseModeClose.FindStringSubmatch(l.Text); m != nil {
		return m[1], true
	}
	return "", false
}

// LoginRetryRefused reports whether the line is a client closed "because:
// server login has been failing, try again later (server_login_retry)".
func (l LogLine) LoginRetryRefused() bool { return loginRetryRefused.MatchString(l.Text) }

// AdminCommand reports whether the line is an admin console command as
// PgBouncer logs it, and the command (PAUSE, RESUME, RELOAD, ...) and the
// database it named ("" for all).
func (l LogLine) AdminCommand() (command, database string, ok bool) {
	if m := adminCommand.FindStringSubmatch(l.Text); m != nil {
		return m[1], m[2], true
	}
	return "", "", false
}
