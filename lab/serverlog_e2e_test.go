package lab

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/importer/serverlog"
	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/pgbouncer"
	"github.com/switchwatch/switchwatch/record/store"
)

// logClock is how far a log line may be from the lab moment it answers
// (the lab sending PAUSE and PgBouncer logging it; pg_promote sent and the
// startup process logging the request): the logs stamp milliseconds on
// the same machine's clock.
const logClock = 50 * time.Millisecond

// logTolerance is logClock, or five times it on a machine so loaded (load
// average over 4 per CPU) that a process waits that long for a CPU
// between the act and its log line; the test says which it used.
func logTolerance(t *testing.T) time.Duration {
	t.Helper()
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return logClock
	}
	f := strings.Fields(string(data))
	load, err := strconv.ParseFloat(f[0], 64)
	if err != nil || load <= 4*float64(runtime.NumCPU()) {
		return logClock
	}
	t.Logf("load average %s on %d CPUs: logs held to %v of the lab, not %v", f[0], runtime.NumCPU(), 5*logClock, logClock)
	return 5 * logClock
}

func keepLogs(o *RunOptions) { o.KeepLogs = true }

// logEvents reads a log the run kept (logs/file), by event name; a bad
// line fails the test.
func (r *labRun) logEvents(t *testing.T, file string) map[string][]store.Event {
	t.Helper()
	path := filepath.Join(r.dir, LogsDir, file)
	evs, bad, err := serverlog.ReadEvents(path, serverlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("bad line in a log the lab kept: %v", b)
	}
	byName := map[string][]store.Event{}
	for _, e := range evs {
		byName[e.Name] = append(byName[e.Name], e)
	}
	return byName
}

// oneLogged returns the only event of a name in a log's events.
func oneLogged(t *testing.T, evs map[string][]store.Event, file, name string) store.Event {
	t.Helper()
	if len(evs[name]) != 1 {
		t.Fatalf("%s: %d %s events, want 1 (%v)", file, len(evs[name]), name, evs)
	}
	return evs[name][0]
}

// lastLogged returns the last event of a name in a log's events.
func lastLogged(t *testing.T, evs map[string][]store.Event, file, name string) store.Event {
	t.Helper()
	if len(evs[name]) == 0 {
		t.Fatalf("%s: no %s event (%v)", file, name, evs)
	}
	return evs[name][len(evs[name])-1]
}

// promoteSent is when the lab sent pg_promote (AttrPromoteSent).
func promoteSent(t *testing.T, promo store.Event) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, promo.Attrs[AttrPromoteSent])
	if err != nil {
		t.Fatalf("green_promoted's %s: %v", AttrPromoteSent, err)
	}
	return at
}

// inStep checks that a logged event lies within a step of the lab (give
// or take logClock), and logs its offset from the step's start.
func inStep(t *testing.T, logged, step store.Event) {
	t.Helper()
	t.Logf("%-40s %+8.1f ms from %s's start (%.1f ms long)", logged.Name, float64(logged.Time.Sub(step.Time).Microseconds())/1000,
		step.Name, float64(step.End.Sub(step.Time).Microseconds())/1000)
	if logged.Time.Before(step.Time.Add(-logClock)) || logged.Time.After(step.End.Add(logClock)) {
		t.Errorf("%s at %v, outside %s %v..%v", logged.Name, logged.Time, step.Name, step.Time, *step.End)
	}
}

// nearTruth checks that a logged event is within logClock of the lab's
// ground truth, and logs the offset (the log's time minus the lab's).
func nearTruth(t *testing.T, logged store.Event, truth time.Time, what string) {
	t.Helper()
	d := logged.Time.Sub(truth)
	t.Logf("%-40s %+8.1f ms from %s", logged.Name, float64(d.Microseconds())/1000, what)
	if tol := logTolerance(t); d < -tol || d > tol {
		t.Errorf("%s (%s node %s) at %v, %v from %s at %v: want within %v", logged.Name, logged.Source, logged.Attrs["node"],
			logged.Time, d, what, truth, tol)
	}
}

// The aurora scenario with its servers' jsonlog kept: green's log has the
// promotion (request, new timeline, end of archive recovery, ready) where
// the lab promoted it (the request within logClock of pg_promote); blue's
// has the sessions the read-only switch ended, as many as it ended; and the
// read-only errors both logged, counted per second, are at least the probes
// that failed with 25006 (as many, unless a probe timed out first).
func TestLabServerLogsAurora(t *testing.T) {
	r := runLabRetrying(t, "aurora", nil, nil, keepLogs)
	promo := r.one(t, ActGreenPromoted)
	ro := r.one(t, ActBlueReadOnly)
	green := r.logEvents(t, "green.json")
	blue := r.logEvents(t, "blue.json")

	sent := promoteSent(t, promo)
	req := oneLogged(t, green, "green.json", event.PGPromoteRequested)
	inStep(t, req, promo)
	nearTruth(t, req, sent, "pg_promote sent")
	tl := oneLogged(t, green, "green.json", event.PGNewTimeline)
	nearTruth(t, tl, sent, "pg_promote sent")
	if tl.Attrs["timeline"] != "2" {
		t.Errorf("new timeline %q, want 2", tl.Attrs["timeline"])
	}
	// The lab sees the end by polling pg_is_in_recovery() on a
	// connection of its own, which a busy machine delays.
	done := oneLogged(t, green, "green.json", event.PGArchiveRecoveryComplete)
	inStep(t, done, promo)
	t.Logf("%-40s %+8.1f ms from green_promoted's end", done.Name, float64(done.Time.Sub(*promo.End).Microseconds())/1000)
	// "ready" comes when the postmaster has noticed the startup process
	// exit, which a busy machine delays (writes succeed before it).
	ready := lastLogged(t, green, "green.json", event.PGReady)
	t.Logf("%-40s %+8.1f ms from green_promoted's end", ready.Name, float64(ready.Time.Sub(*promo.End).Microseconds())/1000)
	if ready.Time.Before(done.Time) || ready.Time.After(promo.End.Add(time.Second)) {
		t.Errorf("ready at %v: want after archive recovery's end (%v), within 1s of the promotion's end (%v)", ready.Time, done.Time, *promo.End)
	}

	terminated := 0
	for _, e := range blue[event.PGSessionsTerminated] {
		inStep(t, e, ro)
		n, _ := strconv.Atoi(e.Attrs["count"])
		terminated += n
	}
	if want, _ := strconv.Atoi(ro.Attrs["terminated"]); terminated != want {
		t.Errorf("blue's log: %d sessions terminated, the lab ended %d", terminated, want)
	}
	// The lab's step ends once the sessions it ended are gone.
	if n := len(blue[event.PGSessionsTerminated]); n > 0 {
		last := blue[event.PGSessionsTerminated][n-1]
		inStep(t, last, ro)
		t.Logf("%-40s %+8.1f ms from blue_read_only's end", last.Name, float64(last.Time.Sub(*ro.End).Microseconds())/1000)
	}

	logged := 0
	for _, evs := range []map[string][]store.Event{blue, green} {
		for _, e := range evs[event.PGReadOnlyErrors] {
			if e.Attrs["sqlstate"] != "25006" {
				t.Errorf("%s with sqlstate %q", e.Name, e.Attrs["sqlstate"])
			}
			n, _ := strconv.Atoi(e.Attrs["count"])
			logged += n
		}
	}
	probes := len(r.where(func(p *store.Probe) bool { return p.SQLState == "25006" }))
	t.Logf("read-only errors: %d probes failed with 25006, the logs count %d in %d events", probes, logged,
		len(blue[event.PGReadOnlyErrors])+len(green[event.PGReadOnlyErrors]))
	// The server logs every error it sends; a probe records 25006 only
	// when the error reached it before its own timeout.
	if probes == 0 || logged < probes {
		t.Errorf("the logs count %d read-only errors, the probes met %d", logged, probes)
	}
}

// The pgbouncer scenario with PgBouncer's log kept: its PAUSE, RELOAD and
// RESUME are logged where the lab sent them, and green's promotion where
// the lab promoted it.
func TestLabServerLogsPgBouncer(t *testing.T) {
	pgbouncer.FindForTest(t)
	r := runLabRetrying(t, "pgbouncer", map[string]string{"hold": "1s"}, nil, keepLogs)
	bl := r.logEvents(t, "pgbouncer.log")
	nearTruth(t, oneLogged(t, bl, "pgbouncer.log", event.PgBouncerPauseIssued), r.one(t, ActPgBouncerPause).Time, "pgbouncer_paused's start")
	nearTruth(t, oneLogged(t, bl, "pgbouncer.log", event.PgBouncerReloadIssued), r.one(t, ActPgBouncerRepoint).Time, "pgbouncer_repointed's start")
	nearTruth(t, oneLogged(t, bl, "pgbouncer.log", event.PgBouncerResumeIssued), r.one(t, ActPgBouncerResume).Time, "pgbouncer_resumed's start")
	for _, e := range bl[event.PgBouncerPauseIssued] {
		if e.Source != event.SourcePgBouncer || e.Attrs["node"] != "pgbouncer" || e.Attrs["database"] != "postgres" {
			t.Errorf("PAUSE event %+v: want source and node pgbouncer, database postgres", e)
		}
	}
	promo := r.one(t, ActGreenPromoted)
	green := r.logEvents(t, "green.json")
	sent := promoteSent(t, promo)
	nearTruth(t, oneLogged(t, green, "green.json", event.PGPromoteRequested), sent, "pg_promote sent")
	nearTruth(t, oneLogged(t, green, "green.json", event.PGNewTimeline), sent, "pg_promote sent")
}

// The restart scenario, whose servers log to stderr: blue's log (prefix
// detected) has the fast shutdown request within logClock of the lab's
// signal, and the server ready where the lab saw it take logins again.
func TestLabServerLogsRestartStderr(t *testing.T) {
	r := runLabRetrying(t, "restart", nil, nil, keepLogs)
	rs := r.one(t, ActBlueRestart)
	if _, err := os.Stat(filepath.Join(r.dir, LogsDir, "blue.json")); err == nil {
		t.Error("a stderr rig kept a jsonlog")
	}
	blue := r.logEvents(t, "blue.log")
	// The lab stamps the restart before it starts pg_ctl, which signals
	// the server: the request comes inside the step, as soon as a busy
	// machine lets it.
	req := oneLogged(t, blue, "blue.log", event.PGShutdownRequested)
	inStep(t, req, rs)
	sent, err := time.Parse(time.RFC3339Nano, rs.Attrs[AttrShutdownSent])
	if err != nil {
		t.Fatalf("blue_restart's %s: %v", AttrShutdownSent, err)
	}
	nearTruth(t, req, sent, "the fast shutdown signal sent")
	if req.Attrs["mode"] != "fast" {
		t.Errorf("shutdown mode %q, want fast", req.Attrs["mode"])
	}
	down := oneLogged(t, blue, "blue.log", event.PGShutDown)
	if down.Time.Before(req.Time) || down.Time.After(*rs.End) {
		t.Errorf("shut down at %v, outside %v..%v", down.Time, req.Time, *rs.End)
	}
	nearTruth(t, lastLogged(t, blue, "blue.log", event.PGReady), *rs.End, "blue_restart's end")
}
