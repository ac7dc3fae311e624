package otelapp

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/otlpfile"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// span is one exported span, flattened for assertions.
type span struct {
	service    string
	name       string
	kind       ptrace.SpanKind
	start, end int64
	err        bool
	attrs      map[string]string
}

func readSpans(t *testing.T, path string) []span {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []span
	if err := otlpfile.Read(f, func(_ int, td ptrace.Traces) error {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			svc, _ := rs.Resource().Attributes().Get("service.name")
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				ss := rs.ScopeSpans().At(j).Spans()
				for k := 0; k < ss.Len(); k++ {
					s := ss.At(k)
					a := map[string]string{}
					s.Attributes().Range(func(k string, v pcommon.Value) bool { a[k] = v.AsString(); return true })
					out = append(out, span{service: svc.Str(), name: s.Name(), kind: s.Kind(),
						start: int64(s.StartTimestamp()), end: int64(s.EndTimestamp()),
						err: s.Status().Code() == ptrace.StatusCodeError, attrs: a})
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAppTracesBothServicesAndKeepsQuiet runs the app against a real
// server for a few seconds with a quiet window, exports through the real
// SDK to the real receiver, and reads the file back: every request is a
// SERVER span, the database calls are CLIENT spans with the semantic
// convention attributes, and nothing starts in the quiet window.
func TestAppTracesBothServicesAndKeepsQuiet(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{})
	path := filepath.Join(t.TempDir(), "traces.jsonl")
	rcv, err := otlpfile.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	app, err := Start(ctx, Config{DSN: srv.DSN(), OTLPEndpoint: rcv.Endpoint(), Checkout: 2, Reports: 1,
		Think: 20 * time.Millisecond, Burst: 5, Lull: 200 * time.Millisecond,
		// Generous timeouts: on a loaded machine a password exchange can
		// take over a second, and no request may fail here.
		ConnectTimeout: 5 * time.Second, QueryTimeout: 5 * time.Second,
		Quiet: []Quiet{{After: 1500 * time.Millisecond, For: time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	truth, err := app.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rcv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	spans := readSpans(t, path)
	t.Logf("%d export requests, %d spans; truth %+v", rcv.Requests(), len(spans), truth.Services)

	// Every request the app counted is a SERVER span of its service.
	servers := map[string]int64{}
	for _, s := range spans {
		if s.kind == ptrace.SpanKindServer {
			servers[s.service]++
		}
	}
	for _, st := range truth.Services {
		if st.Requests == 0 {
			t.Errorf("service %s sent no request", st.Name)
		}
		if st.Failed != 0 {
			t.Errorf("service %s: %d of %d requests failed against a healthy server", st.Name, st.Failed, st.Requests)
		}
		if servers[st.Name] != st.Requests {
			t.Errorf("service %s: %d SERVER spans in the file, %d requests sent", st.Name, servers[st.Name], st.Requests)
		}
	}

	// Closed-loop clients with think time: a client's next request starts
	// after its last ended, after gaps of bursts (short) and lulls (long),
	// not at the steps of a grid.
	byClient := map[string][]span{}
	for _, s := range spans {
		if s.kind == ptrace.SpanKindServer {
			byClient[s.attrs[AttrClient]] = append(byClient[s.attrs[AttrClient]], s)
		}
	}
	if len(byClient) != 3 {
		t.Errorf("clients in the SERVER spans: %d, want 3", len(byClient))
	}
	var short, long int
	for c, ss := range byClient {
		sort.Slice(ss, func(i, j int) bool { return ss[i].start < ss[j].start })
		for i := 1; i < len(ss); i++ {
			gap := time.Duration(ss[i].start - ss[i-1].end)
			acrossQuiet := false
			for _, q := range truth.Quiet {
				acrossQuiet = acrossQuiet || (ss[i-1].end <= q.Start && ss[i].start >= q.End)
			}
			switch {
			case acrossQuiet:
			case gap < 0:
				t.Errorf("client %s: request at %d started before the one before it ended (%d)", c, ss[i].start, ss[i-1].end)
			case gap < 60*time.Millisecond:
				short++
			case gap > 100*time.Millisecond:
				long++
			}
		}
	}
	if short == 0 || long == 0 {
		t.Errorf("gaps between a client's requests: %d under 60ms, %d over 100ms; want bursts and lulls", short, long)
	}

	// Database CLIENT spans follow the conventions.
	_, port, _ := net.SplitHostPort(srv.Addr())
	ops := map[string]map[string]int{ServiceCheckout: {}, ServiceReports: {}}
	for _, s := range spans {
		if s.kind != ptrace.SpanKindClient {
			continue
		}
		if s.attrs["db.system.name"] != "postgresql" || s.attrs["server.address"] != "127.0.0.1" ||
			s.attrs["server.port"] != port || s.attrs["db.namespace"] == "" {
			t.Errorf("%s span %s: connection attributes %v", s.service, s.name, s.attrs)
		}
		switch {
		case s.name == "connect" || s.name == "pool.acquire":
			ops[s.service][s.name]++
		case s.attrs["pgx.prepare_stmt.name"] != "":
			ops[s.service]["prepare"]++
		default:
			if s.attrs["db.operation.name"] == "" || s.attrs["db.query.text"] == "" {
				t.Errorf("%s span %s: no db.operation.name or db.query.text: %v", s.service, s.name, s.attrs)
			}
			ops[s.service][s.attrs["db.operation.name"]]++
		}
		if !s.err && s.name != "pool.acquire" && (s.attrs["network.peer.address"] != "127.0.0.1" || s.attrs["network.peer.port"] != port) {
			t.Errorf("%s span %s: network.peer %s:%s, want %s", s.service, s.name, s.attrs["network.peer.address"], s.attrs["network.peer.port"], srv.Addr())
		}
	}
	if ops[ServiceCheckout]["INSERT"] == 0 || ops[ServiceCheckout]["SELECT"] == 0 || ops[ServiceCheckout]["connect"] > DefaultPoolSize {
		t.Errorf("checkout's database spans %v: want INSERTs and SELECTs over at most %d pooled connections", ops[ServiceCheckout], DefaultPoolSize)
	}
	if n := ops[ServiceReports]["connect"]; n == 0 || int64(n) != truth.Services[1].Requests || ops[ServiceReports]["SELECT"] != n || ops[ServiceReports]["prepare"] != n {
		t.Errorf("reports' database spans %v: want a connect, a prepare and a SELECT per request (%d)", ops[ServiceReports], truth.Services[1].Requests)
	}

	// The quiet window: about a second long, nothing in it, traffic on
	// both sides of it.
	if truth.Settings["think"] != "20ms" || truth.Settings["pool_size"] != DefaultPoolSize {
		t.Errorf("settings %v: want think 20ms and the default pool size", truth.Settings)
	}
	if len(truth.Quiet) != 1 {
		t.Fatalf("quiet windows %v, want 1", truth.Quiet)
	}
	q := truth.Quiet[0]
	if d := time.Duration(q.End - q.Start); d < time.Second || d > 2*time.Second {
		t.Errorf("quiet window lasted %v, want 1s to 2s", d)
	}
	var before, after int
	for _, s := range spans {
		switch {
		case s.start >= q.Start && s.start <= q.End, s.end >= q.Start && s.end <= q.End:
			t.Errorf("%s span %s (%d..%d) inside the quiet window %d..%d", s.service, s.name, s.start, s.end, q.Start, q.End)
		case s.end < q.Start:
			before++
		case s.start > q.End:
			after++
		}
	}
	if before == 0 || after == 0 {
		t.Errorf("spans before the quiet window %d, after it %d: want some on both sides", before, after)
	}
}
