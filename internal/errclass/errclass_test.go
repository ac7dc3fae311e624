package errclass_test

import (
	"testing"

	"github.com/switchwatch/switchwatch/internal/errclass"
	"github.com/switchwatch/switchwatch/record/store"
)

// The one table of failures that the recorder and every importer must
// class alike is record's TestOneClassifier: it feeds them through the
// recorder's classify and through the JSON lines and OTLP imports as a user
// meets them.

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
