package record

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/switchwatch/switchwatch/record/store"
)

// phase says where in a probe an error happened: a timeout while connecting
// is a connect_timeout, one after the connection was up a query_timeout.
type phase int

const (
	phaseConnect phase = iota
	phaseQuery
)

// classify maps an error to the probe's outcome, error class and SQLSTATE.
// Server errors are classified by SQLSTATE first, since the server's own
// word is the most precise; transport errors by their Go error types, with
// message matching only where pgx gives nothing better.
func classify(err error, ph phase) (outcome, class, sqlstate string) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		outcome, class = store.ClassifyServerError(pgErr.Code, pgErr.Message)
		return outcome, class, pgErr.Code
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) || isNetTimeout(err) {
		if ph == phaseConnect {
			return store.OutcomeTimeout, store.ClassConnectTimeout, ""
		}
		return store.OutcomeTimeout, store.ClassQueryTimeout, ""
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return store.OutcomeError, store.ClassDNS, ""
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return store.OutcomeError, store.ClassRefused, ""
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return store.OutcomeError, store.ClassReset, ""
	}
	if isTLSError(err) {
		return store.OutcomeError, store.ClassTLS, ""
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "password") || strings.Contains(msg, "authentication"):
		return store.OutcomeError, store.ClassAuth, ""
	case strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "broken pipe") || strings.Contains(msg, "unexpected EOF"):
		return store.OutcomeError, store.ClassReset, ""
	case strings.Contains(msg, "connection refused"):
		return store.OutcomeError, store.ClassRefused, ""
	}
	return store.OutcomeError, store.ClassOther, ""
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTLSError(err error) bool {
	var (
		recErr  tls.RecordHeaderError
		certErr *tls.CertificateVerificationError
		unkErr  x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
	)
	if errors.As(err, &recErr) || errors.As(err, &certErr) || errors.As(err, &unkErr) ||
		errors.As(err, &hostErr) || errors.As(err, &invErr) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "tls: ") || strings.Contains(msg, "server refused TLS") || strings.Contains(msg, "x509: ")
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
