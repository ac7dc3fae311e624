package pgbouncer

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A PausedLogin is a server connection PgBouncer opened while its database
// was paused and then closed "because: pause mode" before it was ever used:
// the connection it opens to learn the server's parameters when a client
// logs in to a pool that has none yet (the first login ever, or the first
// after RELOAD pointed the database at another server). PgBouncer 1.18
// counts that close as a failed login, so the pool opens no new server
// connection for server_login_retry (15 s by default), RESUME or not, and
// clients that need one wait that long (pgbouncer/pgbouncer#498; #420
// describes the mechanism).
type PausedLogin struct {
	Time   time.Time // the log line's time (PgBouncer's clock, ms)
	Server string    // host:port the connection went to
}

// pausedLoginLine matches PgBouncer's log line for a server connection
// closed by pause mode (in UTC: pgserver.Command runs it with TZ=UTC):
//
//	2026-12-02 00:27:16.794 UTC [24998] LOG S-0x5646dbfabe20: postgres/switchwatch@127.0.0.1:33855 closing because: pause mode (age=0s)
var pausedLoginLine = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC \[\d+\] LOG S-0x[0-9a-f]+: [^@]*@(\S+) closing because: pause mode `)

// PausedLogins returns the server connections closed by pause mode after
// since, from PgBouncer's log. Pass the time PAUSE returned: PAUSE returns
// once it has closed the connections it found, so any later such close is
// a connection opened during the pause.
func (b *Bouncer) PausedLogins(since time.Time) ([]PausedLogin, error) {
	f, err := os.Open(b.logPath)
	if err != nil {
		return nil, fmt.Errorf("read pgbouncer log: %w", err)
	}
	defer f.Close()
	var out []PausedLogin
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := pausedLoginLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02 15:04:05.000", m[1], time.UTC)
		if err != nil {
			continue
		}
		// The log says milliseconds: a close in since's own millisecond
		// was before since unless its line is later.
		if t.After(since.Truncate(time.Millisecond)) {
			out = append(out, PausedLogin{Time: t, Server: m[2]})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read pgbouncer log: %w", err)
	}
	return out, nil
}

// LoginRetry is PgBouncer's server_login_retry as it runs (SHOW CONFIG).
func (b *Bouncer) LoginRetry(ctx context.Context) (time.Duration, error) {
	rows, err := b.Show(ctx, "CONFIG")
	if err != nil {
		return 0, err
	}
	for _, row := range rows {
		if row["key"] != "server_login_retry" {
			continue
		}
		v := strings.TrimSpace(row["value"])
		// PgBouncer shows seconds, as a number or with a unit (1.18: "15").
		if d, err := time.ParseDuration(v); err == nil {
			return d, nil
		}
		if s, err := strconv.ParseFloat(v, 64); err == nil {
			return time.Duration(s * float64(time.Second)), nil
		}
		return 0, fmt.Errorf("pgbouncer server_login_retry %q: not a duration", v)
	}
	return 0, fmt.Errorf("pgbouncer SHOW CONFIG has no server_login_retry")
}
