package importer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/switchwatch/switchwatch/internal/golden"
	"github.com/switchwatch/switchwatch/internal/otlpgen"
	"github.com/switchwatch/switchwatch/record/store"
)

const ms = time.Millisecond

// otlpMixed is a request of every sort of span the mapping reads: the
// stable conventions and the names before 1.26, failures classified by
// SQLSTATE, error.type and message, a connect span, a pool, a peer
// address, and spans that are no PostgreSQL client call.
func otlpMixed() []otlpgen.Span {
	peer := map[string]any{"network.peer.address": "10.0.1.7", "network.peer.port": 5432, "db.operation.name": "INSERT",
		"db.query.text": "INSERT INTO orders VALUES ($1)", "db.namespace": "shop"}
	old := otlpgen.Span{Service: "billing", Name: "UPDATE shop.invoices", Kind: ptrace.SpanKindClient, Trace: 10, ID: 10, At: 50 * ms, Dur: 3 * ms,
		Attrs: map[string]any{"db.system": "postgresql", "db.statement": "/* app */ UPDATE invoices SET paid = true", "db.name": "shop",
			"net.peer.name": "pg.internal", "net.peer.port": 5433, "net.sock.peer.addr": "10.0.2.9", "net.sock.peer.port": 5433}}
	readOnly := otlpgen.PG("checkout", 3, 200*ms, ms, map[string]any{"db.operation.name": "INSERT", "db.response.status_code": "25006",
		"error.type": "25006"})
	readOnly.Status, readOnly.Message = ptrace.StatusCodeError, "ERROR: cannot execute INSERT in a read-only transaction"
	timeout := otlpgen.PG("checkout", 4, 300*ms, 2*time.Second, map[string]any{"db.query.text": "SELECT 1", "error.type": "timeout"})
	refused := otlpgen.PG("checkout", 5, 400*ms, ms, map[string]any{"db.operation.name": "connect"})
	refused.Name, refused.Status = "connect", ptrace.StatusCodeError
	refused.ExceptionType, refused.ExceptionMessage = "System.Net.Sockets.SocketException", "Connection refused 10.0.1.7:5432"
	pooled := otlpgen.PG("checkout", 6, 500*ms, 2*ms, map[string]any{"db.client.connection.pool.name": "Primary Pool", "db.query.text": "CALL f()"})
	copyFrom := otlpgen.PG("checkout", 7, 600*ms, 2*ms, map[string]any{"db.query.text": "COPY items (a, b) FROM STDIN"})
	copyTo := otlpgen.PG("checkout", 8, 700*ms, 2*ms, map[string]any{"db.query.text": "COPY (SELECT * FROM items) TO STDOUT"})
	http := otlpgen.Span{Service: "checkout", Name: "GET /cart", Kind: ptrace.SpanKindServer, Trace: 20, ID: 20, At: 0, Dur: 10 * ms,
		Attrs: map[string]any{"http.request.method": "GET"}}
	mysql := otlpgen.PG("checkout", 21, 800*ms, ms, map[string]any{"db.system.name": "mysql"})
	server := otlpgen.PG("checkout", 22, 900*ms, ms, nil)
	server.Kind = ptrace.SpanKindServer
	return []otlpgen.Span{
		otlpgen.PG("checkout", 1, 0, 2*ms, peer),
		otlpgen.PG("checkout", 2, 100*ms, ms, map[string]any{"db.query.text": "-- list\nSELECT * FROM carts"}),
		readOnly, timeout, refused, pooled, copyFrom, copyTo, http, mysql, server, old,
	}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func importOTLP(t *testing.T, files ...string) *OTLPResult {
	t.Helper()
	res, err := ImportOTLP(context.Background(), files, OTLPOptions{Options: Options{Out: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestOTLPRoundTrip imports the same spans as JSON lines, gzip'd JSON
// lines and length-prefixed protobuf, reads each run back through store
// and checks every column the mapping sets.
func TestOTLPRoundTrip(t *testing.T) {
	dir := t.TempDir()
	spans := otlpMixed()
	files := map[string][]byte{
		"traces.json":    otlpgen.JSONLines(spans[:6], spans[6:]),
		"traces.json.gz": otlpgen.Gzip(otlpgen.JSONLines(spans[:6], spans[6:])),
		"traces.pb":      otlpgen.Proto(spans[:6], spans[6:]),
	}
	formats := map[string]string{"traces.json": "json", "traces.json.gz": "json+gzip", "traces.pb": "proto"}
	var first []store.Probe
	for _, name := range []string{"traces.json", "traces.json.gz", "traces.pb"} {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, dir, name, files[name])
			res := importOTLP(t, path)
			if res.Spans != 12 || res.Lines != 2 || res.Report.Taken != 9 {
				t.Errorf("spans %d lines %d taken %d, want 12, 2, 9", res.Spans, res.Lines, res.Report.Taken)
			}
			wantSkipped := map[string]int64{ReasonNotDB: 1, ReasonOtherDB: 1, ReasonNotClient: 1}
			if fmt.Sprint(res.Report.Skipped) != fmt.Sprint(wantSkipped) {
				t.Errorf("skipped %v, want %v", res.Report.Skipped, wantSkipped)
			}
			info := readInfo(t, res.RunDir)
			if f := info.Settings["formats"].(map[string]any)[path]; f != formats[name] {
				t.Errorf("format %v, want %s", f, formats[name])
			}
			if info.Settings["schedule"] != "irregular" || info.Tool != "switchwatch import otlp" {
				t.Errorf("settings %v, tool %s", info.Settings, info.Tool)
			}
			rows := readRows(t, res.RunDir)
			byStart := map[time.Duration]store.Probe{}
			for _, p := range rows {
				byStart[time.Duration(p.Intended-otlpgen.T0.UnixNano())] = p
				if p.RunID != res.RunID || p.Start != p.Intended || p.LatencyNS != p.End-p.Start {
					t.Errorf("row %+v: run id, start or latency wrong", p)
				}
			}
			type want struct {
				stream, outcome, class, sqlstate, server, err string
				latency                                       time.Duration
			}
			checkout := "checkout-db-example-com-5432"
			wants := map[time.Duration]want{
				0:        {"write/" + checkout + "/write", "ok", "", "", "10.0.1.7:5432", "", 2 * ms},
				100 * ms: {"read/" + checkout + "/read", "ok", "", "", "db.example.com:5432", "", ms},
				200 * ms: {"write/" + checkout + "/write", "error", "read_only", "25006", "db.example.com:5432", "ERROR: cannot execute INSERT in a read-only transaction", ms},
				300 * ms: {"read/" + checkout + "/read", "timeout", "query_timeout", "", "db.example.com:5432", "timeout", 2 * time.Second},
				400 * ms: {"connect/" + checkout + "/write", "error", "refused", "", "db.example.com:5432", "Connection refused 10.0.1.7:5432", ms},
				500 * ms: {"write/" + checkout + "-primary/write", "ok", "", "", "db.example.com:5432", "", 2 * ms},
				600 * ms: {"write/" + checkout + "/write", "ok", "", "", "db.example.com:5432", "", 2 * ms},
				700 * ms: {"read/" + checkout + "/read", "ok", "", "", "db.example.com:5432", "", 2 * ms},
				50 * ms:  {"write/billing-pg-internal-5433/write", "ok", "", "", "10.0.2.9:5433", "", 3 * ms},
			}
			if len(rows) != len(wants) {
				t.Fatalf("%d rows, want %d", len(rows), len(wants))
			}
			for at, w := range wants {
				p, ok := byStart[at]
				if !ok {
					t.Errorf("no row at +%s", at)
					continue
				}
				got := want{p.Stream(), p.Outcome, p.ErrorClass, p.SQLState, p.ServerAddr, p.Error, time.Duration(p.LatencyNS)}
				if got != w {
					t.Errorf("row at +%s:\n got %+v\nwant %+v", at, got, w)
				}
				if wantConn := map[bool]string{true: "new", false: "pooled"}[at == 400*ms]; p.Conn != wantConn {
					t.Errorf("row at +%s: conn %s, want %s", at, p.Conn, wantConn)
				}
			}
			for i := range rows {
				rows[i].RunID = "" // the run id comes from the file's bytes
			}
			if first == nil {
				first = rows
			} else if fmt.Sprint(rows) != fmt.Sprint(first) {
				t.Errorf("%s gives other rows than traces.json", name)
			}
		})
	}
}

// TestOTLPProfilesSetting: run.json says which service, server and pool
// each profile stands for, as a list with names as the recorder writes.
func TestOTLPProfilesSetting(t *testing.T) {
	path := writeFile(t, t.TempDir(), "t.json", otlpgen.JSONLines(otlpMixed()))
	res := importOTLP(t, path)
	info := readInfo(t, res.RunDir)
	list, ok := info.Settings["profiles"].([]any)
	if !ok || len(list) != 3 {
		t.Fatalf("profiles: %#v", info.Settings["profiles"])
	}
	var got []string
	for _, p := range list {
		m := p.(map[string]any)
		if err := store.CheckProfileName(m["name"].(string)); err != nil {
			t.Error(err)
		}
		got = append(got, fmt.Sprintf("%v=%v/%v/%v/%v rows %v", m["name"], m["service"], m["server"], m["pool"], m["databases"], m["rows"]))
	}
	want := []string{
		"billing-pg-internal-5433=billing/pg.internal:5433/<nil>/[shop] rows 1",
		"checkout-db-example-com-5432=checkout/db.example.com:5432/<nil>/[shop] rows 7",
		"checkout-db-example-com-5432-primary=checkout/db.example.com:5432/Primary Pool/<nil> rows 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("profiles:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestOTLPProfileNames: names fit store.CheckProfileName however long or
// odd the service, and two identities never share one.
func TestOTLPProfileNames(t *testing.T) {
	long := strings.Repeat("Very Long Service Name ", 5)
	keys := map[profileKey]int64{
		{Service: long, Server: "a.example.com:5432"}:  1,
		{Service: long, Server: "a.example.com:5433"}:  1,
		{Service: "Ünïcode/Svc", Server: "[::1]:5432"}: 1,
		{Service: "_x"}:                 1,
		{Service: "---"}:                1,
		{Service: "svc", Pool: "p"}:     1,
		{Service: "svc", Pool: "p/"}:    1,
		{Service: "svc", Server: "h:1"}: 1,
	}
	names := otlpProfileNames(keys)
	seen := map[string]profileKey{}
	for k, n := range names {
		if err := store.CheckProfileName(n); err != nil {
			t.Errorf("%+v: %v", k, err)
		}
		if o, dup := seen[n]; dup {
			t.Errorf("%+v and %+v are both %s", k, o, n)
		}
		seen[n] = k
	}
	if n := names[profileKey{Service: "svc", Server: "h:1"}]; n != "svc-h-1" {
		t.Errorf("svc at h:1 is %q, want svc-h-1", n)
	}
	if len(names) != len(keys) {
		t.Errorf("%d names for %d keys", len(names), len(keys))
	}
}

func TestOTLPOperation(t *testing.T) {
	cases := []struct{ name, op, query, want, kind string }{
		{"SELECT users", "", "", "SELECT", "read"},
		{"postgresql", "insert", "", "INSERT", "write"},
		{"shop", "", "  update t set a = 1", "UPDATE", "write"},
		{"x", "", "/* c */ -- d\n(DELETE FROM t)", "DELETE", "write"},
		{"x", "", "MERGE INTO t USING s ON true", "MERGE", "write"},
		{"x", "", "CALL p()", "CALL", "write"},
		{"x", "", "copy t from stdin", "COPY FROM", "write"},
		{"x", "", "COPY (SELECT 1 FROM t) TO STDOUT", "COPY TO", "read"},
		{"x", "COPY", "", "COPY", "read"},
		{"x", "", "WITH a AS (DELETE FROM t RETURNING *) SELECT 1", "WITH", "read"},
		{"connect", "", "", "CONNECT", "connect"},
		{"pg.connect", "", "", "CONNECT", "connect"},
		{"copy_from items", "", "", "COPY FROM", "write"},
		{"x", "Connect", "", "CONNECT", "connect"},
		{"", "", "", "", "read"},
		{"BEGIN", "", "", "BEGIN", "read"},
	}
	for _, c := range cases {
		op := otlpOperation(c.name, c.op, c.query)
		if op != c.want || otlpKind(op, nil) != c.kind {
			t.Errorf("otlpOperation(%q, %q, %q) = %q (%s), want %q (%s)", c.name, c.op, c.query, op, otlpKind(op, nil), c.want, c.kind)
		}
	}
	if k := otlpKind("WITH", map[string]string{"WITH": "write"}); k != "write" {
		t.Errorf("override WITH=write: %s", k)
	}
	if k := otlpKind("INSERT", map[string]string{"INSERT": "read"}); k != "read" {
		t.Errorf("override INSERT=read: %s", k)
	}
}

// TestOTLPUnorderedAndDuplicated: spans in no order come out in order;
// a span read twice (in two files) is one row; a copy with another
// status is skipped and named in a note.
func TestOTLPUnorderedAndDuplicated(t *testing.T) {
	dir := t.TempDir()
	var spans []otlpgen.Span
	for i := 9; i >= 0; i-- {
		spans = append(spans, otlpgen.PG("svc", uint64(i+1), time.Duration(i)*100*ms, ms, nil))
	}
	conflict := spans[0] // id 10 at +900ms
	conflict.Status, conflict.Message = ptrace.StatusCodeError, "boom"
	a := writeFile(t, dir, "a.json", otlpgen.JSONLines(spans[:5], spans[5:]))
	b := writeFile(t, dir, "b.json", otlpgen.JSONLines(spans[3:6], []otlpgen.Span{conflict}))
	res := importOTLP(t, a, b)
	if res.Report.Taken != 10 || res.Report.Skipped[ReasonDuplicate] != 3 || res.Report.Skipped[ReasonConflict] != 1 {
		t.Errorf("taken %d, skipped %v; want 10, 3 duplicate, 1 conflicting", res.Report.Taken, res.Report.Skipped)
	}
	wantNote := b + ":2:1: span 000000000000000a of trace ab00000000000000000000000000000a was read at " + a + `:1:1 as "SELECT ok 1ms", here as "SELECT error 1ms other": the first is kept`
	if len(res.Report.Notes) != 2 || res.Report.Notes[1] != wantNote || !strings.HasPrefix(res.Report.Notes[0], "no PostgreSQL span records network.peer.address") {
		t.Errorf("notes %q, want %q", res.Report.Notes, wantNote)
	}
	rows := readRows(t, res.RunDir)
	for i, p := range rows {
		if p.Seq != int64(i) || p.Intended != otlpgen.T0.Add(time.Duration(i)*100*ms).UnixNano() || p.Outcome != "ok" {
			t.Errorf("row %d: seq %d at %s %s", i, p.Seq, time.Unix(0, p.Intended).UTC(), p.Outcome)
		}
	}
	if want := "read 14 spans in 4 lines of 2 files, took 10 rows, skipped 4: 1 conflicting duplicate span (first at " + b +
		":2:1), 3 duplicate span (first at " + b + ":1:3)"; res.Summary() != want {
		t.Errorf("summary\n%s\nwant\n%s", res.Summary(), want)
	}
}

// TestOTLPGolden imports a small fixture (made through pdata, stored in
// testdata/import/otlp/basic and rewritten with -update) and compares
// what came of it with want.golden; the spilled variant sorts on disk
// every few spans and must give the same.
func TestOTLPGolden(t *testing.T) {
	dir := filepath.Join(goldenRoot, "otlp", "basic")
	fixture := filepath.Join(dir, "traces.json")
	if golden.Updating() {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		spans := otlpMixed()
		late := otlpgen.PG("checkout", 30, 150*ms, ms, nil) // out of order
		bad := otlpgen.PG("checkout", 31, 0, ms, nil)
		bad.Start, bad.End = uint64(otlpgen.T0.UnixNano()), uint64(otlpgen.T0.UnixNano())-1
		data := otlpgen.JSONLines(spans[:6], append(spans[6:], late, bad), spans[:1])
		if err := os.WriteFile(fixture, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	render := func(t *testing.T) string {
		res, err := ImportOTLP(context.Background(), []string{fixture}, OTLPOptions{Options: Options{Out: t.TempDir(), Labels: map[string]string{"case": "basic"}}})
		if err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "summary: %s\n", res.Summary())
		var r strings.Builder
		renderResult(t, &r, res.Result)
		// Its "report:" line counts rows as lines; the summary says it.
		for _, l := range strings.SplitAfter(r.String(), "\n") {
			if !strings.HasPrefix(l, "report: ") {
				b.WriteString(l)
			}
		}
		return b.String()
	}
	got := render(t)
	golden.Check(t, filepath.Join(dir, "want.golden"), []byte(got))
	t.Run("spilled", func(t *testing.T) {
		defer func(b, r int) { spillBytes, segmentRows = b, r }(spillBytes, segmentRows)
		spillBytes, segmentRows = 1500, 3
		if spilled := render(t); spilled != got {
			t.Errorf("spilled import differs:\n%s", golden.Diff([]byte(got), []byte(spilled)))
		}
	})
}
