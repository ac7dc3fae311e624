package record

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/switchwatch/switchwatch/importer"
	"github.com/switchwatch/switchwatch/internal/otlpgen"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestOneClassifier is the one table of failures fed to every classifier
// of switchwatch: the recorder's (classify, on the Go error as pgx and the
// net package return it) and the importers' as a user meets them (a JSON
// lines request log and an OpenTelemetry trace that keep what an
// application keeps of the same failure: its message, the SQLSTATE where
// the server sent one, the outcome), read back from the run folders the
// imports write. Every one must give the class the table says, so a
// failure is classed alike whichever tool saw it. (A pgbench log keeps no
// error, only that a transaction failed: nothing to classify.)
func TestOneClassifier(t *testing.T) {
	refused := func() error {
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
	}()
	pg := func(sev, code, msg string) error {
		return &pgconn.PgError{Severity: sev, Code: code, Message: msg}
	}
	cases := []struct {
		name  string
		err   error
		ph    phase
		class string
	}{
		{"read only", pg("ERROR", "25006", "cannot execute INSERT in a read-only transaction"), phaseQuery, store.ClassReadOnly},
		{"admin shutdown", pg("FATAL", "57P01", "terminating connection due to administrator command"), phaseQuery, store.ClassShutdown},
		{"starting up", pg("FATAL", "57P03", "the database system is starting up"), phaseConnect, store.ClassShutdown},
		{"too many", pg("FATAL", "53300", "sorry, too many clients already"), phaseConnect, store.ClassTooManyConnections},
		{"pgbouncer max_client_conn", pg("FATAL", "08P01", "no more connections allowed (max_client_conn)"), phaseConnect, store.ClassTooManyConnections},
		{"password", pg("FATAL", "28P01", `password authentication failed for user "app"`), phaseConnect, store.ClassAuth},
		{"statement timeout", pg("ERROR", "57014", "canceling statement due to statement timeout"), phaseQuery, store.ClassQueryTimeout},
		{"unique violation", pg("ERROR", "23505", "duplicate key value violates unique constraint"), phaseQuery, store.ClassOther},
		{"refused (a real dial)", refused, phaseConnect, store.ClassRefused},
		{"dns", fmt.Errorf("hostname resolving error: %w", &net.DNSError{Err: "no such host", Name: "db.invalid", IsNotFound: true}), phaseConnect, store.ClassDNS},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, phaseQuery, store.ClassReset},
		{"broken pipe", &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}, phaseQuery, store.ClassReset},
		{"unexpected EOF", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), phaseQuery, store.ClassReset},
		{"connect deadline", fmt.Errorf("failed to connect to `user=app database=app`: 10.0.0.1:5432 (db): dial error: %w", context.DeadlineExceeded), phaseConnect, store.ClassConnectTimeout},
		{"query deadline", fmt.Errorf("timeout: %w", context.DeadlineExceeded), phaseQuery, store.ClassQueryTimeout},
		{"tls", fmt.Errorf("failed to connect: %w", x509.UnknownAuthorityError{}), phaseConnect, store.ClassTLS},
		{"something else", errors.New("cannot encode value"), phaseQuery, store.ClassOther},
	}
	type seen struct{ outcome, sqlstate string }
	recorded := make([]seen, len(cases))
	var jsonl []byte
	var spans []otlpgen.Span
	at := func(i int) time.Duration { return time.Duration(i) * 100 * time.Millisecond }
	for i, c := range cases {
		outcome, class, code := classify(c.err, c.ph)
		if class != c.class {
			t.Errorf("%s: recorder: %q is %s, want %s", c.name, c.err, class, c.class)
		}
		recorded[i] = seen{outcome, code}
		op, spanOp := store.KindWrite, "INSERT"
		if c.ph == phaseConnect {
			op, spanOp = store.KindConnect, "connect"
		}
		line, err := json.Marshal(map[string]string{
			"time": otlpgen.T0.Add(at(i)).Format(time.RFC3339Nano), "op": op, "outcome": outcome,
			"error": c.err.Error(), "sqlstate": code,
		})
		if err != nil {
			t.Fatal(err)
		}
		jsonl = append(append(jsonl, line...), '\n')
		attrs := map[string]any{"db.operation.name": spanOp}
		if code != "" {
			attrs["db.response.status_code"] = code
		}
		sp := otlpgen.PG("app", uint64(i+1), at(i), time.Millisecond, attrs)
		sp.Name, sp.Status, sp.Message = spanOp, ptrace.StatusCodeError, c.err.Error()
		spans = append(spans, sp)
	}

	dir := t.TempDir()
	jsonlFile := filepath.Join(dir, "requests.jsonl")
	otlpFile := filepath.Join(dir, "traces.jsonl")
	if err := os.WriteFile(jsonlFile, jsonl, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(otlpFile, otlpgen.JSONLine(spans...), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	jres, err := importer.ImportJSONL(ctx, []string{jsonlFile}, importer.Options{Out: filepath.Join(dir, "jsonl"), Strict: true})
	if err != nil {
		t.Fatalf("import jsonl: %v", err)
	}
	ores, err := importer.ImportOTLP(ctx, []string{otlpFile}, importer.OTLPOptions{Options: importer.Options{Out: filepath.Join(dir, "otlp"), Strict: true}})
	if err != nil {
		t.Fatalf("import otlp: %v", err)
	}
	for _, imp := range []struct{ name, runDir string }{{"import jsonl", jres.RunDir}, {"import otlp", ores.RunDir}} {
		byCase := map[int]store.Probe{}
		err := store.ReadRun(imp.runDir, func(p *store.Probe) error {
			byCase[int(time.Duration(p.Intended-otlpgen.T0.UnixNano())/(100*time.Millisecond))] = *p
			return nil
		}, func(s store.SkippedFile) { t.Errorf("%s: skipped %s: %s", imp.name, s.Path, s.Reason) })
		if err != nil {
			t.Fatalf("%s: read the run: %v", imp.name, err)
		}
		if len(byCase) != len(cases) {
			t.Errorf("%s: %d rows, want %d", imp.name, len(byCase), len(cases))
		}
		for i, c := range cases {
			p, ok := byCase[i]
			switch {
			case !ok:
				t.Errorf("%s: %s: no row", imp.name, c.name)
			case p.ErrorClass != c.class:
				t.Errorf("%s: %s: %q is %s, want %s as the recorder", imp.name, c.name, c.err, p.ErrorClass, c.class)
			case p.SQLState != recorded[i].sqlstate:
				t.Errorf("%s: %s: SQLSTATE %q, the recorder's %q", imp.name, c.name, p.SQLState, recorded[i].sqlstate)
			}
		}
	}
}
