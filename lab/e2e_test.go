package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// tol is how far from the ground truth a probe's intended start may be and
// still count as inside a window. Probes run every 100ms; a second is
// generous for a busy 2-core machine, and still small against the windows
// (seconds) the assertions look at.
const tol = time.Second

// e2eInterval is the probe interval of the end-to-end runs.
const e2eInterval = 200 * time.Millisecond

type labRun struct {
	dir    string
	probes []store.Probe
	events map[string][]store.Event
	verify *store.Verify
}

// runLab records one run of a built-in scenario with shortened steady
// phases and reads back what the recorder and the lab wrote.
//
// Timing assertions need a machine that keeps up. A probe failing during
// the steady lead-in, before the scenario has done anything, or too few
// probes there, says it did not (on a shared 2-core machine a load average of 15 makes even
// password exchanges time out); then the run is repeated, and after three
// such runs the test is skipped with the reason rather than failed on
// timing it cannot judge.
func runLab(t *testing.T, name string, set map[string]string) *labRun {
	t.Helper()
	return runLabWith(t, name, set, nil)
}

// runLabWith is runLab with the probe settings changed by tweak (nil: none).
func runLabWith(t *testing.T, name string, set map[string]string, tweak func(*record.Config)) *labRun {
	t.Helper()
	return runLabRetrying(t, name, set, tweak, nil)
}

// runLabRetrying is runLabWith with the run options changed by ro (nil:
// none).
func runLabRetrying(t *testing.T, name string, set map[string]string, tweak func(*record.Config), ro func(*RunOptions)) *labRun {
	t.Helper()
	const attempts = 3
	for i := 1; ; i++ {
		r := runLabOpts(t, name, set, tweak, ro)
		// 3s of lead-in at 200ms is 15 slots per stream; ask for half of
		// the two streams' 30, none failed and none slow.
		bad, slow, total := r.leadInHealth()
		if bad == 0 && slow == 0 && total >= 15 {
			return r
		}
		msg := fmt.Sprintf("machine too busy to judge timing: of %d probes in the steady lead-in (want at least 15), %d failed and %d took over a second (load average %s)",
			total, bad, slow, loadAvg())
		if i == attempts {
			t.Skipf("%s, %d times", msg, attempts)
		}
		t.Logf("%s; running again", msg)
	}
}

// leadInHealth counts the probes that ran entirely before the scenario's
// first step, those of them that failed and those that took over a second.
func (r *labRun) leadInHealth() (failed, slow, total int) {
	sc := r.events[EvScenario]
	if len(sc) != 1 {
		return 0, 0, 0
	}
	return r.healthBefore(sc[0].Time)
}

// healthBefore counts the probes that ended before t0, those of them that
// failed and those that took over a second.
func (r *labRun) healthBefore(t0 time.Time) (failed, slow, total int) {
	for i := range r.probes {
		p := &r.probes[i]
		if p.End != 0 && at(p.End).Before(t0) {
			total++
			if p.Failed() {
				failed++
			}
			if time.Duration(p.LatencyNS) > time.Second {
				slow++
			}
		}
	}
	return failed, slow, total
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}

func runLabOnce(t *testing.T, name string, set map[string]string, tweak func(*record.Config)) *labRun {
	t.Helper()
	return runLabOpts(t, name, set, tweak, nil)
}

// runLabOpts is runLabOnce with the run options changed by ro (nil: none).
func runLabOpts(t *testing.T, name string, set map[string]string, tweak func(*record.Config), ro func(*RunOptions)) *labRun {
	t.Helper()
	bin := pgserver.BinariesForTest(t)
	params := map[string]string{"lead_in": "3s", "tail": "3s"}
	for k, v := range set {
		params[k] = v
	}
	sc, err := NewBuiltin(name, params)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	// Connect and query timeouts of 5s rather than 3s: a password
	// exchange on a loaded machine must not pass for an outage.
	// A probe every 200ms per stream: each new connection forks a
	// backend, and the tests must not be what overloads the machine.
	cfg := record.Config{Interval: e2eInterval, ConnectTimeout: 5 * time.Second, QueryTimeout: 5 * time.Second,
		Kinds: []string{store.KindWrite, store.KindRead}, Conns: []string{store.ConnNew}}
	if tweak != nil {
		tweak(&cfg)
	}
	opts := RunOptions{Scenario: sc, Out: out, Record: cfg, Rig: RigOptions{Binaries: bin}}
	if ro != nil {
		ro(&opts)
	}
	res, err := Run(ctx, opts)
	if err != nil {
		t.Fatalf("lab run %s: %v", name, err)
	}
	t.Logf("lab run %s took %v: %v", name, time.Since(start).Round(time.Millisecond), res[0].Counts)
	r := readLabRun(t, res[0].RunDir)
	r.verify = res[0].Verify
	t.Cleanup(func() {
		if t.Failed() {
			r.dump(t)
		}
	})
	info, err := store.ReadRunInfo(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Labels["scenario"] != name {
		t.Errorf("run label scenario=%q, want %q", info.Labels["scenario"], name)
	}
	for k, v := range sc.Params {
		if info.Labels[k] != v {
			t.Errorf("run label %s=%q, want the scenario parameter %q", k, info.Labels[k], v)
		}
	}
	return r
}

// readLabRun reads what the recorder and the lab wrote into the run
// folder dir: its probes, by intended start, and its events, by name.
func readLabRun(t *testing.T, dir string) *labRun {
	t.Helper()
	r := &labRun{dir: dir, events: map[string][]store.Event{}}
	if err := store.ReadRun(dir, func(p *store.Probe) error {
		r.probes = append(r.probes, *p)
		return nil
	}, func(s store.SkippedFile) { t.Errorf("skipped %s: %s", s.Path, s.Reason) }); err != nil {
		t.Fatal(err)
	}
	sort.Slice(r.probes, func(i, j int) bool { return r.probes[i].Intended < r.probes[j].Intended })
	evs, bad, err := store.ReadEvents(filepath.Join(dir, store.EventsFile))
	if err != nil || len(bad) > 0 {
		t.Fatalf("read events: %v %v", err, bad)
	}
	for _, e := range evs {
		r.events[e.Name] = append(r.events[e.Name], e)
	}
	return r
}

// one returns the only event of a name.
func (r *labRun) one(t *testing.T, name string) store.Event {
	t.Helper()
	if len(r.events[name]) != 1 {
		t.Fatalf("events %s: %d, want 1 (events: %v)", name, len(r.events[name]), r.events)
	}
	return r.events[name][0]
}

func at(ns int64) time.Time { return time.Unix(0, ns) }

func within(ns int64, from, to time.Time) bool {
	t := at(ns)
	return !t.Before(from.Add(-tol)) && !t.After(to.Add(tol))
}

// where selects probes.
func (r *labRun) where(f func(p *store.Probe) bool) []store.Probe {
	var out []store.Probe
	for i := range r.probes {
		if f(&r.probes[i]) {
			out = append(out, r.probes[i])
		}
	}
	return out
}

func identities(ps []store.Probe) map[string]int {
	m := map[string]int{}
	for _, p := range ps {
		m[p.ServerIdentity()]++
	}
	return m
}

func ok(p *store.Probe) bool { return p.Outcome == store.OutcomeOK }

// A probe saw the system between its Start and End; the assertions place
// probes by those, not by their intended start, because on a busy machine
// a probe may start late.

// startedIn reports whether p started within [from, to], give or take tol.
func startedIn(p *store.Probe, from, to time.Time) bool {
	return within(p.Start, from, to)
}

// ranInside reports whether p ran entirely inside [from, to].
func ranInside(p *store.Probe, from, to time.Time) bool {
	return !at(p.Start).Before(from) && !at(p.End).After(to)
}

// overlaps reports whether p ran at some time in [from, to], give or take tol.
func overlaps(p *store.Probe, from, to time.Time) bool {
	return !at(p.Start).After(to.Add(tol)) && !at(p.End).Before(from.Add(-tol))
}

func TestLabAurora(t *testing.T) {
	r := runLab(t, "aurora", nil)
	ro := r.one(t, ActBlueReadOnly)
	bh := r.one(t, ActEndpointBlackhole)
	promo := r.one(t, ActGreenPromoted)
	r.one(t, ActEndpointToGreen)
	r.one(t, EvGreenCaughtUp)
	if bh.End == nil || promo.End == nil {
		t.Fatal("blackhole and promotion events need an end")
	}

	before := identities(r.where(func(p *store.Probe) bool { return ok(p) && at(p.End).Before(ro.Time) }))
	if len(before) != 1 {
		t.Fatalf("identities answering before the switchover: %v, want only blue", before)
	}

	// 1. Connect timeouts, all while the endpoint did not answer.
	timeouts := r.where(func(p *store.Probe) bool { return p.ErrorClass == store.ClassConnectTimeout })
	if len(timeouts) == 0 {
		t.Fatal("no connect timeouts")
	}
	firstTimeout := at(timeouts[0].Start)
	for _, p := range timeouts {
		if !startedIn(&p, bh.Time, *bh.End) {
			t.Errorf("connect timeout started at %v, outside the blackhole %v..%v", at(p.Start), bh.Time, bh.End)
		}
		if at(p.Start).Before(firstTimeout) {
			firstTimeout = at(p.Start)
		}
	}

	// 2. Then writes fail as read-only on green while reads succeed.
	readOnly := r.where(func(p *store.Probe) bool {
		return p.Kind == store.KindWrite && p.ErrorClass == store.ClassReadOnly && at(p.Start).After(firstTimeout)
	})
	if len(readOnly) == 0 {
		t.Fatal("no write probes failed with read_only after the timeouts")
	}
	for _, p := range readOnly {
		if !overlaps(&p, *bh.End, *promo.End) {
			t.Errorf("read_only write (%v..%v) outside green's read-only window %v..%v", at(p.Start), at(p.End), bh.End, promo.End)
		}
	}
	readsOK := r.where(func(p *store.Probe) bool {
		return p.Kind == store.KindRead && ok(p) && ranInside(p, *bh.End, promo.Time)
	})
	if len(readsOK) == 0 {
		t.Error("no successful reads while green was a read-only standby")
	}
	for _, p := range readsOK {
		if p.InRecovery == nil || !*p.InRecovery {
			t.Errorf("read (%v..%v) inside the read-only window answered by a server not in recovery", at(p.Start), at(p.End))
		}
	}

	// 3. Then writes succeed on a server with another identity.
	after := r.where(func(p *store.Probe) bool {
		return p.Kind == store.KindWrite && ok(p) && at(p.Start).After(promo.End.Add(tol))
	})
	if len(after) == 0 {
		t.Fatal("no successful writes after promotion")
	}
	for id := range identities(after) {
		if before[id] > 0 {
			t.Errorf("writes after promotion answered by %s, the server from before", id)
		}
	}
	for _, p := range r.where(func(p *store.Probe) bool {
		return p.Kind == store.KindWrite && ok(p) && before[p.ServerIdentity()] == 0
	}) {
		if at(p.End).Before(promo.Time) {
			t.Errorf("write on green acknowledged at %v, before its promotion started at %v", at(p.End), promo.Time)
		}
	}
	for _, p := range readOnly {
		if at(p.Start).After(promo.End.Add(tol)) {
			t.Errorf("read_only write started at %v, after the promotion ended at %v", at(p.Start), promo.End)
		}
	}
	if r.verify == nil {
		t.Error("no lost-write check")
	} else if r.verify.AcknowledgedMissing != 0 {
		t.Errorf("aurora waits for catch-up, yet %d acknowledged writes were lost", r.verify.AcknowledgedMissing)
	}
}

func TestLabCrash(t *testing.T) {
	r := runLab(t, "crash", nil)
	kill := r.one(t, ActBlueKilled)
	ref := r.one(t, ActEndpointRefuse)
	r.one(t, ActGreenPromoted)
	toGreen := r.one(t, ActEndpointToGreen)
	if ref.End == nil {
		t.Fatal("refuse window without an end")
	}
	before := identities(r.where(func(p *store.Probe) bool { return ok(p) && at(p.End).Before(kill.Time) }))

	refused := r.where(func(p *store.Probe) bool {
		return p.ErrorClass == store.ClassRefused || p.ErrorClass == store.ClassReset
	})
	if len(refused) == 0 {
		t.Fatal("no refused or reset probes")
	}
	for _, p := range refused {
		if !overlaps(&p, kill.Time, *ref.End) {
			t.Errorf("%s (%v..%v) outside the outage %v..%v", p.ErrorClass, at(p.Start), at(p.End), kill.Time, ref.End)
		}
	}
	if n := len(r.where(func(p *store.Probe) bool { return p.ErrorClass == store.ClassRefused })); n == 0 {
		t.Error("no probe saw ECONNREFUSED while the endpoint refused")
	}
	during := r.where(func(p *store.Probe) bool {
		return ok(p) && ranInside(p, kill.Time.Add(tol), toGreen.Time.Add(-tol))
	})
	if len(during) > 0 {
		t.Errorf("%d probes succeeded during the outage, first at %v", len(during), at(during[0].Start))
	}
	after := r.where(func(p *store.Probe) bool { return ok(p) && at(p.Start).After(toGreen.Time.Add(tol)) })
	if len(after) == 0 {
		t.Fatal("no successes on green after the outage")
	}
	for id := range identities(after) {
		if before[id] > 0 {
			t.Errorf("after the crash answered by %s, the server from before", id)
		}
	}

	// The lost-write check ran and gave every write probe that ran a verdict.
	v, err := store.ReadVerify(r.dir)
	if err != nil || v == nil {
		t.Fatalf("verify.json: %v, %v", v, err)
	}
	ran := int64(len(r.where(func(p *store.Probe) bool { return p.Kind == store.KindWrite && p.Outcome != store.OutcomeSkipped })))
	if got := v.AcknowledgedPresent + v.AcknowledgedMissing + v.FailedPresent + v.FailedAbsent; got != ran {
		t.Errorf("lost-write check judged %d writes, %d ran", got, ran)
	}
	t.Logf("crash: %d acknowledged writes lost, %d failed writes committed", v.AcknowledgedMissing, v.FailedPresent)
}

func TestLabFlap(t *testing.T) {
	r := runLab(t, "flap", map[string]string{"count": "3", "blackhole": "1s", "gap": "3s"})
	windows := r.events[ActEndpointBlackhole]
	if len(windows) != 3 {
		t.Fatalf("blackhole windows: %d, want 3", len(windows))
	}
	sort.Slice(windows, func(i, j int) bool { return windows[i].Time.Before(windows[j].Time) })
	timeouts := r.where(func(p *store.Probe) bool { return p.ErrorClass == store.ClassConnectTimeout })
	sort.Slice(timeouts, func(i, j int) bool { return timeouts[i].Start < timeouts[j].Start })
	hits := make([]int, len(windows))
	outside := 0
	for _, p := range timeouts {
		in := false
		for i, w := range windows {
			if startedIn(&p, w.Time, *w.End) {
				hits[i]++
				in = true
			}
		}
		if !in {
			if outside++; outside <= 5 {
				t.Errorf("connect timeout (%v..%v) started in no blackhole window", at(p.Start), at(p.End))
			}
		}
	}
	if outside > 5 {
		t.Errorf("... %d connect timeouts in no blackhole window in all", outside)
	}
	for i, n := range hits {
		if n == 0 {
			t.Errorf("blackhole window %d (%v..%v) has no connect timeouts", i+1, windows[i].Time, windows[i].End)
		}
	}
	// The timeouts form exactly three groups: a gap of more than 1.5s
	// (half the gap between windows) starts a new one.
	groups := 0
	var last time.Time
	for _, p := range timeouts {
		if groups == 0 || at(p.Start).Sub(last) > 1500*time.Millisecond {
			groups++
		}
		last = at(p.Start)
	}
	if groups != 3 {
		t.Errorf("connect timeouts form %d windows, want 3", groups)
	}
	if ids := identities(r.where(ok)); len(ids) != 1 {
		t.Errorf("flap promotes nothing, yet successes came from %v", ids)
	}
}

func TestLabRestart(t *testing.T) {
	r := runLab(t, "restart", nil)
	rs := r.one(t, ActBlueRestart)
	if rs.End == nil {
		t.Fatal("restart without an end")
	}
	failed := r.where(func(p *store.Probe) bool { return p.Failed() })
	// A probe sees a restart only if it runs while the server is down: a
	// restart shorter than the grid step can fall between two probes,
	// which is what sampling can see, not a fault of the recorder.
	// The server was down from the restart's start until its new
	// postmaster started (the server_start the probes read after it).
	back := rs.End.UnixNano()
	for _, p := range r.where(func(p *store.Probe) bool { return p.ServerStart > rs.Time.UnixNano() }) {
		back = min(back, p.ServerStart)
	}
	inFlight := r.where(func(p *store.Probe) bool {
		return p.Start != 0 && p.End != 0 && p.Start < back && p.End > rs.Time.UnixNano()
	})
	if len(failed) == 0 && len(inFlight) == 0 {
		t.Skipf("the restart (%v) fell between two probes; nothing to judge", rs.End.Sub(rs.Time))
	}
	if len(failed) == 0 {
		t.Fatal("no probe failed during the restart")
	}
	for _, p := range failed {
		if !overlaps(&p, rs.Time, *rs.End) {
			t.Errorf("%s failure (%v..%v) outside the restart %v..%v", p.ErrorClass, at(p.Start), at(p.End), rs.Time, rs.End)
		}
	}
	before := r.where(func(p *store.Probe) bool { return ok(p) && at(p.End).Before(rs.Time) })
	after := r.where(func(p *store.Probe) bool { return ok(p) && at(p.Start).After(rs.End.Add(tol)) })
	if len(before) == 0 || len(after) == 0 {
		t.Fatalf("successes before %d, after %d: want both", len(before), len(after))
	}
	if before[0].ServerAddr != after[0].ServerAddr {
		t.Errorf("restart moved the endpoint: %s before, %s after", before[0].ServerAddr, after[0].ServerAddr)
	}
	if before[0].ServerStart == after[0].ServerStart {
		t.Error("same postmaster start time after a restart")
	}
}

// dump logs the run as a compact timeline: events, and per probe stream
// the runs of equal outcomes, so a failing test shows what happened.
func (r *labRun) dump(t *testing.T) {
	var evs []store.Event
	for _, e := range r.events {
		evs = append(evs, e...)
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	for _, e := range evs {
		end := ""
		if e.End != nil {
			end = e.End.Format("..15:04:05.000")
		}
		t.Logf("event %s%s %s %v", e.Time.Format("15:04:05.000"), end, e.Name, e.Attrs)
	}
	// One line per stretch of the same outcome, class and server, per
	// stream (kind, profile and endpoint), streams in order.
	var streams []string
	seen := map[string]bool{}
	for i := range r.probes {
		if s := r.probes[i].Stream(); !seen[s] {
			seen[s] = true
			streams = append(streams, s)
		}
	}
	sort.Strings(streams)
	for _, stream := range streams {
		var from, last *store.Probe
		flush := func() {
			if from != nil {
				t.Logf("%s started %s..%s %s %s %s via %s", stream, at(from.Start).Format("15:04:05.000"), at(last.Start).Format("15:04:05.000"),
					from.Outcome, from.ErrorClass, from.ServerIdentity(), from.DialedAddr)
			}
		}
		for i := range r.probes {
			p := &r.probes[i]
			if p.Stream() != stream {
				continue
			}
			if from == nil || p.Outcome != from.Outcome || p.ErrorClass != from.ErrorClass || p.ServerIdentity() != from.ServerIdentity() ||
				p.DialedAddr != from.DialedAddr {
				flush()
				from = p
			}
			last = p
		}
		flush()
	}
}

// truthWithin runs the analyzer's --truth check on the run and requires
// the edges of must (event name → its edges; every event of that name) to
// be expected edges that lie where the probes place a change: after the
// last probe before a detected boundary started and before the first probe
// after it ended (analyze's Accuracy). The other expected edges are logged.
func (r *labRun) truthWithin(t *testing.T, must map[string][]string) {
	t.Helper()
	sum, err := analyze.Analyze(context.Background(), []string{r.dir}, analyze.Options{Truth: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accuracy == nil || sum.Accuracy.Total == 0 {
		t.Fatalf("no expected edges in the --truth check: %+v", sum.Accuracy)
	}
	want, seen := 0, 0
	for name, edges := range must {
		want += len(edges) * len(r.events[name])
	}
	for _, b := range sum.Accuracy.Boundaries {
		if !slices.Contains(must[b.Event], b.Edge) {
			if b.Expected {
				t.Logf("%s %s: within %v (error %v)", b.Event, b.Edge, b.Within, time.Duration(b.ErrorNS))
			}
			continue
		}
		seen++
		if !b.Expected {
			t.Errorf("%s %s is not an expected edge", b.Event, b.Edge)
		}
		if !b.Within {
			t.Errorf("%s %s at %v: nearest boundary %v (%s) off by %v, latency %v: not within one interval (%v)",
				b.Event, b.Edge, b.EventTime.Format("15:04:05.000"), b.Boundary.Format("15:04:05.000"), b.Stream,
				time.Duration(b.ErrorNS), time.Duration(b.LatencyNS), time.Duration(b.ResolutionNS))
		}
	}
	if want == 0 || seen != want {
		t.Errorf("--truth checked %d edges of %v, want %d", seen, must, want)
	}
	t.Logf("--truth: %d of %d expected edges within", sum.Accuracy.Within, sum.Accuracy.Total)
}
