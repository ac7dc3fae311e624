package errclass_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/switchwatch/switchwatch/internal/errclass"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestRecorderAndImportersAgree feeds the same failures to the recorder's
// classification (the Go error as pgx and the net package return it) and
// to the importers' (what a log, a trace or a request log keeps of it: the
// SQLSTATE where the server sent one, and the message), and wants the same
// class from both: a failure is classed alike whichever tool saw it.
func TestRecorderAndImportersAgree(t *testing.T) {
	refused := dialClosedPort(t)
	cases := []struct {
		name  string
		err   error
		ph    errclass.Phase
		class string
	}{
		{"read only", &pgconn.PgError{Severity: "ERROR", Code: "25006", Message: "cannot execute INSERT in a read-only transaction"}, errclass.Query, store.ClassReadOnly},
		{"admin shutdown", &pgconn.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"}, errclass.Query, store.ClassShutdown},
		{"starting up", &pgconn.PgError{Severity: "FATAL", Code: "57P03", Message: "the database system is starting up"}, errclass.Connect, store.ClassShutdown},
		{"too many", &pgconn.PgError{Severity: "FATAL", Code: "53300", Message: "sorry, too many clients already"}, errclass.Connect, store.ClassTooManyConnections},
		{"pgbouncer max_client_conn", &pgconn.PgError{Severity: "FATAL", Code: "08P01", Message: "no more connections allowed (max_client_conn)"}, errclass.Connect, store.ClassTooManyConnections},
		{"password", &pgconn.PgError{Severity: "FATAL", Code: "28P01", Message: `password authentication failed for user "app"`}, errclass.Connect, store.ClassAuth},
		{"statement timeout", &pgconn.PgError{Severity: "ERROR", Code: "57014", Message: "canceling statement due to statement timeout"}, errclass.Query, store.ClassQueryTimeout},
		{"unique violation", &pgconn.PgError{Severity: "ERROR", Code: "23505", Message: "duplicate key value violates unique constraint"}, errclass.Query, store.ClassOther},
		{"refused (a real dial)", refused, errclass.Connect, store.ClassRefused},
		{"dns", fmt.Errorf("hostname resolving error: %w", &net.DNSError{Err: "no such host", Name: "db.invalid", IsNotFound: true}), errclass.Connect, store.ClassDNS},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, errclass.Query, store.ClassReset},
		{"broken pipe", &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}, errclass.Query, store.ClassReset},
		{"unexpected EOF", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), errclass.Query, store.ClassReset},
		{"connect deadline", fmt.Errorf("failed to connect to `user=app database=app`: 10.0.0.1:5432 (db): dial error: %w", context.DeadlineExceeded), errclass.Connect, store.ClassConnectTimeout},
		{"query deadline", fmt.Errorf("timeout: %w", context.DeadlineExceeded), errclass.Query, store.ClassQueryTimeout},
		{"tls", fmt.Errorf("failed to connect: %w", x509.UnknownAuthorityError{}), errclass.Connect, store.ClassTLS},
		{"something else", errors.New("cannot encode value"), errclass.Query, store.ClassOther},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, recorded, code := errclass.Error(c.err, c.ph)
			if recorded != c.class {
				t.Errorf("recorder: %q is %s, want %s", c.err, recorded, c.class)
			}
			var pgErr *pgconn.PgError
			if errors.As(c.err, &pgErr) && code != pgErr.Code {
				t.Errorf("recorder: SQLSTATE %q, want %q", code, pgErr.Code)
			}
			_, imported := errclass.Reported{SQLState: code, Message: c.err.Error(), Phase: c.ph}.Classify()
			if imported != recorded {
				t.Errorf("importer: %q (SQLSTATE %q) is %s, the recorder's %s", c.err, code, imported, recorded)
			}
		})
	}
}

// dialClosedPort returns the error of a real connect to a port nobody
// listens on.
func dialClosedPort(t *testing.T) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("a connect to %s, just closed, succeeded", addr)
	}
	return err
}

// TestReportedEvidenceOrder checks what an importer is told beyond a
// message: the server's code wins, then the tool's own timeout, then an
// OpenTelemetry error.type (a SQLSTATE or an exception class).
func TestReportedEvidenceOrder(t *testing.T) {
	cases := []struct {
		r       errclass.Reported
		outcome string
		class   string
	}{
		{errclass.Reported{SQLState: "25006", Message: "timeout", Timeout: true}, store.OutcomeError, store.ClassReadOnly},
		{errclass.Reported{Timeout: true, Message: "connection refused"}, store.OutcomeTimeout, store.ClassQueryTimeout},
		{errclass.Reported{Timeout: true, Phase: errclass.Connect}, store.OutcomeTimeout, store.ClassConnectTimeout},
		{errclass.Reported{Type: "57P01"}, store.OutcomeError, store.ClassShutdown},
		{errclass.Reported{Type: "java.net.SocketTimeoutException", Message: "Read timed out"}, store.OutcomeTimeout, store.ClassQueryTimeout},
		{errclass.Reported{Type: "org.postgresql.util.PSQLException", Message: "ERROR: cannot execute UPDATE in a read-only transaction"}, store.OutcomeError, store.ClassReadOnly},
		{errclass.Reported{Type: "Npgsql.NpgsqlException", Message: "Exception while reading from stream: end of stream"}, store.OutcomeError, store.ClassReset},
		{errclass.Reported{Type: "*net.OpError", Message: "dial tcp 10.0.0.1:5432: connect: connection refused"}, store.OutcomeError, store.ClassRefused},
		{errclass.Reported{Message: "FATAL:  the database system is shutting down"}, store.OutcomeError, store.ClassShutdown},
		{errclass.Reported{Message: "could not translate host name \"db\" to address: Name or service not known"}, store.OutcomeError, store.ClassDNS},
		{errclass.Reported{Message: "SSL error: certificate verify failed"}, store.OutcomeError, store.ClassTLS},
		{errclass.Reported{Message: "sslmode=disable: connection refused"}, store.OutcomeError, store.ClassRefused},
		{errclass.Reported{Type: "_OTHER"}, store.OutcomeError, store.ClassOther},
		{errclass.Reported{}, store.OutcomeError, store.ClassOther},
	}
	for _, c := range cases {
		o, cl := c.r.Classify()
		if o != c.outcome || cl != c.class {
			t.Errorf("%+v: %s/%s, want %s/%s", c.r, o, cl, c.outcome, c.class)
		}
	}
}

// TestServerCodes pins the SQLSTATE table.
func TestServerCodes(t *testing.T) {
	for code, want := range map[string]string{
		"25006": store.ClassReadOnly, "57P01": store.ClassShutdown, "57P02": store.ClassShutdown, "57P03": store.ClassShutdown,
		"53300": store.ClassTooManyConnections, "28P01": store.ClassAuth, "28000": store.ClassAuth, "57014": store.ClassQueryTimeout,
		"23505": store.ClassOther, "": store.ClassOther, "08P01": store.ClassOther,
	} {
		outcome, class := errclass.Server(code, "")
		if class != want {
			t.Errorf("Server(%q) class = %q, want %q", code, class, want)
		}
		wantOutcome := store.OutcomeError
		if class == store.ClassQueryTimeout {
			wantOutcome = store.OutcomeTimeout
		}
		if outcome != wantOutcome {
			t.Errorf("Server(%q) outcome = %q, want %q", code, outcome, wantOutcome)
		}
	}
}

// TestKnownClasses: every class a failure may carry is known, the
// recorder's own inflight_limit is not, nor a made-up one.
func TestKnownClasses(t *testing.T) {
	for _, c := range store.ErrorClasses {
		if got := errclass.Known(c); got != (c != store.ClassInflightLimit) {
			t.Errorf("Known(%q) = %v", c, got)
		}
	}
	if errclass.Known("Read_Only") || errclass.Known("") {
		t.Error("Known takes a class that is not one")
	}
}
