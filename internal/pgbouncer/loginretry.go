package pgbouncer

import (
	"bufio"
	"context"
	"fmt"
	"os"
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
		// Other lines (and lines not in the log's form) say nothing
		// about pause-mode closes: PausedLogins looks for those only.
		l, err := ParseLogLine(sc.Text())
		if err != nil {
			continue
		}
		server, ok := l.PauseModeClose()
		if !ok {
			continue
		}
		// The log says milliseconds: a close in since's own millisecond
		// was before since unless its line is later.
		if l.Time.After(since.Truncate(time.Millisecond)) {
			out = append(out, PausedLogin{Time: l.Time, Server: server})
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
