package lab

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// vantageInterval is the probe interval of the latency and dns-cache
// vantages in TestLabVantages: with the direct vantage's 200ms, writes and
// reads on new connections ask 10 + 4 + 4 logins a second of a machine
// that completes about 25.
const vantageInterval = 500 * time.Millisecond

// vantageRun is one vantage's recording of a lab switchover and the lab's
// truth for it.
type vantageRun struct {
	*labRun
	name     string
	info     *store.RunInfo
	interval time.Duration
	// recovery is when the lab's truth says this vantage's writes work
	// again: the promotion's end, and for the dns-cache vantage the later
	// of that and its cache's first refresh after the DNS flip.
	recovery time.Time
}

// runLabVantages records the dns scenario from the three vantages, the
// latency one behind latency, the dns-cache one behind a cache of
// cacheFor, and returns each vantage's run (direct, latency, dns-cache)
// with its truth. A machine too busy to judge timing (a failed or slow
// probe in any vantage's steady lead-in, or too few) gets one more run if
// the first left time for it within the test's 90 s, then a skip.
func runLabVantages(t *testing.T, latency, cacheFor time.Duration) []vantageRun {
	t.Helper()
	start := time.Now()
	for attempt := 1; ; attempt++ {
		vs := runLabVantagesOnce(t, latency, cacheFor)
		var msgs []string
		for _, v := range vs {
			if msg := v.leadInTrouble(t, latency); msg != "" {
				msgs = append(msgs, msg)
			}
		}
		if len(msgs) == 0 {
			return vs
		}
		msg := fmt.Sprintf("machine too busy to judge timing (load average %s): %v", loadAvg(), msgs)
		if attempt == 2 || time.Since(start) > 45*time.Second {
			t.Skipf("%s, %d times in %v", msg, attempt, time.Since(start).Round(time.Second))
		}
		t.Logf("%s; running again", msg)
	}
}

// leadInTrouble says what was wrong with the vantage's steady lead-in
// (3 s), if anything: a failed probe, a slow one (over a second, plus six
// added round trips, a login and a write, through the delay), or fewer
// than half the slots of its two streams ended in it (a probe ends up to
// that slowness after its slot).
func (v vantageRun) leadInTrouble(t *testing.T, latency time.Duration) string {
	slowAt := time.Second
	if v.name == VantageLatency {
		slowAt += 6 * latency
	}
	lead := 3*time.Second - (slowAt - time.Second)
	t0 := v.one(t, EvScenario).Time
	bad, slow, total := 0, 0, 0
	for _, p := range v.probes {
		if p.End == 0 || !at(p.End).Before(t0) {
			continue
		}
		total++
		if p.Failed() {
			bad++
		}
		if time.Duration(p.LatencyNS) > slowAt {
			slow++
		}
	}
	if want := int(lead / v.interval); bad > 0 || slow > 0 || total < want {
		return fmt.Sprintf("vantage %s: of %d probes in the lead-in (want %d), %d failed, %d over %v", v.name, total, want, bad, slow, slowAt)
	}
	return ""
}

func runLabVantagesOnce(t *testing.T, latency, cacheFor time.Duration) []vantageRun {
	t.Helper()
	bin := pgserver.BinariesForTest(t)
	sc, err := NewBuiltin("dns", map[string]string{"lead_in": "3s", "tail": "3s", "ttl": "1s"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	cfg := record.Config{Interval: e2eInterval, ConnectTimeout: 5 * time.Second, QueryTimeout: 5 * time.Second,
		Kinds: []string{store.KindWrite, store.KindRead}, Conns: []string{store.ConnNew}}
	res, err := Run(ctx, RunOptions{Scenario: sc, Out: t.TempDir(), Record: cfg, Rig: RigOptions{Binaries: bin},
		Vantages: VantageOptions{N: 3, Latency: latency, DNSCache: cacheFor, Interval: vantageInterval}})
	if err != nil {
		t.Fatalf("lab run dns with 3 vantages: %v", err)
	}
	took := time.Since(start)
	if len(res) != 3 {
		t.Fatalf("%d results, want one per vantage", len(res))
	}
	var out []vantageRun
	logins := 0
	var first, last int64
	for i, want := range []string{VantageDirect, VantageLatency, VantageDNSCache} {
		r := readLabRun(t, res[i].RunDir)
		r.verify = res[i].Verify
		info, err := store.ReadRunInfo(r.dir)
		if err != nil {
			t.Fatal(err)
		}
		if res[i].Vantage != want || info.Vantage != want || info.SwitchoverID == "" || info.SwitchoverID != res[0].SwitchoverID {
			t.Errorf("result %d: vantage %q (run.json %q), switchover id %q (run.json %q); want vantage %s and the direct one's id %q",
				i, res[i].Vantage, info.Vantage, res[i].SwitchoverID, info.SwitchoverID, want, res[0].SwitchoverID)
		}
		v := vantageRun{labRun: r, name: want, info: info, interval: e2eInterval}
		if want != VantageDirect {
			v.interval = vantageInterval
		}
		promo := r.one(t, ActGreenPromoted)
		v.recovery = *promo.End
		if want == VantageDNSCache {
			refresh := firstRefreshAfter(t, r, r.one(t, ActDNSFlip).Time)
			if refresh.After(v.recovery) {
				v.recovery = refresh
			}
		}
		for _, p := range r.probes {
			if p.Conn == store.ConnNew && p.Start != 0 {
				logins++
				if first == 0 || p.Start < first {
					first = p.Start
				}
				last = max(last, p.Start)
			}
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("vantage %s (%s):", want, r.dir)
				r.dump(t)
			}
		})
		out = append(out, v)
	}
	t.Logf("lab run dns with 3 vantages took %v; %d new connections over %v: %.1f logins/s (load average %s)",
		took.Round(time.Millisecond), logins, time.Duration(last-first).Round(time.Millisecond),
		float64(logins)/time.Duration(last-first).Seconds(), loadAvg())
	return out
}

// firstRefreshAfter is the time of the dns-cache vantage's first cache
// refresh after t that changed the answer.
func firstRefreshAfter(t *testing.T, r *labRun, after time.Time) time.Time {
	t.Helper()
	for _, e := range r.events[event.DNSCacheRefresh] {
		if e.Time.After(after) && e.Attrs["changed"] == "true" {
			return e.Time
		}
	}
	t.Fatalf("no dns_cache_refresh after %v changed the answer: %v", after, r.events[event.DNSCacheRefresh])
	return time.Time{}
}

// recoveredAt is the end of the switchover's last outage phase in the
// vantage's run (its own per-run analysis): the start of the first healthy
// phase on the new server. A phase of failures after it fails the test; a
// stall after it (probes slower than the analyzer's stall threshold, 2 s
// when the steady state is slow, as every probe of the latency vantage is
// at a second) says how loaded the machine was, not how the vantage came
// through the switchover, and is logged.
func recoveredAt(t *testing.T, v vantageRun) (time.Time, []analyze.Phase) {
	t.Helper()
	sum, err := analyze.Analyze(context.Background(), []string{v.dir}, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Runs) != 1 {
		t.Fatalf("vantage %s: %d runs analyzed", v.name, len(sum.Runs))
	}
	phases := sum.Runs[0].Phases
	back := slices.IndexFunc(phases, func(ph analyze.Phase) bool { return ph.State == analyze.PhaseHealthy && ph.NewServer })
	if back <= 0 || !phases[back-1].State.Outage() {
		t.Fatalf("vantage %s: no healthy phase on the new server after an outage in %v", v.name, phases)
	}
	for _, ph := range phases[back+1:] {
		switch {
		case ph.State == analyze.PhaseStalled:
			t.Logf("vantage %s: stalled %s..%s after its recovery (load average %s)", v.name,
				ph.Start.Format("15:04:05.000"), ph.End.Format("15:04:05.000"), loadAvg())
		case ph.State.Outage():
			t.Errorf("vantage %s: %s %s..%s after its recovery", v.name, ph.Label,
				ph.Start.Format("15:04:05.000"), ph.End.Format("15:04:05.000"))
		}
	}
	return phases[back].Start, phases
}

// TestLabVantages records the dns scenario from three vantages, one
// behind 200ms of added round trip and one with a 30s DNS cache, and
// checks each vantage's run against the lab's truth through the per-run
// analysis: every vantage goes through the switchover's phases and ends
// healthy on the new server; the direct and the latency vantages recover
// at the promotion's end, the cached one at its cache's first refresh
// after the DNS flip, seconds later, each within one of its probe
// intervals (the latency one's also within its probes' latency, which
// carries the added round trips).
func TestLabVantages(t *testing.T) {
	const latency, cacheFor = 200 * time.Millisecond, 30 * time.Second
	vs := runLabVantages(t, latency, cacheFor)
	// vs[i].dir and vs[i].recovery are what a merged analysis of the
	// three folders (one switchover_id) is to be checked against.
	direct, slow, cached := vs[0], vs[1], vs[2]

	flip := direct.one(t, ActDNSFlip)
	promo := direct.one(t, ActGreenPromoted)
	if cached.recovery.Sub(*promo.End) < 5*time.Second {
		t.Errorf("the cached vantage's truth %v is not seconds after the promotion's end %v: the test shows no stale cache",
			cached.recovery, promo.End)
	}
	if d := cached.recovery.Sub(flip.Time); d > cacheFor+time.Second {
		t.Errorf("first refresh %v after the flip, more than the cache time %v", d, cacheFor)
	}
	for _, v := range vs {
		if len(v.events[ActDNSFlip]) != 1 || !v.one(t, ActDNSFlip).Time.Equal(flip.Time) {
			t.Errorf("vantage %s: its events do not hold the switchover's dns_flip", v.name)
		}
		if n := len(v.events[event.DNSCacheRefresh]); (v.name == VantageDNSCache) != (n > 0) {
			t.Errorf("vantage %s: %d dns_cache_refresh events", v.name, n)
		}
		got, phases := recoveredAt(t, v)
		states := make([]string, len(phases))
		for i, ph := range phases {
			states[i] = ph.Label
		}
		// Every vantage is refused (reset, through the delay); green's
		// read-only time before its promotion is a few hundred ms, which a
		// 500ms grid may miss, but the cached vantage reaches old blue,
		// read-only, until its refresh.
		if !slices.ContainsFunc(phases, func(ph analyze.Phase) bool { return ph.State == analyze.PhaseUnavailable }) {
			t.Errorf("vantage %s: phases %v, want an unavailable one", v.name, states)
		}
		if v.name == VantageDNSCache && !slices.ContainsFunc(phases, func(ph analyze.Phase) bool {
			return ph.State == analyze.PhaseReadOnly && ph.End.Equal(got) && ph.DurationNS > int64(5*time.Second)
		}) {
			t.Errorf("vantage %s: phases %v, want a read-only one of seconds (old blue) ending at the recovery", v.name, states)
		}
		off := got.Sub(v.recovery)
		t.Logf("vantage %s: phases %v; recovered at %s, truth %s: %+v (interval %v)", v.name, states,
			got.Format("15:04:05.000"), v.recovery.Format("15:04:05.000"), off.Round(time.Millisecond), v.interval)
		lo := v.earliestRecovery(got)
		if off < lo || off > v.interval {
			t.Errorf("vantage %s recovered at %v, %v from the lab's truth %v: want within [%v, %v]",
				v.name, got.Format("15:04:05.000"), off, v.recovery.Format("15:04:05.000"), lo, v.interval)
		}
		if v.verify == nil || v.verify.AcknowledgedMissing != 0 {
			t.Errorf("vantage %s: lost-write check %+v, want one and no acknowledged write lost", v.name, v.verify)
		}
	}
	checkVantagePaths(t, vs, latency, flip.Time)
	checkMergedVantages(t, vs)
	// The lab's --truth check, edge by edge, where the edges apply: the
	// direct vantage sees every one as TestLabDNS does; the latency
	// vantage the promotion's end (the analyzer allows the first probe's
	// latency); the cached vantage the switchover's start, but not the
	// promotion's end, which it sees only at its refresh.
	direct.truthWithin(t, map[string][]string{ActBlueReadOnly: {event.EdgeStart},
		ActEndpointRefuse: {event.EdgeStart, event.EdgeEnd}, ActGreenPromoted: {event.EdgeEnd}})
	slow.truthWithin(t, map[string][]string{ActGreenPromoted: {event.EdgeEnd}})
	cached.truthWithin(t, map[string][]string{ActBlueReadOnly: {event.EdgeStart}, ActEndpointRefuse: {event.EdgeStart}})
}

// checkVantagePaths checks that each vantage went the way it should:
// direct dialled the rig's endpoints, latency the delay proxies and
// waited at least the added round trip for every answer, and dns-cache
// dialled old blue's address after the flip until its refresh, and
// green's after it.
func checkVantagePaths(t *testing.T, vs []vantageRun, latency time.Duration, flip time.Time) {
	t.Helper()
	const clock = 50 * time.Millisecond
	cached := vs[2]
	refresh := firstRefreshAfter(t, cached.labRun, flip)
	for _, v := range vs {
		bad := 0
		for _, p := range v.probes {
			if p.DialedAddr == "" {
				continue
			}
			host, _, _ := strings.Cut(p.DialedAddr, ":")
			var want []string
			switch {
			case v.name == VantageDirect:
				want = []string{dnsBlueIP, dnsGreenIP}
			case v.name == VantageLatency:
				want = []string{latencyBlueIP, latencyGreenIP}
				if ok(&p) && time.Duration(p.LatencyNS) < latency {
					t.Errorf("latency vantage: a probe answered in %v, less than the added round trip %v", time.Duration(p.LatencyNS), latency)
				}
			case at(p.Start).After(flip.Add(clock)) && at(p.End).Before(refresh.Add(-clock)):
				want = []string{dnsBlueIP} // the stale answer
			case at(p.Start).After(refresh.Add(clock)):
				want = []string{dnsGreenIP}
			default:
				want = []string{dnsBlueIP, dnsGreenIP}
			}
			if !slices.Contains(want, host) {
				if bad++; bad <= 3 {
					t.Errorf("vantage %s: probe started %v dialled %s, want one of %v", v.name, at(p.Start).Format("15:04:05.000"), p.DialedAddr, want)
				}
			}
		}
	}
}

// firstOKWriteLatency is the latency of the first successful write
// intended to start at or after t.
func firstOKWriteLatency(v vantageRun, t time.Time) time.Duration {
	for _, p := range v.probes {
		if p.Kind == store.KindWrite && ok(&p) && !at(p.Intended).Before(t) {
			return time.Duration(p.LatencyNS)
		}
	}
	return 0
}

// earliestRecovery is how much earlier than the lab's truth a recovery
// the analyzer dates at got may lie: one probe interval, and for the
// latency vantage also the first ok write's own latency (a phase starts
// at its first probe's intended start; through the delay that probe's
// write reaches green a login and a statement later).
func (v vantageRun) earliestRecovery(got time.Time) time.Duration {
	lo := -v.interval
	if v.name == VantageLatency {
		lo -= firstOKWriteLatency(v, got)
	}
	return lo
}

// checkMergedVantages analyzes the three vantages' runs together, as
// "switchwatch analyze" does a fleet's: one switchover (their one
// switchover_id) seen from three vantages on the servers' clock, each
// with its phases and its recovery within its probe interval (plus its
// clock offset's uncertainty) of the lab's truth for it, and the cached
// vantage the latest to recover, seconds after the others.
func checkMergedVantages(t *testing.T, vs []vantageRun) {
	t.Helper()
	dirs := make([]string, len(vs))
	for i, v := range vs {
		dirs[i] = v.dir
	}
	sum, err := analyze.Analyze(context.Background(), dirs, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Switchovers) != 1 {
		t.Fatalf("merged analysis: %d switchovers, want 1", len(sum.Switchovers))
	}
	sw := &sum.Switchovers[0]
	if sw.ID != vs[0].info.SwitchoverID || sw.GroupedBy != result.GroupedBySwitchoverID || len(sw.Vantages) != len(vs) {
		t.Fatalf("merged analysis: switchover %q grouped by %s with %d vantages; want %q by switchover_id with %d",
			sw.ID, sw.GroupedBy, len(sw.Vantages), vs[0].info.SwitchoverID, len(vs))
	}
	recovered := map[string]time.Time{}
	stalledAfter := false
	for _, v := range vs {
		m := sw.Vantage(v.name)
		if m == nil || m.Clock != result.VantageClockServers || m.ClockOffset == nil {
			t.Fatalf("merged analysis: vantage %s is %+v, want it on the servers' clock", v.name, m)
		}
		last := -1
		for i, ph := range m.Phases {
			if ph.State.Outage() {
				last = i
			}
		}
		if last < 0 || !slices.ContainsFunc(m.Phases, func(ph result.VantagePhase) bool { return ph.State == result.PhaseUnavailable }) {
			t.Errorf("merged analysis: vantage %s has phases %v, want an unavailable one", v.name, m.Phases)
			continue
		}
		// The servers run on the lab's machine: its clock is theirs, so
		// the truth needs no shift, and the offset's uncertainty is the
		// only allowance the merge adds.
		got := m.Phases[last].End
		recovered[v.name] = got
		slack := time.Duration(m.OffsetUncertaintyNS)
		off := got.Sub(v.recovery)
		t.Logf("merged analysis: vantage %s recovered at %s (offset %v ± %v), truth %s: %+v", v.name, got.Format("15:04:05.000"),
			time.Duration(m.OffsetNS), slack, v.recovery.Format("15:04:05.000"), off.Round(time.Millisecond))
		if off < v.earliestRecovery(got)-slack || off > v.interval+slack {
			t.Errorf("merged analysis: vantage %s recovered %v from the lab's truth, want within [%v, %v]",
				v.name, off, v.earliestRecovery(got)-slack, v.interval+slack)
		}
		for _, ph := range m.Phases[last+1:] {
			stalledAfter = stalledAfter || ph.State == result.PhaseStalled
		}
	}
	if d := recovered[VantageDNSCache].Sub(recovered[VantageDirect]); d < 5*time.Second {
		t.Errorf("merged analysis: the cached vantage recovered %v after the direct one, want seconds later", d)
	}
	// The spread takes each vantage's recovery as the end of its last
	// non-healthy phase, stalls included: a stall after the recovery (a
	// loaded machine slowing the latency vantage's second-long probes) moves
	// it, so the spread is judged only without one.
	if stalledAfter {
		t.Logf("merged analysis: a vantage stalled after its recovery (load average %s): the recovery spread %+v is not judged", loadAvg(), sw.RecoverySpread)
	} else if sp := sw.RecoverySpread; sp.NS == nil || sp.Latest != VantageDNSCache || time.Duration(*sp.NS) < 5*time.Second {
		t.Errorf("merged analysis: recovery spread %+v, want the dns-cache vantage the latest, seconds after the earliest", sp)
	}
}
