package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/internal/otelapp"
	"github.com/switchwatch/switchwatch/internal/otlpfile"
	"github.com/switchwatch/switchwatch/internal/patroni"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// appSpan is one span of traces.jsonl, flattened for assertions.
type appSpan struct {
	service    string
	name       string
	kind       ptrace.SpanKind
	start, end time.Time
	err        bool
	attrs      map[string]string
}

func (s appSpan) String() string {
	return fmt.Sprintf("%s %s %s..%s err=%v %s=%s", s.service, s.name, s.start.Format("15:04:05.000"), s.end.Format("15:04:05.000"),
		s.err, "error.type", s.attrs["error.type"])
}

// readTraces decodes a run's traces.jsonl line by line with pdata's JSON
// unmarshaler (otlpfile.Read).
func readTraces(t *testing.T, dir string) (spans []appSpan, lines int) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, TracesFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := otlpfile.Read(f, func(_ int, td ptrace.Traces) error {
		lines++
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			svc, _ := rs.Resource().Attributes().Get("service.name")
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				ss := rs.ScopeSpans().At(j).Spans()
				for k := 0; k < ss.Len(); k++ {
					s := ss.At(k)
					a := map[string]string{}
					s.Attributes().Range(func(k string, v pcommon.Value) bool { a[k] = v.AsString(); return true })
					spans = append(spans, appSpan{service: svc.Str(), name: s.Name(), kind: s.Kind(),
						start: s.StartTimestamp().AsTime(), end: s.EndTimestamp().AsTime(),
						err: s.Status().Code() == ptrace.StatusCodeError, attrs: a})
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("%s: %v", TracesFile, err)
	}
	return spans, lines
}

func readAppRecord(t *testing.T, dir string) AppRecord {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, AppFile))
	if err != nil {
		t.Fatal(err)
	}
	var rec AppRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatalf("%s: %v", AppFile, err)
	}
	return rec
}

// connFailure says whether error.type names a failure to reach the
// server (no SQLSTATE: the server never answered).
func connFailure(errType string) bool {
	return errType == "timeout" || strings.HasPrefix(errType, "connection_")
}

// runAppLab records one run of a built-in scenario with the application
// beside the recorder (write probes over new connections, every 200ms)
// and reads back its events, app.json and traces.jsonl, which must agree
// with what the receiver counted. The machine must keep up in the
// lead-in, before the scenario has done anything: no probe failed or
// slow, no request of the application failed; otherwise the run is
// repeated, and after three such runs the test is skipped with the reason.
func runAppLab(t *testing.T, name string, params map[string]string, appCfg *otelapp.Config) (*labRun, AppRecord, []appSpan) {
	t.Helper()
	bin := pgserver.BinariesForTest(t)
	sc, err := NewBuiltin(name, params)
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		out := t.TempDir()
		if keep := os.Getenv("SWITCHWATCH_KEEP_LAB_RUNS"); keep != "" {
			out = keep // for TestPhasesAgreeOnRun, and a look afterwards
		}
		res, err := Run(ctx, RunOptions{Scenario: sc, Out: out, App: appCfg, Rig: RigOptions{Binaries: bin},
			Record: record.Config{Interval: e2eInterval, ConnectTimeout: 5 * time.Second, QueryTimeout: 5 * time.Second,
				Kinds: []string{store.KindWrite}, Conns: []string{store.ConnNew}}})
		cancel()
		if err != nil {
			t.Fatalf("lab run %s: %v", name, err)
		}
		r := readLabRun(t, res[0].RunDir)
		app := readAppRecord(t, r.dir)
		spans, lines := readTraces(t, r.dir)
		t.Logf("%d lines, %d spans; app %+v", lines, len(spans), app.Services)
		if int64(lines) != app.ExportRequests || int64(len(spans)) != app.Spans || lines == 0 {
			t.Fatalf("%s: %d lines and %d spans, app.json says the receiver wrote %d and %d", TracesFile, lines, len(spans), app.ExportRequests, app.Spans)
		}
		bad, slow, total := r.leadInHealth()
		appBad := 0
		if sc := r.events[EvScenario]; len(sc) == 1 {
			for _, s := range spans {
				if s.err && s.end.Before(sc[0].Time) {
					appBad++
				}
			}
		}
		if bad == 0 && slow == 0 && total >= 8 && appBad == 0 {
			return r, app, spans
		}
		msg := fmt.Sprintf("machine too busy to judge timing: of %d probes in the lead-in, %d failed and %d took over a second; %d application spans failed there (load average %s)",
			total, bad, slow, appBad, loadAvg())
		if attempt == 3 {
			t.Skipf("%s, 3 times", msg)
		}
		t.Logf("%s; running again", msg)
	}
}

// TestLabAuroraTraces runs the aurora scenario with the instrumented
// application beside the recorder and reads its traces.jsonl back: both
// services' PostgreSQL client spans with the semantic-convention
// attributes; writes failing with SQLSTATE 25006 while green serves as a
// read-only standby; connections failing while the endpoint does not
// answer; and nothing at all in the app's quiet window, which app.json
// records.
func TestLabAuroraTraces(t *testing.T) {
	// Lead-in 3s; blue read-only, 4s blackhole, 5s of green read-only,
	// promotion: about 13s; the quiet window, 10 s of a healthy database,
	// lies in the 14s tail.
	quiet := otelapp.Quiet{After: 15 * time.Second, For: 10 * time.Second}
	// Connect timeouts of 2s: half the blackhole, so connects there time
	// out inside it, and long enough for a password exchange on a busy
	// machine.
	appCfg := &otelapp.Config{Checkout: 2, Reports: 2, Think: 100 * time.Millisecond, Burst: 8, Lull: 500 * time.Millisecond,
		ConnectTimeout: 2 * time.Second, QueryTimeout: 3 * time.Second, Quiet: []otelapp.Quiet{quiet}}
	r, app, spans := runAppLab(t, "aurora", map[string]string{"lead_in": "3s", "tail": "14s"}, appCfg)
	ro := r.one(t, ActBlueReadOnly)
	bh := r.one(t, ActEndpointBlackhole)
	promo := r.one(t, ActGreenPromoted)
	if bh.End == nil || promo.End == nil {
		t.Fatal("blackhole and promotion events need an end")
	}
	cfg, err := pgx.ParseConfig(app.DSN)
	if err != nil {
		t.Fatalf("app.json dsn %q: %v", app.DSN, err)
	}
	port := strconv.Itoa(int(cfg.Port))
	var failed []appSpan
	defer func() {
		if t.Failed() {
			for _, s := range failed {
				t.Logf("failed span: %v", s)
			}
		}
	}()

	// 1. Both services, every request a SERVER span, database calls as
	// PostgreSQL CLIENT spans with the conventions' attributes.
	servers := map[string]int64{}
	clients := map[string]int{}
	for _, s := range spans {
		if s.err {
			failed = append(failed, s)
		}
		switch s.kind {
		case ptrace.SpanKindServer:
			servers[s.service]++
		case ptrace.SpanKindClient:
			clients[s.service]++
			if s.attrs["db.system.name"] != "postgresql" || s.attrs["server.address"] != "127.0.0.1" ||
				s.attrs["server.port"] != port || s.attrs["db.namespace"] == "" {
				t.Errorf("%v: attributes %v, want db.system.name postgresql, server 127.0.0.1:%s, a db.namespace", s, s.attrs, port)
			}
			if s.name != "connect" && s.name != "pool.acquire" && (s.attrs["db.operation.name"] == "" || s.attrs["db.query.text"] == "") {
				t.Errorf("%v: no db.operation.name or db.query.text", s)
			}
			if s.err && s.attrs["error.type"] == "" {
				t.Errorf("%v: error status without error.type", s)
			}
		}
	}
	for _, st := range app.Services {
		if servers[st.Name] != st.Requests || st.Requests == 0 || clients[st.Name] == 0 {
			t.Errorf("service %s: %d requests, %d SERVER spans, %d CLIENT spans", st.Name, st.Requests, servers[st.Name], clients[st.Name])
		}
	}

	// 2. Writes fail with SQLSTATE 25006 while green serves read-only
	// (and only around the switchover: blue's own read-only moment
	// before the blackhole is the other place they may come from).
	var greenRO int
	for _, s := range failed {
		if s.attrs["db.response.status_code"] != "25006" {
			continue
		}
		if s.service != otelapp.ServiceCheckout || s.attrs["db.operation.name"] != "INSERT" || s.attrs["error.type"] != "25006" {
			t.Errorf("%v: a 25006 failure, want only checkout's INSERTs with error.type 25006", s)
		}
		if s.end.Before(ro.Time.Add(-tol)) || s.start.After(promo.End.Add(tol)) {
			t.Errorf("%v: read-only failure outside the switchover %v..%v", s, ro.Time, *promo.End)
		}
		if !s.start.Before(bh.End.Add(-time.Millisecond)) && s.start.Before(promo.Time) {
			greenRO++
		}
	}
	if greenRO == 0 {
		t.Errorf("no INSERT failed with 25006 in green's read-only window %v..%v", *bh.End, promo.Time)
	}

	// 3. Connections fail while the endpoint does not answer: connects
	// time out only in the blackhole (reports' new connections among
	// them), and every other failure to reach the server (a connection
	// ended under a request) lies between blue's read-only step, which
	// ends blue's sessions, and the blackhole's end.
	var bhConnects, checkoutBH int
	for _, s := range failed {
		et := s.attrs["error.type"]
		if !connFailure(et) || s.kind != ptrace.SpanKindClient {
			continue
		}
		if et == "timeout" && (s.start.Before(bh.Time.Add(-tol)) || s.start.After(bh.End.Add(tol))) {
			t.Errorf("%v: timed out outside the blackhole %v..%v", s, bh.Time, *bh.End)
		}
		if s.start.Before(ro.Time.Add(-tol)) || s.start.After(bh.End.Add(tol)) {
			t.Errorf("%v: connection failure outside blue's read-only step and the blackhole, %v..%v", s, ro.Time, *bh.End)
		}
		if s.service == otelapp.ServiceReports && s.name == "connect" && et == "timeout" {
			bhConnects++
		}
		if s.service == otelapp.ServiceCheckout && !s.start.Before(bh.Time) {
			checkoutBH++
		}
	}
	if bhConnects == 0 || checkoutBH == 0 {
		t.Errorf("connection failures in the blackhole: %d timed-out connects of reports, %d failures of checkout; want some of each", bhConnects, checkoutBH)
	}

	// 4. The quiet window: as long as asked, no span in it, traffic on
	// both sides.
	if len(app.Quiet) != 1 {
		t.Fatalf("app.json quiet windows %v, want 1", app.Quiet)
	}
	qs, qe := time.Unix(0, app.Quiet[0].Start), time.Unix(0, app.Quiet[0].End)
	if d := qe.Sub(qs); d < quiet.For || d > quiet.For+time.Second {
		t.Errorf("quiet window lasted %v, want %v to %v", d, quiet.For, quiet.For+time.Second)
	}
	var before, after int
	for _, s := range spans {
		switch {
		case !s.start.Before(qs) && !s.start.After(qe), !s.end.Before(qs) && !s.end.After(qe):
			t.Errorf("%v inside the quiet window %v..%v", s, qs, qe)
		case s.end.Before(qs):
			before++
		case s.start.After(qe):
			after++
		}
	}
	if before == 0 || after == 0 {
		t.Errorf("spans before the quiet window %d, after it %d: want some on both sides", before, after)
	}
	t.Logf("25006 in green's read-only window: %d; in the blackhole: %d timed-out connects of reports, %d connection failures of checkout; quiet %v, %d spans before, %d after",
		greenRO, bhConnects, checkoutBH, qe.Sub(qs), before, after)

	// 5. The traces alone, imported and analyzed, give the recorder's
	// phases; the quiet window, a healthy database the application did
	// not use, is no outage.
	imported := importTraces(t, r.dir)
	traces := analyzedPhases(t, imported)
	assertPhasesAgree(t, analyzedPhases(t, r.dir), traces, readRows(t, imported))
	assertNoOutageIn(t, traces, qs, qe)
}

// TestLabDNSTraces runs the dns scenario with cut=false and the
// application beside the recorder: the two services part ways on one
// timeline. Every database span names the DNS name in server.address and
// the address it reached in network.peer.address. reports, a new
// connection per request, reaches blue's address before the flip and
// green's after it, and is refused while both refuse; checkout's pool
// keeps its connections to old blue, so its INSERTs still fail with 25006
// from blue's address after green's promotion: the stale pool that
// network.peer.address alone shows.
func TestLabDNSTraces(t *testing.T) {
	appCfg := &otelapp.Config{Checkout: 2, Reports: 2, Think: 100 * time.Millisecond, Burst: 8, Lull: 500 * time.Millisecond,
		ConnectTimeout: 2 * time.Second, QueryTimeout: 3 * time.Second}
	r, _, spans := runAppLab(t, "dns", map[string]string{"lead_in": "3s", "tail": "4s", "ttl": "1s", "cut": "false"}, appCfg)
	flip := r.one(t, ActDNSFlip)
	promo := r.one(t, ActGreenPromoted)
	refuse := r.events[ActEndpointRefuse]
	if len(refuse) != 2 || promo.End == nil {
		t.Fatalf("refuse windows %d, want 2; promotion end %v", len(refuse), promo.End)
	}
	refFrom, refTo := refuse[0].Time, refuse[0].Time
	for _, e := range refuse {
		if e.End == nil {
			t.Fatal("a refuse window without an end")
		}
		if e.Time.Before(refFrom) {
			refFrom = e.Time
		}
		if e.End.After(refTo) {
			refTo = *e.End
		}
	}
	// Slack for the lab's clock against the spans' (both this process).
	const clock = 50 * time.Millisecond
	var reportsBlue, reportsGreen, refused, stale int
	for _, s := range spans {
		if s.kind != ptrace.SpanKindClient {
			continue
		}
		if s.attrs["server.address"] != DNSName {
			t.Errorf("%v: server.address %q, want %s", s, s.attrs["server.address"], DNSName)
		}
		peer := s.attrs["network.peer.address"]
		switch {
		case s.service == otelapp.ServiceReports && s.name == "connect" && !s.err:
			switch {
			case s.end.Before(flip.Time.Add(-clock)) && peer != dnsBlueIP:
				t.Errorf("%v: connected before the flip to %s, want blue's %s", s, peer, dnsBlueIP)
			case s.start.After(flip.Time.Add(clock)) && peer != dnsGreenIP:
				t.Errorf("%v: connected after the flip to %s, want green's %s", s, peer, dnsGreenIP)
			case peer == dnsBlueIP:
				reportsBlue++
			case peer == dnsGreenIP:
				reportsGreen++
			}
		case s.attrs["error.type"] == "connection_refused":
			refused++
			if s.start.Before(refFrom.Add(-tol)) || s.start.After(refTo.Add(tol)) {
				t.Errorf("%v: refused outside the refuse windows %v..%v", s, refFrom, refTo)
			}
		case s.service == otelapp.ServiceCheckout && s.attrs["db.response.status_code"] == "25006" &&
			peer == dnsBlueIP && s.start.After(promo.End.Add(tol)):
			stale++
		}
	}
	t.Logf("reports connected to blue %d times, to green %d; %d spans refused; %d INSERTs of checkout failed on old blue after the promotion",
		reportsBlue, reportsGreen, refused, stale)
	if reportsBlue == 0 || reportsGreen == 0 {
		t.Errorf("reports connected to blue %d times, to green %d: want both", reportsBlue, reportsGreen)
	}
	if refused == 0 {
		t.Error("no span was refused while both servers refused connections")
	}
	if stale == 0 {
		t.Errorf("no INSERT of checkout failed with 25006 from blue's address %s after the promotion (%v): want the stale pool", dnsBlueIP, *promo.End)
	}
}

// TestLabDNSTracesAgree runs the dns scenario as documented (cut=true:
// blue's sessions ended, the connections through both endpoints cut, so
// no pool stays on old blue) with the application beside the recorder:
// the phases of the imported traces alone agree with the recorder's. A
// run where a pool still reached old blue (pinnedToOldBlue) is run again.
// (With cut=false, TestLabDNSTraces, checkout's pool keeps writing to old
// blue after the switchover: an outage of the application's own, which the
// recorder's new connections never see.)
func TestLabDNSTracesAgree(t *testing.T) {
	appCfg := &otelapp.Config{Checkout: 2, Reports: 2, Think: 100 * time.Millisecond, Burst: 8, Lull: 500 * time.Millisecond,
		ConnectTimeout: 2 * time.Second, QueryTimeout: 3 * time.Second}
	var r *labRun
	for attempt := 1; ; attempt++ {
		var spans []appSpan
		r, _, spans = runAppLab(t, "dns", map[string]string{"lead_in": "3s", "tail": "4s", "ttl": "1s"}, appCfg)
		flip := r.one(t, ActDNSFlip).Time
		// which server each read-only failure came from: what a failure
		// of the comparison below needs to be understood (CI keeps no
		// traces)
		t.Log(readOnlyByServer(spans, flip))
		pinned := pinnedToOldBlue(spans, flip)
		if pinned == 0 {
			break
		}
		// Even with cut=true a pool can land on old blue: a connect that
		// resolved the name just before the flip and dialled just after
		// the endpoints accepted again (a fraction of a millisecond
		// apart) reaches blue, read-only, and stays. The application
		// then has an outage of its own the recorder's new connections
		// cannot share (it failed CI once: 2.5 s of read_only more in the
		// traces), so this run cannot judge agreement.
		msg := fmt.Sprintf("%d requests of checkout failed with 25006 on old blue's address %s after the DNS flip: a pooled connection pinned there by a lookup just before the flip", pinned, dnsBlueIP)
		if attempt == 3 {
			t.Fatalf("%s, 3 runs out of 3", msg)
		}
		t.Logf("%s; running again", msg)
	}
	imported := importTraces(t, r.dir)
	assertPhasesAgree(t, analyzedPhases(t, r.dir), analyzedPhases(t, imported), readRows(t, imported))
}

// TestLabPatroniTraces runs the patroni scenario (HAProxy as the write
// endpoint) with the application beside the recorder: the phases of the
// imported traces alone agree with the recorder's.
func TestLabPatroniTraces(t *testing.T) {
	patroni.FindForTest(t)
	// The application's timeouts are the recorder's (runAppLab's 5 s):
	// HAProxy holds a new connection to the stopping leader for 3 s and
	// then resets it, so a client that gives up sooner sees connect_timeout
	// where the recorder sees reset, a difference of client settings, not
	// of what the switchover did.
	appCfg := &otelapp.Config{Checkout: 2, Reports: 2, Think: 100 * time.Millisecond, Burst: 8, Lull: 500 * time.Millisecond,
		ConnectTimeout: 5 * time.Second, QueryTimeout: 5 * time.Second}
	r, _, spans := runAppLab(t, "patroni", map[string]string{"client": PatroniHAProxy}, appCfg)
	failed := 0
	for _, s := range spans {
		if s.err && s.kind == ptrace.SpanKindClient {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("no database call of the application failed across the switchover")
	}
	imported := importTraces(t, r.dir)
	assertPhasesAgree(t, analyzedPhases(t, r.dir), analyzedPhases(t, imported), readRows(t, imported))
}

// pinnedToOldBlue counts the checkout requests that failed with 25006
// from old blue's address after the DNS flip: a pooled connection on old
// blue.
func pinnedToOldBlue(spans []appSpan, flip time.Time) int {
	n := 0
	for _, s := range spans {
		if s.kind == ptrace.SpanKindClient && s.service == otelapp.ServiceCheckout && s.start.After(flip) &&
			s.attrs["db.response.status_code"] == "25006" && s.attrs["network.peer.address"] == dnsBlueIP {
			n++
		}
	}
	return n
}

// readOnlyByServer says, per server address, how many client spans failed
// with 25006 and when, relative to the DNS flip.
func readOnlyByServer(spans []appSpan, flip time.Time) string {
	type seen struct {
		n           int
		first, last time.Duration
	}
	by := map[string]*seen{}
	for _, s := range spans {
		if s.kind != ptrace.SpanKindClient || s.attrs["db.response.status_code"] != "25006" {
			continue
		}
		d := s.start.Sub(flip)
		a := by[s.attrs["network.peer.address"]]
		if a == nil {
			a = &seen{first: d, last: d}
			by[s.attrs["network.peer.address"]] = a
		}
		a.n++
		a.first, a.last = min(a.first, d), max(a.last, d)
	}
	if len(by) == 0 {
		return "no span failed with 25006"
	}
	out := "spans failed with 25006, by server address (times from the DNS flip):"
	for _, addr := range slices.Sorted(maps.Keys(by)) {
		a := by[addr]
		out += fmt.Sprintf(" %s %d (%+.3fs..%+.3fs);", addr, a.n, a.first.Seconds(), a.last.Seconds())
	}
	return out
}
