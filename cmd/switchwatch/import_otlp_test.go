package main

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/switchwatch/switchwatch/internal/otlpgen"
	"github.com/switchwatch/switchwatch/record/store"
)

const otlpMS = time.Millisecond

// otlpBadInput is one odd input to "switchwatch import otlp": its files
// (under DIR, all given to the command in order of name, "--out DIR/out"
// after them), more flags, and what must come of it.
type otlpBadInput struct {
	name  string
	files map[string][]byte
	args  []string
	code  int
	// out must each be in stdout or stderr ("DIR" stands for the case's
	// folder); notOut must not be.
	out, notOut []string
	// rows is the number of rows the run must hold (exit code 0 only).
	rows int
	// extra are files written under DIR but not given as input (for
	// --events DIR/name).
	extra map[string][]byte
	// check looks at the rows, sorted by stream and seq.
	check func(t *testing.T, rows []store.Probe)
}

func pg(id uint64, at time.Duration, attrs map[string]any) otlpgen.Span {
	return otlpgen.PG("svc", id, at, otlpMS, attrs)
}

// ok is a span that is always taken, so that a file with one odd span is
// still a file with a usable span.
var ok = pg(100, 5*time.Second, nil)

func jsonFile(spans ...otlpgen.Span) map[string][]byte {
	return map[string][]byte{"t.json": otlpgen.JSONLines(spans)}
}

func withStatus(s otlpgen.Span, code ptrace.StatusCode, msg string) otlpgen.Span {
	s.Status, s.Message = code, msg
	return s
}

func withKind(s otlpgen.Span, k ptrace.SpanKind) otlpgen.Span {
	s.Kind = k
	return s
}

func wantRow(want func(p *store.Probe) string) func(t *testing.T, rows []store.Probe) {
	return func(t *testing.T, rows []store.Probe) {
		for i := range rows {
			if msg := want(&rows[i]); msg != "" {
				t.Errorf("row %d (%s seq %d): %s", i, rows[i].Stream(), rows[i].Seq, msg)
			}
		}
	}
}

var otlpBadInputs = []otlpBadInput{
	{
		name:  "db.system.name is a map",
		files: jsonFile(ok, pg(2, 0, map[string]any{"db.system.name": map[string]any{"name": "postgresql"}})),
		rows:  1,
		out: []string{"read 2 spans in 1 lines of 1 files, took 1 rows, skipped 1: 1 bad attribute (first at DIR/t.json:1:2)",
			"skipped: DIR/t.json:1:2: bad attribute: db.system.name is a Map, want a string"},
	},
	{
		name:  "server.port is a string of digits: read as the port",
		files: jsonFile(pg(1, 0, map[string]any{"server.port": "6432"})),
		rows:  1,
		out:   []string{"took 1 rows, skipped 0"},
		check: wantRow(func(p *store.Probe) string {
			if p.ServerAddr != "db.example.com:6432" || p.Profile != "svc-db-example-com-6432" {
				return "server " + p.ServerAddr + ", profile " + p.Profile
			}
			return ""
		}),
	},
	{
		name:  "server.port is no number",
		files: jsonFile(ok, pg(1, 0, map[string]any{"server.port": "postgres"})),
		rows:  1,
		out:   []string{"skipped 1: 1 bad attribute (first at DIR/t.json:1:2)", `bad attribute: server.port is "postgres", want a port number`},
	},
	{
		name:  "network.peer.port out of range",
		files: jsonFile(ok, pg(1, 0, map[string]any{"network.peer.address": "10.0.0.1", "network.peer.port": 70000})),
		rows:  1,
		out:   []string{`bad attribute: network.peer.port is "70000", want a port number (1-65535)`},
	},
	{
		name: "db.response.status_code is an integer: read as its digits",
		files: jsonFile(withStatus(pg(1, 0, map[string]any{"db.response.status_code": 25006, "error.type": 25006}),
			ptrace.StatusCodeError, "")),
		rows: 1,
		check: wantRow(func(p *store.Probe) string {
			if p.Outcome != "error" || p.ErrorClass != "read_only" || p.SQLState != "25006" || p.Error != "25006" {
				return p.Outcome + " " + p.ErrorClass + " " + p.SQLState + " " + p.Error
			}
			return ""
		}),
	},
	{
		name:  "error.type is a bool",
		files: jsonFile(ok, pg(1, 0, map[string]any{"error.type": true})),
		rows:  1,
		out:   []string{"skipped 1: 1 bad attribute", "bad attribute: error.type is a Bool, want a string"},
	},
	{
		name:  "db.statement is a list (names before 1.26)",
		files: jsonFile(ok, pg(1, 0, map[string]any{"db.system.name": nil, "db.system": "postgresql", "db.statement": []any{"SELECT 1"}})),
		rows:  1,
		out:   []string{"bad attribute: db.statement is a Slice, want a string"},
	},
	{
		name: "no db.system: HTTP and internal spans",
		files: jsonFile(ok,
			otlpgen.Span{Service: "svc", Name: "GET /cart", Kind: ptrace.SpanKindClient, Trace: 7, ID: 7, Dur: otlpMS, Attrs: map[string]any{"http.request.method": "GET"}},
			otlpgen.Span{Service: "svc", Name: "render", Kind: ptrace.SpanKindInternal, Trace: 8, ID: 8, Dur: otlpMS}),
		rows: 1,
		out: []string{"read 3 spans in 1 lines of 1 files, took 1 rows, skipped 2: 2 not a database span (first at DIR/t.json:1:2)",
			`not a database span: no db.system.name or db.system (span "GET /cart", kind Client)`},
	},
	{
		name:  "other databases: mysql and redis",
		files: jsonFile(ok, pg(1, 0, map[string]any{"db.system.name": "mysql"}), pg(2, 0, map[string]any{"db.system.name": nil, "db.system": "redis"})),
		rows:  1,
		out:   []string{"took 1 rows, skipped 2: 2 other database (first at DIR/t.json:1:2)", `other database: db system "redis"`},
	},
	{
		name:  "server, internal and producer spans of PostgreSQL",
		files: jsonFile(ok, withKind(pg(1, 0, nil), ptrace.SpanKindServer), withKind(pg(2, 0, nil), ptrace.SpanKindInternal), withKind(pg(3, 0, nil), ptrace.SpanKindProducer)),
		rows:  1,
		out:   []string{"took 1 rows, skipped 3: 3 not a client span (first at DIR/t.json:1:2)", "not a client span: span kind Internal"},
	},
	{
		name: "otelpgx's spans: pool.acquire, prepare and batch are no requests of their own",
		files: jsonFile(func() []otlpgen.Span {
			named := func(s otlpgen.Span, name string) otlpgen.Span { s.Name = name; return s }
			return []otlpgen.Span{
				named(pg(1, 0, nil), "pool.acquire"),
				named(pg(2, otlpMS, map[string]any{"db.operation.name": "SELECT", "pgx.prepare_stmt.name": "stmtcache_1"}), "SELECT"),
				named(pg(3, 2*otlpMS, map[string]any{"db.operation.name": "SELECT", "db.query.text": "SELECT 1"}), "SELECT"),
				named(pg(4, 3*otlpMS, nil), "connect"),
				named(pg(5, 4*otlpMS, nil), "copy_from items"),
				named(pg(6, 5*otlpMS, nil), "batch start"),
				named(pg(7, 6*otlpMS, nil), "pg-pool.connect"),
			}
		}()...),
		rows: 3,
		out: []string{"read 7 spans in 1 lines of 1 files, took 3 rows, skipped 4: 4 not a request (first at DIR/t.json:1:1)",
			`skipped: DIR/t.json:1:1: not a request: a wait for a pooled connection (span "pool.acquire")`,
			`skipped: DIR/t.json:1:2: not a request: the prepare of a statement (pgx.prepare_stmt.name) (span "SELECT")`},
		check: func(t *testing.T, rows []store.Probe) {
			var got []string
			for _, p := range rows {
				got = append(got, p.Kind+"/"+p.Conn)
			}
			if strings.Join(got, " ") != "connect/new read/pooled write/pooled" {
				t.Errorf("rows %v, want the connect, the SELECT and the COPY FROM", got)
			}
		},
	},
	{
		name: "a pool's connects: the one that worked is no request, the failed one fails its request's write",
		files: jsonFile(func() []otlpgen.Span {
			// Each request is a trace of its own (its first span's id).
			named := func(s otlpgen.Span, name string, parent uint64, code ptrace.StatusCode, et string) otlpgen.Span {
				s.Name, s.Parent, s.Status = name, parent, code
				if parent != 0 {
					s.Trace = parent
				}
				if et != "" {
					s.Attrs["error.type"] = et
				}
				return s
			}
			insert := map[string]any{"db.operation.name": "INSERT", "db.query.text": "INSERT INTO t VALUES (1)"}
			return []otlpgen.Span{
				// A request that waited while the pool dialled, then wrote.
				named(pg(1, 0, nil), "pool.acquire", 0, 0, ""),
				named(pg(2, 0, nil), "connect", 1, 0, ""),
				func() otlpgen.Span { s := named(pg(3, otlpMS, insert), "INSERT", 0, 0, ""); s.Trace = 1; return s }(),
				// Two requests whose pool's dial timed out: no query.
				named(pg(4, time.Second, nil), "pool.acquire", 0, ptrace.StatusCodeError, "timeout"),
				named(pg(5, time.Second, nil), "connect", 4, ptrace.StatusCodeError, "timeout"),
				named(pg(6, 2*time.Second, nil), "pool.acquire", 0, ptrace.StatusCodeError, "timeout"),
				named(pg(7, 2*time.Second, nil), "connect", 6, ptrace.StatusCodeError, "timeout"),
				// A connect of a request of its own (no pool): a connect row.
				named(pg(8, 3*time.Second, nil), "connect", 0, 0, ""),
			}
		}()...),
		rows: 4,
		out: []string{"read 8 spans in 1 lines of 1 files, took 4 rows, skipped 4: 4 not a request (first at DIR/t.json:1:1)",
			`skipped: DIR/t.json:1:2: not a request: a connection the pool opened for a waiting request, whose query is a span of its own (span 0000000000000002 of trace ab000000000000000000000000000001)`,
			"note: 2 failed connects of a pool are rows of the requests that waited for them"},
		check: func(t *testing.T, rows []store.Probe) {
			var got []string
			for _, p := range rows {
				got = append(got, p.Kind+"/"+p.Conn+" "+p.Outcome+" "+p.ErrorClass)
			}
			if want := "connect/new ok  write/pooled ok  write/pooled timeout connect_timeout write/pooled timeout connect_timeout"; strings.Join(got, " ") != want {
				t.Errorf("rows %q, want %q", strings.Join(got, " "), want)
			}
		},
	},
	{
		name:  "kind unspecified is a client call",
		files: jsonFile(withKind(pg(1, 0, nil), ptrace.SpanKindUnspecified)),
		rows:  1,
	},
	{
		name:  "no server address: taken, the stream is the service's",
		files: jsonFile(pg(1, 0, map[string]any{"server.address": nil, "server.port": nil})),
		rows:  1,
		out:   []string{"note: 1 PostgreSQL spans name no server (server.address, network.peer.address or the names before them): their rows have no server_addr, and their profile is their service's"},
		check: wantRow(func(p *store.Probe) string {
			if p.ServerAddr != "" || p.Stream() != "read/svc/read" {
				return "server " + p.ServerAddr + ", stream " + p.Stream()
			}
			return ""
		}),
	},
	{
		name:  "no service.name: unknown_service, as the SDKs say",
		files: jsonFile(otlpgen.PG("", 1, 0, otlpMS, nil)),
		rows:  1,
		check: wantRow(func(p *store.Probe) string {
			if p.Profile != "unknown_service-db-example-com-5432" {
				return "profile " + p.Profile
			}
			return ""
		}),
	},
	{
		name:  "no status: ok",
		files: jsonFile(pg(1, 0, nil)),
		rows:  1,
		out:   []string{"(1 rows: 1 ok)"},
	},
	{
		name:  "status OK with error.type: a failure",
		files: jsonFile(withStatus(pg(1, 0, map[string]any{"error.type": "java.net.SocketTimeoutException"}), ptrace.StatusCodeOk, "")),
		rows:  1,
		out:   []string{"(1 rows: 1 timeout)"},
		check: wantRow(func(p *store.Probe) string {
			if p.ErrorClass != "query_timeout" {
				return "class " + p.ErrorClass
			}
			return ""
		}),
	},
	{
		name:  "status ERROR alone: other",
		files: jsonFile(withStatus(pg(1, 0, nil), ptrace.StatusCodeError, "")),
		rows:  1,
		check: wantRow(func(p *store.Probe) string {
			if p.Outcome != "error" || p.ErrorClass != "other" || p.Error != "span status ERROR" {
				return p.Outcome + " " + p.ErrorClass + " " + p.Error
			}
			return ""
		}),
	},
	{
		name:  "unordered spans: rows in order",
		files: jsonFile(pg(3, 300*otlpMS, nil), pg(1, 100*otlpMS, nil), pg(2, 200*otlpMS, nil)),
		rows:  3,
		check: func(t *testing.T, rows []store.Probe) {
			for i, p := range rows {
				if want := otlpgen.T0.Add(time.Duration(i+1) * 100 * otlpMS).UnixNano(); p.Seq != int64(i) || p.Intended != want {
					t.Errorf("row %d: seq %d at %d, want at %d", i, p.Seq, p.Intended, want)
				}
			}
		},
	},
	{
		name:  "a line read twice: counted once",
		files: map[string][]byte{"t.json": otlpgen.JSONLines([]otlpgen.Span{pg(1, 0, nil), pg(2, otlpMS, nil)}, []otlpgen.Span{pg(1, 0, nil), pg(2, otlpMS, nil)})},
		rows:  2,
		out:   []string{"read 4 spans in 2 lines of 1 files, took 2 rows, skipped 2: 2 duplicate span (first at DIR/t.json:2:1)"},
	},
	{
		name:  "a conflicting duplicate: the first kept, a note",
		files: map[string][]byte{"t.json": otlpgen.JSONLines([]otlpgen.Span{pg(1, 0, nil)}, []otlpgen.Span{withStatus(pg(1, 0, nil), ptrace.StatusCodeError, "boom")})},
		rows:  1,
		out: []string{"took 1 rows, skipped 1: 1 conflicting duplicate span (first at DIR/t.json:2:1)",
			`note: DIR/t.json:2:1: span 0000000000000001 of trace ab000000000000000000000000000001 was read at DIR/t.json:1:1 as "SELECT ok 1ms", here as "SELECT error 1ms other": the first is kept`,
			"(1 rows: 1 ok)"},
	},
	{
		name:  "time stamps of 0",
		files: jsonFile(ok, otlpgen.Span{Service: "svc", Kind: ptrace.SpanKindClient, Trace: 1, ID: 1, NoTimes: true, Attrs: map[string]any{"db.system.name": "postgresql"}}),
		rows:  1,
		out:   []string{"skipped 1: 1 no time (first at DIR/t.json:1:2)", "no time: start 0, end 0"},
	},
	{
		name: "far in the future",
		files: jsonFile(ok, func() otlpgen.Span {
			s := pg(1, 0, nil)
			s.Start = uint64(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
			s.End = s.Start + 1000
			return s
		}()),
		rows: 1,
		out:  []string{"skipped 1: 1 time outside 2000-2100 (first at DIR/t.json:1:2)", "start 2200-01-01T00:00:00Z"},
	},
	{
		name: "in microseconds, not nanoseconds (1970)",
		files: jsonFile(ok, func() otlpgen.Span {
			s := pg(1, 0, nil)
			s.Start = uint64(otlpgen.T0.UnixMicro())
			s.End = s.Start + 1000
			return s
		}()),
		rows: 1,
		out:  []string{"skipped 1: 1 time outside 2000-2100"},
	},
	{
		name: "end before start",
		files: jsonFile(ok, func() otlpgen.Span {
			s := pg(1, 0, nil)
			s.Start, s.End = uint64(otlpgen.T0.UnixNano()), uint64(otlpgen.T0.Add(-time.Second).UnixNano())
			return s
		}()),
		rows: 1,
		out:  []string{"skipped 1: 1 end before start (first at DIR/t.json:1:2)", "end 2026-11-25T18:59:59Z is 1s before start 2026-11-25T19:00:00Z"},
	},
	{
		name: "a truncated last line",
		files: map[string][]byte{"t.json": func() []byte {
			second := otlpgen.JSONLine(pg(2, 0, nil))
			return append(otlpgen.JSONLine(pg(1, 0, nil)), second[:len(second)/2]...)
		}()},
		rows: 1,
		out:  []string{"read 1 spans in 2 lines of 1 files, took 1 rows, skipped 1: 1 truncated last line (first at DIR/t.json:2)"},
	},
	{
		name:  "a line that is no JSON object of OTLP",
		files: map[string][]byte{"t.json": append(otlpgen.JSONLine(pg(1, 0, nil)), `{"resourceSpans": 7}`+"\n"...)},
		rows:  1,
		out:   []string{"skipped 1: 1 not an OTLP line (first at DIR/t.json:2)"},
	},
	{
		name:  "blank lines",
		files: map[string][]byte{"t.json": append(append([]byte("\n"), otlpgen.JSONLine(pg(1, 0, nil))...), "  \n"...)},
		rows:  1,
		out:   []string{"read 1 spans in 3 lines of 1 files, took 1 rows, skipped 2: 2 blank line (first at DIR/t.json:1)"},
	},
	{
		name: "gzip cut before its trailer: every line read, the cut counted",
		files: map[string][]byte{"t.json.gz": func() []byte {
			z := otlpgen.Gzip(otlpgen.JSONLines([]otlpgen.Span{pg(1, 0, nil)}, []otlpgen.Span{pg(2, otlpMS, nil)}))
			return z[:len(z)-8]
		}()},
		rows: 2,
		out: []string{"read 2 spans in 2 lines of 1 files, took 2 rows, skipped 1: 1 truncated last line (first at DIR/t.json.gz:3)",
			"the compressed stream ends early (a cut file)"},
	},
	{
		name: "gzip cut in its middle: the lines before the cut read",
		files: map[string][]byte{"t.json.gz": func() []byte {
			var big []otlpgen.Span
			for i := range 300 {
				big = append(big, pg(uint64(10+i), time.Duration(i)*otlpMS, map[string]any{"db.query.text": strings.Repeat("x", i)}))
			}
			z := otlpgen.Gzip(otlpgen.JSONLines([]otlpgen.Span{pg(1, 0, nil)}, big))
			return z[:len(z)/2]
		}()},
		rows: 1,
		out:  []string{"read 1 spans in 2 lines of 1 files, took 1 rows, skipped 1: 1 truncated last line (first at DIR/t.json.gz:2)"},
	},
	{
		name:  "an empty file",
		files: map[string][]byte{"t.json": nil},
		code:  1,
		out:   []string{"switchwatch: import otlp: DIR/t.json: the file is empty"},
	},
	{
		name:  "a gzip of an empty file",
		files: map[string][]byte{"t.json.gz": otlpgen.Gzip(nil)},
		code:  1,
		out:   []string{"switchwatch: import otlp: DIR/t.json.gz: the file is empty"},
	},
	{
		name: "a PostgreSQL log",
		files: map[string][]byte{"postgresql.log": []byte("2026-11-25 19:00:00.123 UTC [4711] LOG:  database system is ready to accept connections\n" +
			"2026-11-25 19:00:01.001 UTC [4712] FATAL:  the database system is shutting down\n")},
		code: 1,
		out:  []string{`switchwatch: import otlp: DIR/postgresql.log: not an OTLP trace file (JSON lines of ExportTraceServiceRequest, or length-prefixed protobuf; plain, gzip or zstd): it begins "2026-11-25 19:00"`},
	},
	{
		name: "a JSON lines request log (import jsonl's format)",
		files: map[string][]byte{"requests.jsonl": []byte(`{"time":"2026-11-25T19:00:00.123456Z","op":"write","outcome":"ok","latency_ms":1.8}` + "\n" +
			`{"time":"2026-11-25T19:00:00.3Z","op":"write","outcome":"error","error":"read-only"}` + "\n")},
		code: 1,
		out:  []string{"switchwatch: import otlp: DIR/requests.jsonl: no OTLP span in its 2 lines (skipped 2 line without spans)"},
	},
	{
		name:  "a protobuf file named .json: the content decides",
		files: map[string][]byte{"t.json": otlpgen.Proto([]otlpgen.Span{pg(1, 0, nil)}, []otlpgen.Span{pg(2, otlpMS, nil), pg(3, 2*otlpMS, nil)})},
		rows:  3,
		out:   []string{"read 3 spans in 2 lines of 1 files, took 3 rows, skipped 0"},
	},
	{
		name: "protobuf without the length prefix",
		files: map[string][]byte{"t.pb": func() []byte {
			var m ptrace.ProtoMarshaler
			b, _ := m.MarshalTraces(otlpgen.Traces(pg(1, 0, nil)))
			return b
		}()},
		code: 1,
		out:  []string{"DIR/t.pb: not an OTLP trace file"},
	},
	{
		name: "protobuf cut in a message",
		files: map[string][]byte{"t.pb": func() []byte {
			b := otlpgen.Proto([]otlpgen.Span{pg(1, 0, nil)}, []otlpgen.Span{pg(2, otlpMS, nil)})
			return b[:len(b)-10]
		}()},
		rows: 1,
		out:  []string{"skipped 1: 1 truncated last line (first at DIR/t.pb:2)", "cut short"},
	},
	{
		name:  "only HTTP spans",
		files: jsonFile(otlpgen.Span{Service: "svc", Name: "GET /", Kind: ptrace.SpanKindServer, Trace: 1, ID: 1, Dur: otlpMS}),
		code:  1,
		out:   []string{"switchwatch: import otlp: no PostgreSQL client span in DIR/t.json (read 1 spans in 1 lines of 1 files, took 0 rows, skipped 1: 1 not a database span (first at DIR/t.json:1:1))"},
	},
	{
		name: "two files, one of only mysql spans: a note",
		files: map[string][]byte{"a.json": otlpgen.JSONLines([]otlpgen.Span{pg(1, 0, nil)}),
			"b.json": otlpgen.JSONLines([]otlpgen.Span{pg(2, 0, map[string]any{"db.system.name": "mysql"})})},
		rows: 1,
		out:  []string{"note: DIR/b.json: none of its 1 spans is a PostgreSQL client call (skipped 1 other database)"},
	},
	{
		name:  "--strict and a skipped span",
		files: jsonFile(ok, pg(1, 0, map[string]any{"db.system.name": "mysql"})),
		args:  []string{"--strict"},
		code:  1,
		out:   []string{"switchwatch: import otlp: skipped line with --strict: DIR/t.json:1:2: other database"},
	},
	{
		name:  "--kind with an unknown kind",
		files: jsonFile(ok),
		args:  []string{"--kind", "SELECT=fast"},
		code:  2,
		out:   []string{`kind "fast" for SELECT: want write, read or connect`},
	},
	{
		name:  "--kind overrides the operation's kind",
		files: jsonFile(pg(1, 0, map[string]any{"db.query.text": "call refresh()"}), pg(2, 0, map[string]any{"db.query.text": "with x as (delete from t) select 1"})),
		args:  []string{"--kind", "call=read", "--kind", "WITH=write"},
		rows:  2,
		out:   []string{"took 2 rows, skipped 0"},
		check: func(t *testing.T, rows []store.Probe) {
			if got := rows[0].Stream() + " " + rows[1].Stream(); got != "read/svc-db-example-com-5432/read write/svc-db-example-com-5432/write" {
				t.Errorf("streams %s", got)
			}
		},
	},
	{
		name: "escape sequences in a file name and in spans never reach the terminal",
		files: map[string][]byte{"\x1b[31mt.json": otlpgen.JSONLines([]otlpgen.Span{ok,
			withStatus(pg(1, 0, map[string]any{"db.system.name": "\x1b[2Jmysql"}), ptrace.StatusCodeError, "\x1b]0;pwned\x07")})},
		rows:   1,
		out:    []string{"skipped 1: 1 other database (first at DIR/\\x1b[31mt.json:1:2)", `skipped: DIR/\x1b[31mt.json:1:2: other database: db system "\x1b[2Jmysql"`},
		notOut: []string{"\x1b"},
	},
	{
		name:  "--events: a PgBouncer log with one of its two events outside the run",
		files: jsonFile(pg(1, 0, nil), pg(2, time.Second, nil)),
		extra: map[string][]byte{"pgbouncer.log": []byte("2026-11-25 18:00:00.000 UTC [99] LOG PAUSE 'postgres' command issued\n" +
			"2026-11-25 19:00:00.500 UTC [99] LOG RESUME 'postgres' command issued\n")},
		args: []string{"--events", "DIR/pgbouncer.log"},
		rows: 2,
		out:  []string{"note: 1 of the 2 events of DIR/pgbouncer.log fall outside the run (2026-11-25T19:00:00Z to 2026-11-25T19:00:01.001Z)"},
	},
	{
		name:  "--events: a trace file given as a log: read as JSON-lines events, its line skipped and named",
		files: jsonFile(pg(1, 0, nil)),
		extra: map[string][]byte{"more.json": otlpgen.JSONLines([]otlpgen.Span{pg(2, 0, nil)})},
		args:  []string{"--events", "DIR/more.json"},
		rows:  1,
		out: []string{"read 1 spans in 1 lines of 1 files, took 1 rows, skipped 1: 1 bad event line (first at DIR/more.json:1)",
			`skipped: DIR/more.json:1: bad event line: event needs "name" and "time"`},
	},
	{
		name: "the names before 1.26",
		files: jsonFile(otlpgen.Span{Service: "billing", Name: "shop", Kind: ptrace.SpanKindClient, Trace: 1, ID: 1, Dur: otlpMS, Status: ptrace.StatusCodeError,
			Attrs: map[string]any{"db.system": "postgresql", "db.statement": "INSERT INTO t VALUES (1)", "db.name": "shop",
				"net.peer.name": "pg.internal", "net.peer.port": 5432, "net.sock.peer.addr": "10.0.0.9", "net.sock.peer.port": 5432},
			ExceptionType: "org.postgresql.util.PSQLException", ExceptionMessage: "FATAL: terminating connection due to administrator command"}),
		rows: 1,
		check: wantRow(func(p *store.Probe) string {
			if p.Stream() != "write/billing-pg-internal-5432/write" || p.ServerAddr != "10.0.0.9:5432" || p.ErrorClass != "shutdown" {
				return p.Stream() + " " + p.ServerAddr + " " + p.ErrorClass
			}
			return ""
		}),
	},
}

// TestImportOTLPBadInputs runs every odd input through the real command
// line and checks the exit code, the exact summary or error, and the rows.
func TestImportOTLPBadInputs(t *testing.T) {
	if len(otlpBadInputs) < 20 {
		t.Fatalf("%d cases; the suite wants at least 20", len(otlpBadInputs))
	}
	for _, c := range otlpBadInputs {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "DIR", dir) }
			args := []string{"import", "otlp"}
			for _, name := range slices.Sorted(maps.Keys(c.files)) {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, c.files[name], 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, p)
			}
			for name, data := range c.extra {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(dir, "out")
			args = append(args, "--out", out)
			for _, a := range c.args {
				args = append(args, sub(a))
			}
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), &stdout, &stderr, args)
			printError(&stderr, err)
			output := stdout.String() + stderr.String()
			if code := exitCode(err); code != c.code {
				t.Errorf("exit code %d, want %d", code, c.code)
			}
			for _, w := range c.out {
				if !strings.Contains(output, sub(w)) {
					t.Errorf("output lacks %q", sub(w))
				}
			}
			for _, w := range c.notOut {
				if strings.Contains(output, sub(w)) {
					t.Errorf("output has %q", sub(w))
				}
			}
			runs, _ := store.FindRuns(out)
			if c.code != 0 {
				if len(runs) != 0 {
					t.Errorf("a failed import left runs %v", runs)
				}
			} else if len(runs) != 1 {
				t.Errorf("runs %v, want 1", runs)
			} else {
				var rows []store.Probe
				err := store.ReadRun(runs[0], func(p *store.Probe) error {
					rows = append(rows, p.Clone())
					return nil
				}, func(s store.SkippedFile) { t.Errorf("unreadable: %+v", s) })
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != c.rows {
					t.Errorf("%d rows, want %d", len(rows), c.rows)
				}
				if c.check != nil {
					c.check(t, rows)
				}
			}
			if t.Failed() {
				t.Logf("$ switchwatch %s\n%s", strings.Join(args, " "), output)
			}
		})
	}
}

// TestImportOTLPCommand: the command's output, and the analyzer reads
// the run it wrote.
func TestImportOTLPCommand(t *testing.T) {
	dir := t.TempDir()
	var spans []otlpgen.Span
	for i := range 100 {
		// blue answers before the switchover, green after it.
		peer := map[bool]string{true: "10.0.0.1", false: "10.0.0.2"}[i < 50]
		s := pg(uint64(i+1), time.Duration(i)*100*otlpMS, map[string]any{"db.operation.name": "INSERT", "network.peer.address": peer, "network.peer.port": 5432})
		if i >= 40 && i < 60 {
			s = withStatus(s, ptrace.StatusCodeError, "FATAL: terminating connection due to administrator command")
			s.Attrs["db.response.status_code"] = "57P01"
		}
		spans = append(spans, s)
	}
	file := filepath.Join(dir, "traces.json.gz")
	if err := os.WriteFile(file, otlpgen.Gzip(otlpgen.JSONLines(spans[:50], spans[50:])), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "runs")
	stdout, stderr, err := runImportCmd(t, "import", "otlp", file, "--out", out, "--label", "app=svc")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if want := "read 100 spans in 2 lines of 1 files, took 100 rows, skipped 0\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if !strings.HasPrefix(stdout, "imported run otlp-") || !strings.HasSuffix(stdout, "(100 rows: 20 error, 80 ok)\n") {
		t.Errorf("stdout %q", stdout)
	}
	stdout, stderr, err = runImportCmd(t, "analyze", "--runs", out)
	if err != nil {
		t.Fatalf("analyze: %v\n%s", err, stderr)
	}
	// 20 failed spans 100 ms apart, then the other server answers.
	for _, w := range []string{"write/svc-db-example-com-5432/write: unavailable 2.0 s (1)", "failed probes: shutdown 20",
		"10.0.0.1:5432 → 10.0.0.2:5432", "write down 2.0 s ± 0.1 s"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("analyze lacks %q:\n%s", w, stdout)
		}
	}
}
