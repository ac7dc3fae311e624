package record

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/switchwatch/switchwatch/internal/errclass"
	"github.com/switchwatch/switchwatch/record/store"
)

// phase says where in a probe an error happened (errclass.Phase).
type phase = errclass.Phase

const (
	phaseConnect = errclass.Connect
	phaseQuery   = errclass.Query
)

// classify maps an error to the probe's outcome, error class and SQLSTATE
// through the classifier the importers share.
func classify(err error, ph phase) (outcome, class, sqlstate string) {
	return errclass.Error(err, ph)
}

// boundedError scrubs secrets from an error message and cuts it as the
// store keeps it (store.CutError).
func boundedError(sc *scrubber, err error) string {
	return store.CutError(sc.scrub(err.Error()))
}

// causeLines renders an error as one line per cause, the causes first and
// without repeats. pgx reports a failed connect as a header ("failed to
// connect to `user=... database=...`:") and one line per attempt, and with
// sslmode=prefer makes two attempts per host that usually fail alike: left
// as it is, the repeats and the header fill the stored message's
// store.MaxErrorLen bytes before the second host's reason.
func causeLines(err error) string {
	msg := err.Error()
	var header string
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && ce.Config != nil {
		h := fmt.Sprintf("failed to connect to `user=%s database=%s`:", ce.Config.User, ce.Config.Database)
		if i := strings.Index(msg, h); i >= 0 {
			header = msg[:i] + strings.TrimSuffix(h, ":")
			msg = msg[i+len(h):]
		}
	}
	var lines []string
	seen := map[string]bool{}
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || seen[l] {
			continue
		}
		seen[l] = true
		lines = append(lines, l)
	}
	if header != "" {
		lines = append(lines, header)
	}
	return strings.Join(lines, "\n")
}
