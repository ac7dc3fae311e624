package record_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// readRows returns every probe row of a run, sorted by stream and seq.
func readRows(t *testing.T, dir string) []store.Probe {
	t.Helper()
	var rows []store.Probe
	err := store.ReadRun(dir, func(p *store.Probe) error {
		rows = append(rows, p.Clone())
		return nil
	}, func(s store.SkippedFile) { t.Errorf("skipped %s: %s", s.Path, s.Reason) })
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(rows, func(i, j int) bool {
		if a, b := rows[i].Stream(), rows[j].Stream(); a != b {
			return a < b
		}
		return rows[i].Seq < rows[j].Seq
	})
	return rows
}

func byStream(rows []store.Probe) map[string][]store.Probe {
	m := map[string][]store.Probe{}
	for _, r := range rows {
		m[r.Stream()] = append(m[r.Stream()], r)
	}
	return m
}

// firstAck is when the first successful write of a stream ended (0: none).
func firstAck(writes []store.Probe) int64 {
	var first int64
	for _, p := range writes {
		if p.Outcome == store.OutcomeOK && (first == 0 || p.End < first) {
			first = p.End
		}
	}
	return first
}

// checkGrid asserts that a stream has every slot of the grid, once, on time:
// seq 0..n-1 with intended times exactly k intervals apart.
func checkGrid(t *testing.T, name string, rows []store.Probe, interval time.Duration, want int) {
	t.Helper()
	if len(rows) != want {
		t.Errorf("%s: %d probes, want %d (duration / interval)", name, len(rows), want)
	}
	for k, r := range rows {
		if r.Seq != int64(k) {
			t.Fatalf("%s: probe %d has seq %d: a slot is missing or doubled", name, k, r.Seq)
		}
		if got := time.Duration(r.Intended - rows[0].Intended); got != time.Duration(k)*interval {
			t.Fatalf("%s: slot %d intended at +%v, want +%v", name, k, got, time.Duration(k)*interval)
		}
	}
}

// waitForOK waits until the recording under out has written n successful
// probes, so a test acts on a run that is really going rather than on a
// guess of how long start-up takes on a busy machine.
func waitForOK(t *testing.T, out string, n int) {
	t.Helper()
	waitForRows(t, out, n, "successful probes", func(p *store.Probe) bool { return p.Outcome == store.OutcomeOK })
}

// waitForRows waits until the recording under out has n rows that count
// (what names them in the error when it does not within 60 s).
func waitForRows(t *testing.T, out string, n int, what string, count func(*store.Probe) bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		got := 0
		runs, _ := store.FindRuns(out)
		for _, dir := range runs {
			store.ReadRun(dir, func(p *store.Probe) error {
				if count(p) {
					got++
				}
				return nil
			}, func(store.SkippedFile) {})
		}
		if got >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("the recording under %s did not get %d %s in 60 s", out, n, what)
}

func assertNoSecret(t *testing.T, root, secret string) {
	t.Helper()
	filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), secret) {
			t.Errorf("password found in %s", path)
		}
		return nil
	})
}

func TestHealthyRun(t *testing.T) {
	srv := sharedServer(t)
	out := t.TempDir()
	const interval = 100 * time.Millisecond
	var status strings.Builder
	var mu sync.Mutex
	res, rows := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Interval: interval, Duration: 4 * time.Second, Out: out,
		Kinds: []string{"write", "read", "connect"}, Conns: []string{"new", "pooled"},
		Labels: map[string]string{"case": "healthy"}, Status: lockedWriter{&status, &mu}, StatusEvery: 500 * time.Millisecond,
	})
	streams := byStream(rows)
	if len(streams) != 6 {
		t.Fatalf("streams = %d, want 6 (3 kinds × 2 modes)", len(streams))
	}
	for name, s := range streams {
		checkGrid(t, name, s, interval, 40)
		for _, p := range s {
			if p.Outcome != store.OutcomeOK {
				t.Errorf("%s seq %d: %s %s %s", name, p.Seq, p.Outcome, p.ErrorClass, p.Error)
				continue
			}
			if p.ServerAddr != srv.Addr() || p.ServerStart == 0 || p.InRecovery == nil || *p.InRecovery {
				t.Errorf("%s seq %d: server identity %q start %d recovery %v, want %s", name, p.Seq, p.ServerAddr, p.ServerStart, p.InRecovery, srv.Addr())
			}
			if !(p.Intended <= p.Start && p.Start <= p.End) || p.LatencyNS <= 0 || p.LatencyNS > p.End-p.Start+1 {
				t.Errorf("%s seq %d: times out of order: intended %d start %d end %d latency %d", name, p.Seq, p.Intended, p.Start, p.End, p.LatencyNS)
			}
			if p.ResolvedAddrs != "127.0.0.1" || p.DialedAddr != srv.Addr() {
				t.Errorf("%s seq %d: resolved %q dialled %q, want 127.0.0.1 and %s", name, p.Seq, p.ResolvedAddrs, p.DialedAddr, srv.Addr())
			}
			// The connection was there before the answer, and the answer
			// came within the probe; a new connection is the probe's own.
			if p.ConnEstablished == 0 || p.ConnEstablished > p.Observed || p.Observed < p.ConnectDone || p.Observed > p.End {
				t.Errorf("%s seq %d: established %d observed %d, want established <= observed in connect_done %d..end %d", name, p.Seq, p.ConnEstablished, p.Observed, p.ConnectDone, p.End)
			}
			if p.Conn == store.ConnNew && p.ConnEstablished < p.Start {
				t.Errorf("%s seq %d: a new connection established at %d, before the probe started at %d", name, p.Seq, p.ConnEstablished, p.Start)
			}
			if p.ServerTime == 0 || p.Timeline != 1 {
				t.Errorf("%s seq %d: server time %d timeline %d, want a time and timeline 1", name, p.Seq, p.ServerTime, p.Timeline)
			}
		}
	}
	// Pooled probes reuse connections: some were handed one established
	// before they started.
	reused := 0
	for _, p := range streams["connect/pooled/write"] {
		if p.ConnEstablished < p.Start {
			reused++
		}
	}
	if reused == 0 {
		t.Errorf("no pooled probe was handed an older connection: conn_established is not the pool's dial")
	}
	// Reads see the writes of their own mode, and only writes that had
	// started before the read ended.
	for _, conn := range []string{"new", "pooled"} {
		writes := streams["write/"+conn+"/write"]
		for _, p := range streams["read/"+conn+"/read"] {
			if p.SeenSeq != nil && writes[*p.SeenSeq].Start > p.End {
				t.Errorf("read/%s seq %d saw write %d, which started after the read ended", conn, p.Seq, *p.SeenSeq)
			}
		}
		last := streams["read/"+conn+"/read"][39]
		if last.SeenSeq == nil || *last.SeenSeq < 30 {
			t.Errorf("read/%s: last read saw %v, want a recent write", conn, last.SeenSeq)
		}
	}
	if v := res.Verify; v == nil || v.AcknowledgedPresent != 80 || v.AcknowledgedMissing+v.FailedPresent+v.FailedAbsent+v.Unexpected != 0 {
		t.Errorf("verify = %+v (%v), want 80 acknowledged and present", res.Verify, res.VerifyErr)
	}
	info, err := store.ReadRunInfo(res.RunDir)
	if err != nil || info.End == nil || info.Labels["case"] != "healthy" || info.Probes["ok"] != 240 {
		t.Errorf("run.json = %+v, %v", info, err)
	}
	if !strings.Contains(info.Settings["write_dsn"].(string), "password="+record.Redacted) {
		t.Errorf("write_dsn in run.json = %v, want the password redacted", info.Settings["write_dsn"])
	}
	assertNoSecret(t, out, srv.Password())
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(status.String(), "write/pooled/write") || !strings.Contains(status.String(), "ok 40") {
		t.Errorf("live status lacks the final counts:\n%s", status.String())
	}
}

type lockedWriter struct {
	b  *strings.Builder
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// readOnlyServer starts a server, records a first short run into out (it
// creates the probe table) and then makes the server read-only.
func readOnlyServer(t *testing.T) (srv *pgserver.Server, out string) {
	t.Helper()
	srv = pgserver.StartForTest(t, pgserver.Options{})
	out = t.TempDir()
	if _, err := record.Run(context.Background(), record.Config{WriteDSN: srv.DSN(), Interval: 50 * time.Millisecond, Duration: 100 * time.Millisecond, Out: out, NoVerify: true}); err != nil {
		t.Fatal(err)
	}
	execSQL(t, srv.DSN(), "ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()")
	return srv, out
}

// TestReadOnlyWritesFailReadsWork is the heart of a blue/green switchover
// as clients see it: the server answers but refuses writes.
func TestReadOnlyWritesFailReadsWork(t *testing.T) {
	srv, out := readOnlyServer(t)
	res, rows := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Interval: 100 * time.Millisecond, Duration: 2 * time.Second, Out: out,
		Conns: []string{"new", "pooled"},
	})
	streams := byStream(rows)
	for _, conn := range []string{"new", "pooled"} {
		for _, p := range streams["write/"+conn+"/write"] {
			if p.Outcome != store.OutcomeError || p.ErrorClass != store.ClassReadOnly || p.SQLState != "25006" {
				t.Errorf("write/%s seq %d: %s/%s/%s, want error/read_only/25006", conn, p.Seq, p.Outcome, p.ErrorClass, p.SQLState)
			}
		}
		for _, p := range streams["read/"+conn+"/read"] {
			if p.Outcome != store.OutcomeOK {
				t.Errorf("read/%s seq %d: %s %s, want ok", conn, p.Seq, p.Outcome, p.Error)
			}
		}
	}
	// The check still runs: every write failed and none is in the table.
	if v := res.Verify; v == nil || v.FailedAbsent != 40 || v.AcknowledgedPresent != 0 {
		t.Errorf("verify = %+v (%v), want 40 failed and absent", res.Verify, res.VerifyErr)
	}
}

func execSQL(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestStoppedServerIsRefused stops the server in the middle of a run: new
// connections are then refused, pooled ones are cut first.
func TestStoppedServerIsRefused(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{})
	out := t.TempDir()
	stopped := make(chan time.Time, 1)
	go func() {
		waitForOK(t, out, 10)
		stopped <- time.Now()
		if err := srv.Stop(); err != nil {
			t.Errorf("stop server: %v", err)
		}
	}()
	_, rows := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Interval: 50 * time.Millisecond, Duration: 5 * time.Second, Out: out,
		Kinds: []string{"connect"}, Conns: []string{"new", "pooled"}, ConnectTimeout: 2 * time.Second, QueryTimeout: 2 * time.Second,
	})
	stoppedAt := <-stopped
	for name, s := range byStream(rows) {
		checkGrid(t, name, s, 50*time.Millisecond, 100)
		if s[0].Outcome != store.OutcomeOK {
			t.Errorf("%s: first probe %s %s, want ok before the stop", name, s[0].Outcome, s[0].Error)
		}
		last := s[len(s)-1]
		if last.ErrorClass != store.ClassRefused {
			t.Errorf("%s: last probe %s/%s %q, want refused after the stop", name, last.Outcome, last.ErrorClass, last.Error)
		}
		// Once refused, never ok again: the server stays down.
		refused := false
		for _, p := range s {
			refused = refused || p.ErrorClass == store.ClassRefused
			if refused && p.Outcome == store.OutcomeOK {
				t.Errorf("%s seq %d: ok after refusals", name, p.Seq)
			}
			if p.Outcome == store.OutcomeOK && time.Unix(0, p.Start).After(stoppedAt.Add(time.Second)) {
				t.Errorf("%s seq %d: ok a second after the server stopped", name, p.Seq)
			}
		}
	}
}

// blackhole accepts TCP connections and never answers, as an endpoint that
// is being moved does.
func blackhole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

// TestHangingEndpointKeepsTheGrid is the coordinated-omission test: every
// probe hangs until its connect timeout, far longer than the interval, and
// still no slot of the grid is missing, late, or skipped.
func TestHangingEndpointKeepsTheGrid(t *testing.T) {
	host, port, _ := net.SplitHostPort(blackhole(t))
	dsn := fmt.Sprintf("host=%s port=%s user=nobody password=hole-secret dbname=x sslmode=disable", host, port)
	const interval = 20 * time.Millisecond
	res, rows := recordRows(t, record.Config{
		WriteDSN: dsn, Interval: interval, Duration: 2 * time.Second,
		Kinds: []string{"connect"}, Conns: []string{"new", "pooled"}, ConnectTimeout: 500 * time.Millisecond,
	})
	for name, s := range byStream(rows) {
		checkGrid(t, name, s, interval, 100)
		lags := make([]time.Duration, 0, len(s))
		for _, p := range s {
			if p.Outcome != store.OutcomeTimeout || p.ErrorClass != store.ClassConnectTimeout {
				t.Errorf("%s seq %d: %s/%s %q, want timeout/connect_timeout", name, p.Seq, p.Outcome, p.ErrorClass, p.Error)
			}
			if d := time.Duration(p.LatencyNS); d < 450*time.Millisecond {
				t.Errorf("%s seq %d: latency %v, want the 500ms connect timeout", name, p.Seq, d)
			}
			lags = append(lags, time.Duration(p.Start-p.Intended))
		}
		sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
		// 25 probes hang at once; the median start still keeps to the grid.
		if med := lags[len(lags)/2]; med > 50*time.Millisecond {
			t.Errorf("%s: median schedule lag %v: the grid slipped", name, med)
		}
	}
	assertNoSecret(t, filepath.Dir(res.RunDir), "hole-secret")
}

// TestInflightBoundSkipsNotDrops: with a bound of 3 and every probe hanging,
// most slots are recorded as skipped, none is missing.
func TestInflightBoundSkipsNotDrops(t *testing.T) {
	host, port, _ := net.SplitHostPort(blackhole(t))
	dsn := fmt.Sprintf("host=%s port=%s user=nobody dbname=x sslmode=disable", host, port)
	_, rows := recordRows(t, record.Config{
		WriteDSN: dsn, Interval: 20 * time.Millisecond, Duration: time.Second,
		Kinds: []string{"connect"}, ConnectTimeout: 400 * time.Millisecond, MaxInflight: 3,
	})
	s := byStream(rows)["connect/new/write"]
	checkGrid(t, "connect/new/write", s, 20*time.Millisecond, 50)
	var ran, skipped int
	for _, p := range s {
		switch p.Outcome {
		case store.OutcomeSkipped:
			skipped++
			if p.ErrorClass != store.ClassInflightLimit || p.Start != 0 {
				t.Errorf("skipped seq %d: class %q start %d", p.Seq, p.ErrorClass, p.Start)
			}
		case store.OutcomeTimeout:
			ran++
		default:
			t.Errorf("seq %d: %s", p.Seq, p.Outcome)
		}
	}
	// 1 s of 400 ms hangs, 3 at a time: at most 3 × ceil(1000/400) = 9 ran.
	if ran > 9 || ran < 3 || skipped != 50-ran {
		t.Errorf("ran %d, skipped %d: want 3..9 run and the rest skipped", ran, skipped)
	}
}

// recordConnects records connect probes to dsn for 300 ms (see recordRows).
func recordConnects(t *testing.T, dsn string) (*record.Result, []store.Probe) {
	t.Helper()
	return recordRows(t, record.Config{
		WriteDSN: dsn, Interval: 50 * time.Millisecond, Duration: 300 * time.Millisecond, Kinds: []string{"connect"},
	})
}

func TestWrongPasswordIsAuth(t *testing.T) {
	srv := sharedServer(t)
	dsn := pgserver.DSN("127.0.0.1", srv.Port(), srv.User(), "definitely-wrong-pw")
	res, rows := recordConnects(t, dsn)
	for _, p := range rows {
		if p.ErrorClass != store.ClassAuth || p.SQLState != "28P01" {
			t.Errorf("seq %d: %s/%s %q, want auth/28P01", p.Seq, p.ErrorClass, p.SQLState, p.Error)
		}
	}
	assertNoSecret(t, filepath.Dir(res.RunDir), "definitely-wrong-pw")
}

func TestTooManyConnections(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{Settings: map[string]string{
		"max_connections": "3", "superuser_reserved_connections": "0", "max_wal_senders": "0",
	}})
	ctx := context.Background()
	for i := 0; i < 3; i++ { // take every slot
		c, err := pgx.Connect(ctx, srv.DSN())
		if err != nil {
			t.Fatalf("hold connection %d: %v", i, err)
		}
		defer c.Close(ctx)
	}
	_, rows := recordConnects(t, srv.DSN())
	for _, p := range rows {
		if p.ErrorClass != store.ClassTooManyConnections || p.SQLState != "53300" {
			t.Errorf("seq %d: %s/%s %q, want too_many_connections/53300", p.Seq, p.ErrorClass, p.SQLState, p.Error)
		}
	}
}

// TestTerminatedSessionsAreShutdown cuts the pooled connections the way a
// switchover does (pg_terminate_backend): the pooled probes see the cut,
// then the pool reconnects and they succeed again.
func TestTerminatedSessionsAreShutdown(t *testing.T) {
	srv := sharedServer(t)
	out := t.TempDir()
	go func() {
		waitForOK(t, out, 5)
		execSQL(t, srv.DSN(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
	}()
	_, s := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Interval: 50 * time.Millisecond, Duration: 3 * time.Second, Out: out,
		Kinds: []string{"connect"}, Conns: []string{"pooled"}, PoolSize: 1,
	})
	var cut int
	for _, p := range s {
		if p.Failed() {
			cut++
			if p.ErrorClass != store.ClassShutdown && p.ErrorClass != store.ClassReset {
				t.Errorf("seq %d: %s %q, want shutdown (57P01) or reset", p.Seq, p.ErrorClass, p.Error)
			}
		}
	}
	if cut == 0 || cut > 2 {
		t.Errorf("%d failed probes, want the one or two that met the cut", cut)
	}
	if last := s[len(s)-1]; last.Outcome != store.OutcomeOK {
		t.Errorf("last probe %s: the pool did not reconnect", last.Outcome)
	}
}

// TestEveryKindCombination records each combination of probe kinds, in both
// connection modes: every probe succeeds against a healthy server. Read-only
// and connect-only recordings (a reader endpoint watched alone) once failed
// every probe with "bind message supplies 2 parameters".
func TestEveryKindCombination(t *testing.T) {
	srv := sharedServer(t)
	for _, kinds := range [][]string{
		{"write"}, {"read"}, {"connect"},
		{"write", "read"}, {"write", "connect"}, {"read", "connect"},
		{"write", "read", "connect"},
	} {
		t.Run(strings.Join(kinds, ","), func(t *testing.T) {
			res, rows := recordRows(t, record.Config{
				WriteDSN: srv.DSN(), Interval: 50 * time.Millisecond, Duration: 250 * time.Millisecond,
				Kinds: kinds, Conns: []string{"new", "pooled"},
			})
			streams := byStream(rows)
			if len(streams) != 2*len(kinds) {
				t.Errorf("%d streams, want %d", len(streams), 2*len(kinds))
			}
			for name, s := range streams {
				checkGrid(t, name, s, 50*time.Millisecond, 5)
				for _, p := range s {
					if p.Outcome != store.OutcomeOK {
						t.Errorf("%s seq %d: %s/%s %q, want ok", name, p.Seq, p.Outcome, p.ErrorClass, p.Error)
					}
					if p.Kind == store.KindRead && !slices.Contains(kinds, "write") && p.SeenSeq != nil {
						t.Errorf("%s seq %d: saw write %d in a run without writes", name, p.Seq, *p.SeenSeq)
					}
				}
				// With writes, a read that started after a write of its
				// connection mode was acknowledged sees one. (Earlier reads
				// may not: on a busy machine the pooled write stream's first
				// dial can take longer than a few grid steps.)
				if s[0].Kind == store.KindRead && slices.Contains(kinds, "write") {
					acked := firstAck(streams[store.KindWrite+"/"+s[0].Conn+"/"+store.EndpointWrite])
					for _, p := range s {
						if acked != 0 && p.Start > acked && p.SeenSeq == nil {
							t.Errorf("%s seq %d: started %v after a write was acknowledged, saw none", name, p.Seq, time.Duration(p.Start-acked))
						}
					}
				}
			}
			wantVerify := slices.Contains(kinds, "write")
			if (res.Verify != nil) != wantVerify || res.VerifyErr != nil {
				t.Errorf("verify = %+v, %v; want a check exactly when the run writes", res.Verify, res.VerifyErr)
			}
		})
	}
}

// TestRateIsTheGridStep: --rate 20 is a grid of 50 ms, said so in run.json.
func TestRateIsTheGridStep(t *testing.T) {
	srv := sharedServer(t)
	res, rows := recordRows(t, record.Config{WriteDSN: srv.DSN(), Rate: 20, Duration: time.Second, Kinds: []string{"connect"}})
	for name, s := range byStream(rows) {
		checkGrid(t, name, s, 50*time.Millisecond, 20)
	}
	info, err := store.ReadRunInfo(res.RunDir)
	if err != nil || info.Settings["interval"] != "50ms" || info.Settings["rate"] != 20.0 {
		t.Errorf("run.json settings %v (%v), want interval 50ms and rate 20", info.Settings, err)
	}
}

// TestRunJSONNamesTheEndpoint: with the endpoint given only by PG*
// variables (an empty DSN), run.json still says what was probed — host,
// port, database, user — and never the password.
func TestRunJSONNamesTheEndpoint(t *testing.T) {
	srv := sharedServer(t)
	t.Setenv("PGHOST", "127.0.0.1")
	t.Setenv("PGPORT", fmt.Sprint(srv.Port()))
	t.Setenv("PGUSER", srv.User())
	t.Setenv("PGPASSWORD", srv.Password())
	t.Setenv("PGDATABASE", "postgres")
	t.Setenv("PGSSLMODE", "disable")
	out := t.TempDir()
	res, err := record.Run(context.Background(), record.Config{
		Interval: 50 * time.Millisecond, Duration: 200 * time.Millisecond, Out: out, Kinds: []string{"connect"},
	})
	if err != nil {
		t.Fatal(err)
	}
	info, err := store.ReadRunInfo(res.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"write_endpoint", "read_endpoint"} {
		ep, _ := info.Settings[key].(map[string]any)
		if ep["host"] != "127.0.0.1" || ep["port"] != float64(srv.Port()) || ep["database"] != "postgres" || ep["user"] != srv.User() {
			t.Errorf("run.json %s = %v, want 127.0.0.1:%d database postgres user %s", key, info.Settings[key], srv.Port(), srv.User())
		}
		if hosts, _ := ep["hosts"].([]any); len(hosts) != 1 || hosts[0] != srv.Addr() {
			t.Errorf("run.json %s hosts = %v, want [%s]", key, ep["hosts"], srv.Addr())
		}
	}
	assertNoSecret(t, out, srv.Password())
}

// TestStartsBeforeTheEndpoint starts a recording while its endpoint refuses
// connections (a fresh server, stopped: nothing listens on its port), then
// brings the server up. Every stream records its failures first, then its
// successes; the probe table is created on the first success and the
// lost-write check passes.
func TestStartsBeforeTheEndpoint(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{})
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	started := make(chan error, 1)
	go func() {
		// a few failures on each of the 6 streams
		waitForRows(t, out, 24, "rows", func(*store.Probe) bool { return true })
		started <- srv.Start(context.Background())
	}()
	var status strings.Builder
	var mu sync.Mutex
	// 200 ms: at 50 ms the three new-connection streams asked 60 logins
	// a second, more than a 2-core machine's server finishes (about 25 a
	// second with pgbench -C), and the pile-up of the start outlived it.
	res, rows := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Interval: 200 * time.Millisecond, Duration: 6 * time.Second, Out: out,
		Kinds: []string{"write", "read", "connect"}, Conns: []string{"new", "pooled"},
		Status: lockedWriter{&status, &mu}, StatusEvery: time.Hour,
	})
	if err := <-started; err != nil {
		t.Fatalf("start the server: %v", err)
	}
	streams := byStream(rows)
	if len(streams) != 6 {
		t.Fatalf("%d streams, want 6", len(streams))
	}
	for name, s := range streams {
		checkGrid(t, name, s, 200*time.Millisecond, 30)
		if s[0].ErrorClass != store.ClassRefused {
			t.Errorf("%s: first probe %s/%s %q, want refused", name, s[0].Outcome, s[0].ErrorClass, s[0].Error)
		}
		ok := false
		for _, p := range s {
			if p.Outcome == store.OutcomeOK {
				ok = true
			} else if ok {
				t.Errorf("%s seq %d: %s/%s %q after the endpoint answered", name, p.Seq, p.Outcome, p.ErrorClass, p.Error)
			}
		}
		if !ok {
			t.Errorf("%s: no successful probe after the server came up", name)
		}
	}
	if v := res.Verify; v == nil || v.AcknowledgedPresent == 0 || v.AcknowledgedMissing != 0 || v.Unexpected != 0 {
		t.Errorf("verify = %+v (%v), want acknowledged writes, all present", res.Verify, res.VerifyErr)
	}
	mu.Lock()
	defer mu.Unlock()
	for name, s := range streams {
		if !strings.Contains(status.String(), name+": the "+s[0].Endpoint+" endpoint is not reachable yet (refused") {
			t.Errorf("stderr does not say that %s is not reachable yet:\n%s", name, status.String())
		}
	}
	if !strings.Contains(status.String(), "answers now") {
		t.Errorf("stderr does not say that the endpoint answers now:\n%s", status.String())
	}
}

// TestSkipVerify: a closed SkipVerify skips the check; the run says so in
// run.json until "switchwatch verify" (record.Verify) does it.
func TestSkipVerify(t *testing.T) {
	srv := sharedServer(t)
	skip := make(chan struct{})
	close(skip)
	res, err := record.Run(context.Background(), record.Config{
		WriteDSN: srv.DSN(), Interval: 50 * time.Millisecond, Duration: 200 * time.Millisecond, Out: t.TempDir(),
		Kinds: []string{"write"}, SkipVerify: skip,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.VerifySkipped || res.Verify != nil || res.VerifyErr != nil {
		t.Errorf("result: skipped %v, verify %+v, error %v; want skipped", res.VerifySkipped, res.Verify, res.VerifyErr)
	}
	if info, err := store.ReadRunInfo(res.RunDir); err != nil || info.Verify != store.VerifySkipped {
		t.Errorf("run.json verify = %q (%v), want %q", info.Verify, err, store.VerifySkipped)
	}
	if v, err := record.Verify(context.Background(), res.RunDir, srv.DSN(), record.DefaultTable); err != nil || v.AcknowledgedPresent != 4 {
		t.Errorf("verify later = %+v, %v; want 4 acknowledged and present", v, err)
	}
	if info, err := store.ReadRunInfo(res.RunDir); err != nil || info.Verify != "" {
		t.Errorf("run.json verify after the check = %q (%v), want empty", info.Verify, err)
	}
}
