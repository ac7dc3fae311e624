package serverlog

import (
	"errors"
	"strconv"
	"strings"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/lines"
	"github.com/switchwatch/switchwatch/internal/pgbouncer"
)

func sniffBouncer(_ *Options, head []byte) bool {
	return pgbouncer.LooksLikeLogLine(firstLine(head, false))
}

// bouncerCommands are the admin commands that make events.
var bouncerCommands = map[string]string{
	"PAUSE":     event.PgBouncerPauseIssued,
	"RESUME":    event.PgBouncerResumeIssued,
	"RELOAD":    event.PgBouncerReloadIssued,
	"RECONNECT": event.PgBouncerReconnectIssued,
}

func readBouncer(_ *Options, r *reader) error {
	return lines.Scan(r.in, func(line int, text string, terminated, tooLong bool) error {
		if tooLong {
			r.badLine(line, lines.ErrTooLong)
			return nil
		}
		text = strings.TrimRight(text, "\r")
		if strings.TrimSpace(text) == "" {
			return nil
		}
		l, err := pgbouncer.ParseLogLine(text)
		if err != nil {
			if errors.Is(err, pgbouncer.ErrNotLogLine) {
				err = cutOff(err, terminated)
			}
			r.badLine(line, err)
			return nil
		}
		if err := r.checkTime(l.Time); err != nil {
			r.badLine(line, err)
			return nil
		}
		pid := ""
		if l.PID > 0 {
			pid = strconv.Itoa(l.PID)
		}
		if cmd, db, ok := l.AdminCommand(); ok {
			if name := bouncerCommands[cmd]; name != "" {
				r.add(l.Time, name, pid, l.Text, "command", cmd, "database", db)
			}
			return nil
		}
		if server, ok := l.PauseModeClose(); ok {
			r.add(l.Time, event.PgBouncerPauseClosedLogin, pid, l.Text, "server", server)
			return nil
		}
		if l.LoginRetryRefused() {
			r.count(l.Time, event.PgBouncerLoginRetryRefused, "", l.Text)
		}
		return nil
	})
}
