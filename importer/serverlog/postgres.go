package serverlog

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/logtime"
)

// entry is one message of a PostgreSQL log, whatever its format.
type entry struct {
	line     int
	time     time.Time
	pid      string
	severity string // LOG, ERROR, FATAL, ...
	sqlstate string // "" when the log does not say
	message  string
}

// The SQLSTATEs of the counted events.
const (
	stateAdminShutdown = "57P01"
	stateCannotConnect = "57P03"
	stateReadOnly      = "25006"
)

// The messages PostgreSQL (15) logs for the steps of a switchover, from
// postmaster.c, xlog.c and xlogrecovery.c, and those of the counted
// errors, for logs that do not carry the SQLSTATE.
var (
	msgShutdownRequest = regexp.MustCompile(`^received (fast|smart|immediate) shutdown request$`)
	msgNewTimeline     = regexp.MustCompile(`^selected new timeline ID: (\d+)$`)
	msgReadOnly        = regexp.MustCompile(`^cannot execute .+ in a read-only transaction$|^cannot set transaction read-write mode during recovery$`)
	msgCannotConnect   = regexp.MustCompile(`^the database system is (starting up|shutting down|not yet accepting connections|not accepting connections|in recovery mode)$`)
)

const (
	msgShutDown         = "database system is shut down"
	msgReady            = "database system is ready to accept connections"
	msgReadyReadOnly    = "database system is ready to accept read-only connections"
	msgPromote          = "received promote request"
	msgArchiveComplete  = "archive recovery complete"
	msgAdminTerminating = "terminating connection due to administrator command"
)

// severities of PostgreSQL's messages, as its logs spell them.
var severities = map[string]bool{
	"DEBUG": true, "DEBUG1": true, "DEBUG2": true, "DEBUG3": true, "DEBUG4": true, "DEBUG5": true,
	"LOG": true, "INFO": true, "NOTICE": true, "WARNING": true, "ERROR": true, "FATAL": true, "PANIC": true,
}

// take turns one message into its event, if it makes one.
func (r *reader) take(e entry) {
	if err := r.checkTime(e.time); err != nil {
		r.badLine(e.line, err)
		return
	}
	msg := strings.TrimSpace(e.message)
	switch e.severity {
	case "LOG":
		switch {
		case msg == msgShutDown:
			r.add(e.time, event.PGShutDown, e.pid, msg)
		case msg == msgReady:
			r.add(e.time, event.PGReady, e.pid, msg)
		case msg == msgReadyReadOnly:
			r.add(e.time, event.PGReadyReadOnly, e.pid, msg)
		case msg == msgPromote:
			r.add(e.time, event.PGPromoteRequested, e.pid, msg)
		case msg == msgArchiveComplete:
			r.add(e.time, event.PGArchiveRecoveryComplete, e.pid, msg)
		default:
			if m := msgShutdownRequest.FindStringSubmatch(msg); m != nil {
				r.add(e.time, event.PGShutdownRequested, e.pid, msg, "mode", m[1])
			} else if m := msgNewTimeline.FindStringSubmatch(msg); m != nil {
				r.add(e.time, event.PGNewTimeline, e.pid, msg, "timeline", m[1])
			}
		}
	case "ERROR", "FATAL":
		state := e.sqlstate
		if state == "" {
			switch {
			case msg == msgAdminTerminating:
				state = stateAdminShutdown
			case msgCannotConnect.MatchString(msg):
				state = stateCannotConnect
			case msgReadOnly.MatchString(msg):
				state = stateReadOnly
			}
		}
		switch state {
		case stateAdminShutdown:
			// 57P01 also ends a walreceiver at promotion, autovacuum
			// and background workers: only client sessions count.
			if !strings.HasPrefix(msg, "terminating connection ") {
				return
			}
			r.count(e.time, event.PGSessionsTerminated, state, msg)
		case stateCannotConnect:
			r.count(e.time, event.PGLoginRefused, state, msg)
		case stateReadOnly:
			r.count(e.time, event.PGReadOnlyErrors, state, msg)
		}
	}
}

// pgTime matches PostgreSQL's timestamps: %m (ms) and %t, with the zone
// abbreviation log_timezone gives.
var pgTime = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})?) (\S+)$`)

// parsePGTime parses a %m or %t timestamp.
func parsePGTime(s string) (time.Time, error) {
	m := pgTime.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("timestamp %q: want 2006-01-02 15:04:05.000 UTC", s)
	}
	return logtime.Parse(m[1], m[2])
}
