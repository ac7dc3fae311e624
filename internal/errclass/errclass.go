package errclass

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/switchwatch/switchwatch/record/store"
)

// Phase says where in a request a failure happened: a timeout while
// connecting is a connect_timeout, one after the connection was up a
// query_timeout.
type Phase int

const (
	Query   Phase = iota // the connection was up (or the caller cannot tell)
	Connect              // while connecting
)

// timeoutClass is the class of a timeout in phase ph.
func timeoutClass(ph Phase) string {
	if ph == Connect {
		return store.ClassConnectTimeout
	}
	return store.ClassQueryTimeout
}

// Server maps a server's SQLSTATE, and the message where the code alone is
// ambiguous, to an outcome and class. An unknown or empty code is
// error/other.
func Server(code, message string) (outcome, class string) {
	switch {
	case code == "25006": // read_only_sql_transaction
		return store.OutcomeError, store.ClassReadOnly
	case code == "57P01" || code == "57P02" || code == "57P03": // admin/crash shutdown, cannot connect now
		return store.OutcomeError, store.ClassShutdown
	case code == "53300": // too_many_connections
		return store.OutcomeError, store.ClassTooManyConnections
	case code == "08P01" && strings.Contains(message, "no more connections allowed"):
		// PgBouncer's max_client_conn arrives as a protocol_violation;
		// only the message says what it is.
		return store.OutcomeError, store.ClassTooManyConnections
	case strings.HasPrefix(code, "28"): // invalid authorization
		return store.OutcomeError, store.ClassAuth
	case code == "57014": // query_canceled: statement_timeout or a client's cancel
		return store.OutcomeTimeout, store.ClassQueryTimeout
	}
	return store.OutcomeError, store.ClassOther
}

// IsSQLState reports whether s has the form of a SQLSTATE: five digits or
// capital letters.
func IsSQLState(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < 5; i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'A' && s[i] <= 'Z') {
			return false
		}
	}
	return true
}

// messageRule is one line of the message table: a failure whose lower-cased
// message contains any of words gets class (and, for timeouts, the
// timeout outcome).
type messageRule struct {
	class   string // "" for a timeout, whose class depends on the phase
	words   []string
	timeout bool
}

// messageRules is the wording of pgx, libpq, JDBC (pgjdbc), psycopg,
// node-postgres and Npgsql for each class, first match wins. The order
// matters where one message names two things: a read-only rejection
// names the statement, which may name anything; a refused or reset
// connection may have been made for a login that names "password".
var messageRules = []messageRule{
	{class: store.ClassReadOnly, words: []string{"read-only transaction", "read only transaction"}},
	{class: store.ClassDNS, words: []string{"no such host", "name resolution", "could not translate host name", "unknownhost", "name or service not known", "getaddrinfo"}},
	{class: store.ClassRefused, words: []string{"connection refused", "econnrefused"}},
	{class: store.ClassReset, words: []string{"connection reset", "broken pipe", "unexpected eof", "conn closed",
		"server closed the connection", "connection terminated", "econnreset", "epipe", "end of stream", "connection has been closed", "eof detected"}},
	{class: store.ClassShutdown, words: []string{"terminating connection due to administrator command", "the database system is shutting down",
		"the database system is starting up", "in recovery mode", "the database system is not yet accepting connections"}},
	{class: store.ClassTooManyConnections, words: []string{"too many clients", "too many connections", "no more connections allowed"}},
	{timeout: true, words: []string{"timeout", "timed out", "deadline exceeded", "canceling statement due to statement timeout"}},
	{class: store.ClassAuth, words: []string{"password", "authentication"}},
	{class: store.ClassTLS, words: []string{"tls:", "x509:", "ssl error", "ssl syscall", "does not support ssl", "ssl connection", "ssl handshake", "certificate"}},
}

// Message classifies a failure by its message alone, the last resort when
// neither a SQLSTATE nor a typed error says more; ph places a timeout.
func Message(msg string, ph Phase) (outcome, class string) {
	m := strings.ToLower(msg)
	for _, r := range messageRules {
		for _, w := range r.words {
			if strings.Contains(m, w) {
				if r.timeout {
					return store.OutcomeTimeout, timeoutClass(ph)
				}
				return store.OutcomeError, r.class
			}
		}
	}
	return store.OutcomeError, store.ClassOther
}

// Reported is a failure as another tool reported it: what an importer
// knows of a failed request.
type Reported struct {
	SQLState string // the server's code, "" when not reported
	// Type is the error's type as the tool names it: OpenTelemetry's
	// error.type (a SQLSTATE, an exception class such as
	// java.net.SocketTimeoutException, or "timeout"), "" when not reported.
	Type    string
	Message string
	// Timeout says the tool itself reported a timeout (an outcome
	// "timeout", a span cancelled by its deadline).
	Timeout bool
	Phase   Phase
}

// Classify gives the reported failure its outcome and class, trusting the
// SQLSTATE first, then the tool's own timeout, then the error type, then
// the message.
func (r Reported) Classify() (outcome, class string) {
	switch {
	case r.SQLState != "":
		return Server(r.SQLState, r.Message)
	case r.Timeout:
		return store.OutcomeTimeout, timeoutClass(r.Phase)
	case IsSQLState(r.Type):
		return Server(r.Type, r.Message)
	}
	if r.Type != "" {
		if o, c := Message(typeWords(r.Type), r.Phase); c != store.ClassOther {
			return o, c
		}
	}
	return Message(r.Message, r.Phase)
}

// typeWords turns an exception or error type name into words the message
// table knows: SocketTimeoutException → "socket timeout exception",
// ConnectException → refused is not implied, so only what the name says.
func typeWords(t string) string {
	var b strings.Builder
	for i, c := range t {
		if c >= 'A' && c <= 'Z' && i > 0 {
			b.WriteByte(' ')
		}
		switch c {
		case '.', '_', '$', ':':
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Error classifies an error the recorder got from pgx or the network: the
// outcome, the class and, for a server error, its SQLSTATE. Server errors
// go by SQLSTATE first, since the server's own word is the most precise;
// transport errors by their Go error types; the message table only where
// neither says anything.
func Error(err error, ph Phase) (outcome, class, sqlstate string) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		outcome, class = Server(pgErr.Code, pgErr.Message)
		return outcome, class, pgErr.Code
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) || isNetTimeout(err) {
		return store.OutcomeTimeout, timeoutClass(ph), ""
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
	outcome, class = Message(err.Error(), ph)
	return outcome, class, ""
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
	return errors.As(err, &recErr) || errors.As(err, &certErr) || errors.As(err, &unkErr) ||
		errors.As(err, &hostErr) || errors.As(err, &invErr) ||
		strings.Contains(err.Error(), "server refused TLS")
}

// Known reports whether c is an error class a failed request may carry
// (every class of store.ErrorClasses but the recorder's own
// inflight_limit, which marks a probe that never ran).
func Known(c string) bool {
	for _, k := range store.ErrorClasses {
		if k == c && k != store.ClassInflightLimit {
			return true
		}
	}
	return false
}
