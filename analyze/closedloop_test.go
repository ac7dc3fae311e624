package analyze_test

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/importer"
	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/otlpgen"
	"github.com/switchwatch/switchwatch/record/store"
)

// The closed-loop tests write an application's OpenTelemetry traces with
// pdata (internal/otlpgen), import them with the real importer, as
// `switchwatch import otlp` does, and analyze the run.

// app is one service's client spans, one every `every` from `from` to
// `to` (T0-relative), each made by mk (nil: an ok INSERT).
type app struct {
	svc         string
	from, to    time.Duration
	every       time.Duration
	mk          func(at time.Duration) map[string]any
	readOnlyAt  func(at time.Duration) bool
	unavailable func(at time.Duration) bool
	hang        time.Duration // how long an unavailable request waits (default 1 s)
}

var nextID uint64

func (a app) spans() []otlpgen.Span {
	var out []otlpgen.Span
	for at := a.from; at < a.to; at += a.every {
		nextID++
		attrs := map[string]any{"db.operation.name": "INSERT", "db.query.text": "INSERT INTO orders VALUES ($1)"}
		if a.mk != nil {
			for k, v := range a.mk(at) {
				attrs[k] = v
			}
		}
		sp := otlpgen.PG(a.svc, nextID, at, 2*time.Millisecond, attrs)
		switch {
		case a.readOnlyAt != nil && a.readOnlyAt(at):
			sp.Attrs["db.response.status_code"], sp.Attrs["error.type"] = "25006", "25006"
			sp.Status, sp.Message = ptrace.StatusCodeError, "ERROR: cannot execute INSERT in a read-only transaction"
		case a.unavailable != nil && a.unavailable(at):
			sp.Attrs["error.type"] = "timeout"
			sp.Status, sp.Message, sp.Dur = ptrace.StatusCodeError, "timeout: context deadline exceeded", cmp.Or(a.hang, time.Second)
		}
		out = append(out, sp)
	}
	return out
}

// peer answers with server addr (network.peer.address) before t and
// with addr2 from t on.
func peer(addr, addr2 string, t time.Duration) func(time.Duration) map[string]any {
	return func(at time.Duration) map[string]any {
		if at >= t {
			addr = addr2
		}
		return map[string]any{"network.peer.address": addr, "network.peer.port": 5432}
	}
}

func between(a, b time.Duration) func(time.Duration) bool {
	return func(at time.Duration) bool { return at >= a && at < b }
}

// analyzeApps imports the apps' spans as one trace file and analyzes the
// run.
func analyzeApps(t *testing.T, apps ...app) *analyze.RunResult {
	t.Helper()
	return &analyzeAppsWith(t, nil, analyze.Options{}, apps...).Runs[0]
}

// analyzeAppsWith is analyzeApps with events stored beside the traces
// and analysis options.
func analyzeAppsWith(t *testing.T, events []store.Event, opt analyze.Options, apps ...app) *analyze.Summary {
	t.Helper()
	dir := t.TempDir()
	var evFiles []string
	if len(events) > 0 {
		f := filepath.Join(dir, "events.jsonl")
		log, err := store.CreateEventLog(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if err := log.Log(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := log.Close(); err != nil {
			t.Fatal(err)
		}
		evFiles = append(evFiles, f)
	}
	var spans []otlpgen.Span
	for _, a := range apps {
		spans = append(spans, a.spans()...)
	}
	file := filepath.Join(dir, "traces.json")
	if err := os.WriteFile(file, otlpgen.JSONLines(spans), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := importer.ImportOTLP(context.Background(), []string{file}, importer.OTLPOptions{Options: importer.Options{Out: filepath.Join(dir, "runs"), Events: evFiles}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := analyze.Analyze(context.Background(), []string{res.RunDir}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Runs) != 1 {
		t.Fatalf("%d runs", len(sum.Runs))
	}
	if !sum.Runs[0].ClosedLoop {
		t.Fatalf("an import of traces is not analyzed as closed-loop traffic")
	}
	return sum
}

func at(d time.Duration) time.Time { return otlpgen.T0.Add(d) }

func states(run *analyze.RunResult) []analyze.PhaseState {
	var s []analyze.PhaseState
	for _, p := range run.Phases {
		s = append(s, p.State)
	}
	return s
}

func sameStates(a, b []analyze.PhaseState) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// An application that stops sending for 10 s while the database is
// healthy shows no traffic, not an outage, and the downtime of the
// switchover before it is what it is without the lull.
func TestClosedLoopLullIsNoTraffic(t *testing.T) {
	ro := between(10*time.Second, 13*time.Second)
	busy := analyzeApps(t, app{svc: "checkout", from: 0, to: 40 * time.Second, every: 100 * time.Millisecond, readOnlyAt: ro})
	lull := analyzeApps(t,
		app{svc: "checkout", from: 0, to: 25 * time.Second, every: 100 * time.Millisecond, readOnlyAt: ro},
		app{svc: "checkout", from: 35 * time.Second, to: 40 * time.Second, every: 100 * time.Millisecond})
	want := []analyze.PhaseState{analyze.PhaseHealthy, analyze.PhaseReadOnly, analyze.PhaseHealthy, analyze.PhaseNoTraffic, analyze.PhaseHealthy}
	if got := states(lull); !sameStates(got, want) {
		t.Fatalf("phases %v, want %v", got, want)
	}
	nt := lull.Phases[3]
	if nt.Start.Before(at(24900*time.Millisecond)) || nt.End.After(at(35*time.Second)) || nt.DurationNS < int64(9800*time.Millisecond) {
		t.Errorf("no traffic %v to %v (%v), want about 24.9 s to 35 s", nt.Start.Sub(otlpgen.T0), nt.End.Sub(otlpgen.T0), time.Duration(nt.DurationNS))
	}
	m, mb := lull.Metrics, busy.Metrics
	if m.WriteDowntime == nil || mb.WriteDowntime == nil || m.WriteDowntime.NS != mb.WriteDowntime.NS {
		t.Errorf("write downtime %+v with the lull, %+v without: the lull changed it", m.WriteDowntime, mb.WriteDowntime)
	}
	if m.Outages != 1 || !m.Recovered {
		t.Errorf("%d outages, recovered %v: want 1, true", m.Outages, m.Recovered)
	}
	if m.NoTrafficTime.NS != nt.DurationNS || mb.NoTrafficTime.NS != 0 {
		t.Errorf("no traffic time %v (busy %v)", time.Duration(m.NoTrafficTime.NS), time.Duration(mb.NoTrafficTime.NS))
	}
	if len(lull.UnplaceableEdges) != 0 {
		t.Errorf("unplaceable edges in a lull between healthy requests: %+v", lull.UnplaceableEdges)
	}
}

// A lull inside an outage does not end it: read-only, 8 s without
// requests, read-only again is one outage whose downtime leaves the lull
// out.
func TestClosedLoopLullInsideAnOutage(t *testing.T) {
	run := analyzeApps(t,
		app{svc: "checkout", from: 0, to: 12 * time.Second, every: 100 * time.Millisecond, readOnlyAt: between(10*time.Second, time.Hour)},
		app{svc: "checkout", from: 20 * time.Second, to: 30 * time.Second, every: 100 * time.Millisecond, readOnlyAt: between(0, 22*time.Second)})
	m := run.Metrics
	if m.Outages != 1 {
		t.Errorf("%d outages across a lull, want 1 (phases %v)", m.Outages, states(run))
	}
	// 10 s to 12 s and 20 s to 22 s read-only, each edge ± 50 ms
	if m.WriteDowntime == nil || m.WriteDowntime.NS < int64(3800*time.Millisecond) || m.WriteDowntime.NS > int64(4200*time.Millisecond) {
		t.Errorf("write downtime %+v, want about 4 s (the lull not counted)", m.WriteDowntime)
	}
}

// A request in flight is traffic: clients waiting on 2 s timeouts in a
// blackhole send nothing new for 2 s (closed loop), which is no lull. In
// CI the lab's aurora traces read such a wait as no traffic inside the
// outage and cut it in two.
func TestClosedLoopInFlightIsNoLull(t *testing.T) {
	run := analyzeApps(t,
		app{svc: "checkout", from: 0, to: 10 * time.Second, every: 100 * time.Millisecond},
		app{svc: "checkout", from: 10 * time.Second, to: 14 * time.Second, every: 2 * time.Second, hang: 2 * time.Second,
			unavailable: between(0, time.Hour)},
		app{svc: "checkout", from: 14 * time.Second, to: 20 * time.Second, every: 100 * time.Millisecond})
	want := []analyze.PhaseState{analyze.PhaseHealthy, analyze.PhaseUnavailable, analyze.PhaseHealthy}
	if got := states(run); !sameStates(got, want) {
		t.Fatalf("phases %v, want %v", got, want)
	}
	if m := run.Metrics; m.NoTrafficTime.NS != 0 || m.Outages != 1 {
		t.Errorf("no traffic %v, %d outages: want none and 1", time.Duration(m.NoTrafficTime.NS), m.Outages)
	}
}

// An edge between requests 2 s apart lies at their midpoint, ± 1 s, said
// on the phase's edge.
func TestClosedLoopEdgeResolution(t *testing.T) {
	run := analyzeApps(t,
		app{svc: "checkout", from: 0, to: 10 * time.Second, every: 100 * time.Millisecond},
		app{svc: "checkout", from: 12 * time.Second, to: 20 * time.Second, every: 100 * time.Millisecond, readOnlyAt: between(0, 15*time.Second)})
	want := []analyze.PhaseState{analyze.PhaseHealthy, analyze.PhaseReadOnly, analyze.PhaseHealthy}
	if got := states(run); !sameStates(got, want) {
		t.Fatalf("phases %v, want %v", got, want)
	}
	ro := run.Phases[1]
	// the last ok request started at 9.9 s, the first failure at 12 s
	if !ro.Start.Equal(at(10950*time.Millisecond)) || ro.StartResolutionNS != int64(1050*time.Millisecond) {
		t.Errorf("read-only starts at %v ± %v, want 10.95 s ± 1.05 s", ro.Start.Sub(otlpgen.T0), time.Duration(ro.StartResolutionNS))
	}
	if ro.EndResolutionNS != int64(50*time.Millisecond) || ro.ResolutionNS != ro.StartResolutionNS+ro.EndResolutionNS {
		t.Errorf("read-only ends ± %v, duration ± %v; want ± 50ms and the sum", time.Duration(ro.EndResolutionNS), time.Duration(ro.ResolutionNS))
	}
	if run.Phases[0].EndResolutionNS != ro.StartResolutionNS {
		t.Errorf("the healthy phase ends ± %v, the read-only starts ± %v", time.Duration(run.Phases[0].EndResolutionNS), time.Duration(ro.StartResolutionNS))
	}
	if d := run.Metrics.WriteDowntime; d == nil || d.NS != int64(4*time.Second) || d.ResolutionNS != int64(1100*time.Millisecond) {
		t.Errorf("write downtime %+v, want 4 s ± 1.1 s (10.95 s to 14.95 s)", d)
	}
}

// A change across 12 s without requests cannot be placed within 5 s: it
// is named with its bounds, and the gap is no traffic, not either state.
func TestClosedLoopUnplaceableEdge(t *testing.T) {
	run := analyzeApps(t,
		app{svc: "checkout", from: 0, to: 10 * time.Second, every: 100 * time.Millisecond},
		app{svc: "checkout", from: 21900 * time.Millisecond, to: 30 * time.Second, every: 100 * time.Millisecond, readOnlyAt: between(0, 25*time.Second)})
	want := []analyze.PhaseState{analyze.PhaseHealthy, analyze.PhaseNoTraffic, analyze.PhaseReadOnly, analyze.PhaseHealthy}
	if got := states(run); !sameStates(got, want) {
		t.Fatalf("phases %v, want %v", got, want)
	}
	if len(run.UnplaceableEdges) != 1 {
		t.Fatalf("unplaceable edges %+v, want 1", run.UnplaceableEdges)
	}
	e := run.UnplaceableEdges[0]
	if e.From != analyze.StateOK || e.To != analyze.StateReadOnly || !e.After.Equal(at(9900*time.Millisecond)) || !e.Before.Equal(at(21900*time.Millisecond)) || e.GapNS != int64(12*time.Second) {
		t.Errorf("unplaceable edge %+v, want ok at 9.9 s to read_only at 21.9 s", e)
	}
	if ro := run.Phases[2]; ro.StartResolutionNS != e.GapNS {
		t.Errorf("read-only starts ± %v, want the whole gap %v", time.Duration(ro.StartResolutionNS), time.Duration(e.GapNS))
	}
}

// Two services on one timeline: each one's first and last failure,
// failure classes and the servers before and after are its own.
func TestClosedLoopServices(t *testing.T) {
	run := analyzeApps(t,
		app{svc: "checkout", from: 0, to: 30 * time.Second, every: 100 * time.Millisecond,
			mk: peer("10.0.1.7", "10.0.2.9", 15*time.Second), readOnlyAt: between(10*time.Second, 15*time.Second)},
		app{svc: "billing", from: 50 * time.Millisecond, to: 30 * time.Second, every: 200 * time.Millisecond,
			mk: peer("10.0.1.7", "10.0.2.9", 16*time.Second), unavailable: between(12*time.Second, 16*time.Second)},
		// a service that never failed: its first answer and its last
		app{svc: "reports", from: 70 * time.Millisecond, to: 30 * time.Second, every: time.Second,
			mk: peer("10.0.1.7", "10.0.2.9", 20*time.Second)})
	if len(run.Services) != 3 {
		t.Fatalf("services %+v, want billing, checkout and reports", run.Services)
	}
	b, c, r := run.Services[0], run.Services[1], run.Services[2]
	if b.Service != "billing" || c.Service != "checkout" || r.Service != "reports" {
		t.Fatalf("services %q, %q, %q", b.Service, c.Service, r.Service)
	}
	if r.FirstFailure != nil || r.Failed != 0 || r.Requests != 30 {
		t.Errorf("reports %+v, want 30 requests, none failed", r)
	}
	if c.FirstFailure == nil || !c.FirstFailure.Equal(at(10*time.Second)) || !c.LastFailure.Equal(at(14900*time.Millisecond)) || c.FailedByClass["read_only"] != 50 {
		t.Errorf("checkout %+v", c)
	}
	if b.FirstFailure == nil || !b.FirstFailure.Equal(at(12050*time.Millisecond)) || !b.LastFailure.Equal(at(15850*time.Millisecond)) || b.FailedByClass["query_timeout"] != 20 {
		t.Errorf("billing %+v", b)
	}
	for _, s := range run.Services {
		if s.ServerBefore != "10.0.1.7:5432" || s.ServerAfter != "10.0.2.9:5432" {
			t.Errorf("%s: server %q before, %q after; want 10.0.1.7:5432, 10.0.2.9:5432", s.Service, s.ServerBefore, s.ServerAfter)
		}
	}
}

// A request log (import jsonl) is closed-loop traffic too: a 10 s pause
// of a healthy application is no traffic, its edges ± half their gaps.
func TestClosedLoopRequestLog(t *testing.T) {
	dir := t.TempDir()
	var b []byte
	line := func(d time.Duration, outcome, extra string) {
		b = append(b, `{"time":"`+at(d).Format(time.RFC3339Nano)+`","op":"write","outcome":"`+outcome+`","latency_ms":1.5`+extra+"}\n"...)
	}
	for d := time.Duration(0); d < 10*time.Second; d += 100 * time.Millisecond {
		line(d, "ok", "")
	}
	for d := 20 * time.Second; d < 25*time.Second; d += 100 * time.Millisecond {
		line(d, "ok", "")
	}
	for d := 27 * time.Second; d < 30*time.Second; d += 100 * time.Millisecond {
		line(d, "error", `,"sqlstate":"25006","error":"cannot execute INSERT in a read-only transaction"`)
	}
	file := filepath.Join(dir, "requests.jsonl")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := importer.ImportJSONL(context.Background(), []string{file}, importer.Options{Out: filepath.Join(dir, "runs")})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := analyze.Analyze(context.Background(), []string{res.RunDir}, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run := &sum.Runs[0]
	want := []analyze.PhaseState{analyze.PhaseHealthy, analyze.PhaseNoTraffic, analyze.PhaseHealthy, analyze.PhaseReadOnly}
	if got := states(run); !run.ClosedLoop || !sameStates(got, want) {
		t.Fatalf("closed loop %v, phases %v; want %v", run.ClosedLoop, got, want)
	}
	// the last ok at 24.9 s, the first failure at 27 s
	if ro := run.Phases[3]; !ro.Start.Equal(at(25950*time.Millisecond)) || ro.StartResolutionNS != int64(1050*time.Millisecond) {
		t.Errorf("read-only from %v ± %v, want 25.95 s ± 1.05 s", ro.Start.Sub(otlpgen.T0), time.Duration(ro.StartResolutionNS))
	}
	if m := run.Metrics; m.Recovered || m.WriteDowntime == nil || m.NoTrafficTime.NS < int64(9800*time.Millisecond) {
		t.Errorf("recovered %v, write downtime %+v, no traffic %v", m.Recovered, m.WriteDowntime, time.Duration(m.NoTrafficTime.NS))
	}
}

// --truth judges a closed-loop edge by its own ±: a server turned
// read-only at 11.5 s, between requests at 9.9 s and 12 s, lies within the
// edge at 10.95 s ± 1.05 s, though not within half the nominal interval.
func TestClosedLoopTruthUsesTheEdgesOwnResolution(t *testing.T) {
	ev := []store.Event{{Time: at(11500 * time.Millisecond), Name: event.BlueReadOnly, Source: "lab"}}
	sum := analyzeAppsWith(t, ev, analyze.Options{Truth: true},
		app{svc: "checkout", from: 0, to: 10 * time.Second, every: 100 * time.Millisecond},
		app{svc: "checkout", from: 12 * time.Second, to: 20 * time.Second, every: 100 * time.Millisecond, readOnlyAt: between(0, 15*time.Second)})
	a := sum.Accuracy
	if a == nil || a.Total != 1 || a.Within != 1 {
		t.Fatalf("accuracy %+v, want the one expected edge within", a)
	}
	for _, b := range a.Boundaries {
		if b.Expected && b.HalfGapNS != int64(1050*time.Millisecond) {
			t.Errorf("boundary %+v: half gap %v, want 1.05 s", b, time.Duration(b.HalfGapNS))
		}
	}
}
