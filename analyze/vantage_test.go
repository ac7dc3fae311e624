package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// vantageT0 is the servers' clock at the start of every vantage's run.
var vantageT0 = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

// vantageRun is one vantage's recording of a switchover that made its
// writes and reads unavailable from +20 s on the servers' clock for down.
// Its own clock is skew ahead of the servers' (its probes are dated on
// it: their server_time column reads skew less than the midpoint of their
// statement); noServerTime leaves that column empty.
type vantageRun struct {
	id, vantage, switchoverID, endpoint string
	down, skew                          time.Duration
	noServerTime                        bool
	// neverRecovers ends the run in its outage
	neverRecovers bool
	// at shifts the run's start on the servers' clock (another day's run)
	at time.Duration
	// writeHole drops the write rows of the 3 s from 5 s into the run:
	// time without data, so the write downtime is unknown
	writeHole bool
}

// write writes the run as out/run=<id>/ with the vantage's run.json.
func (v vantageRun) write(t *testing.T, out string) {
	t.Helper()
	r := &synth.Run{
		ID: v.id, Interval: 100 * time.Millisecond, Start: vantageT0.Add(v.at + v.skew),
		Kinds: []string{store.KindWrite, store.KindRead}, Conns: []string{store.ConnNew},
		Phases: []synth.Phase{
			{State: synth.Healthy, Duration: 20 * time.Second},
			{State: synth.Unavailable, Duration: v.down, Class: store.ClassRefused},
			{State: synth.Healthy, Duration: 20 * time.Second, Server: 1},
		},
		Seed: 7, Vantage: v.vantage, SwitchoverID: v.switchoverID,
	}
	if v.down == 0 {
		r.Phases = r.Phases[:1]
		r.Phases[0].Duration = 45 * time.Second
	}
	if v.neverRecovers {
		r.Phases = r.Phases[:2]
	}
	rows, truth := r.Probes()
	if v.writeHole {
		rows = cutRows(rows, store.KindWrite, 5*time.Second, 8*time.Second)
	}
	if !v.noServerTime {
		synth.ServerTimes(rows, v.skew)
	}
	dir, err := r.WriteRows(out, rows, truth, synth.WriteOptions{NoEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	if v.endpoint == "" {
		return
	}
	info, err := store.ReadRunInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	info.Settings["write_endpoint"] = map[string]any{"host": v.endpoint, "port": 5432, "database": "app", "hosts": []string{v.endpoint + ":5432"}}
	if err := store.WriteRunInfo(dir, info); err != nil {
		t.Fatal(err)
	}
}

// analyzeVantages writes the runs into one folder and analyzes it the way
// "switchwatch analyze DIR" does by default (no per-run details asked).
func analyzeVantages(t *testing.T, runs ...vantageRun) *Summary {
	t.Helper()
	out := t.TempDir()
	for _, v := range runs {
		v.write(t, out)
	}
	sum, err := Analyze(context.Background(), []string{out}, Options{GroupsOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Runs) != len(runs) {
		t.Fatalf("got %d runs, want %d", len(sum.Runs), len(runs))
	}
	return sum
}

func vantageNamed(t *testing.T, sw *result.Switchover, name string) *result.VantageResult {
	t.Helper()
	v := sw.Vantage(name)
	if v == nil {
		t.Fatalf("no vantage %q in %+v", name, sw.Vantages)
	}
	return v
}

// TestVantagesOnTheServersClock: three vantages of one switchover; zone-b
// recovers 3 s later than the others, zone-c's clock is 1.5 s ahead of the
// servers'. On the servers' clock all three failed at once (zone-c's first
// error within the resolution of the others', though its own clock dates it
// 1.5 s later), the recovery spread is 3 s ± its resolution, and zone-b is
// named the latest. The summary survives its JSON round trip.
func TestVantagesOnTheServersClock(t *testing.T) {
	sum := analyzeVantages(t,
		vantageRun{id: "a", vantage: "zone-a", switchoverID: "sw-1", endpoint: "db", down: 4 * time.Second},
		vantageRun{id: "b", vantage: "zone-b", switchoverID: "sw-1", endpoint: "db", down: 7 * time.Second},
		vantageRun{id: "c", vantage: "zone-c", switchoverID: "sw-1", endpoint: "db", down: 4 * time.Second, skew: 1500 * time.Millisecond},
	)
	if len(sum.Switchovers) != 1 {
		t.Fatalf("got %d switchovers, want 1: %+v", len(sum.Switchovers), sum.Switchovers)
	}
	sw := &sum.Switchovers[0]
	if sw.ID != "sw-1" || sw.GroupedBy != result.GroupedBySwitchoverID || len(sw.Vantages) != 3 || sw.WriteEndpoint != "db:5432/app" {
		t.Fatalf("switchover %q grouped by %q, endpoint %q, %d vantages; want sw-1 by switchover_id, db:5432/app, 3", sw.ID, sw.GroupedBy, sw.WriteEndpoint, len(sw.Vantages))
	}
	a, c := vantageNamed(t, sw, "zone-a"), vantageNamed(t, sw, "zone-c")
	for _, v := range sw.Vantages {
		if v.Clock != result.VantageClockServers || v.FirstError == nil || v.Recovery == nil || !v.Outage {
			t.Fatalf("vantage %s: clock %q, first error %v, recovery %v; want on the servers' clock with both", v.Vantage, v.Clock, v.FirstError, v.Recovery)
		}
		if v.WriteDowntime == nil || v.WriteDowntime.Unknown {
			t.Errorf("vantage %s: write downtime %v, want measured", v.Vantage, v.WriteDowntime)
		}
	}
	if off := time.Duration(c.OffsetNS); off < -1501*time.Millisecond || off > -1499*time.Millisecond {
		t.Errorf("zone-c offset %v, want -1.5 s", off)
	}
	// on its own clock zone-c failed 1.5 s after zone-a: the raw times differ
	var rawC time.Time
	for _, r := range sum.Runs {
		if r.Vantage == "zone-c" {
			rawC = *r.Metrics.FirstError
		}
	}
	if d := rawC.Sub(a.FirstError.Time); d < 1400*time.Millisecond {
		t.Fatalf("zone-c's own first error only %v after zone-a's: the test's skew is not in the data", d)
	}
	gap := c.FirstError.Time.Sub(a.FirstError.Time).Abs()
	res := time.Duration(a.FirstError.ResolutionNS + c.FirstError.ResolutionNS + a.OffsetUncertaintyNS + c.OffsetUncertaintyNS)
	if gap > res {
		t.Errorf("on the servers' clock zone-c failed %v from zone-a, more than the resolution %v", gap, res)
	}
	fe := sw.FirstErrorSpread
	if fe.NS == nil || time.Duration(*fe.NS) > time.Duration(fe.ResolutionNS) || fe.Vantages != 3 {
		t.Errorf("first error spread %v ± %v over %d vantages, want within its resolution over 3", fe.NS, fe.ResolutionNS, fe.Vantages)
	}
	rs := sw.RecoverySpread
	for _, v := range sw.Vantages {
		t.Logf("%s: offset %v ± %v, first error %v ± %v, recovery %v ± %v", v.Vantage, time.Duration(v.OffsetNS), time.Duration(v.OffsetUncertaintyNS),
			v.FirstError.Time.Sub(*sw.Reference), time.Duration(v.FirstError.ResolutionNS), v.Recovery.Time.Sub(*sw.Reference), time.Duration(v.Recovery.ResolutionNS))
	}
	if rs.NS == nil {
		t.Fatalf("recovery spread unknown: %+v", rs)
	}
	if d := time.Duration(*rs.NS) - 3*time.Second; d.Abs() > time.Duration(rs.ResolutionNS) || rs.ResolutionNS <= 0 || rs.ResolutionNS > int64(time.Second) {
		t.Errorf("recovery spread %v ± %v, want 3 s within a resolution under 1 s", time.Duration(*rs.NS), time.Duration(rs.ResolutionNS))
	}
	if rs.Latest != "zone-b" || rs.Earliest == "zone-b" || rs.Earliest == "" {
		t.Errorf("recovery earliest %q, latest %q; want zone-b latest", rs.Earliest, rs.Latest)
	}
	if sw.Reference == nil || sw.From.After(*sw.Reference) || !sw.To.After(vantageNamed(t, sw, "zone-b").Recovery.Time) {
		t.Errorf("reference %v, window %v to %v: want the window around every outage", sw.Reference, sw.From, sw.To)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sum); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Switchovers) != 1 || back.Switchovers[0].RecoverySpread.NS == nil || *back.Switchovers[0].RecoverySpread.NS != *rs.NS ||
		len(back.Switchovers[0].Vantages[0].Phases) != len(sw.Vantages[0].Phases) || back.Schema != result.SummarySchema {
		t.Errorf("summary.json lost the switchover: %+v", back.Switchovers)
	}
}

// TestVantageWithoutServerTime: a vantage whose probes never read the
// servers' clock keeps its own clock, is marked so and left out of the
// spreads; a vantage that never failed shows no outage, not a first error
// at 0.
func TestVantageWithoutServerTime(t *testing.T) {
	sum := analyzeVantages(t,
		vantageRun{id: "a", vantage: "zone-a", switchoverID: "sw-2", down: 4 * time.Second},
		vantageRun{id: "b", vantage: "zone-b", switchoverID: "sw-2", down: 7 * time.Second},
		vantageRun{id: "c", vantage: "zone-c", switchoverID: "sw-2", down: 4 * time.Second, noServerTime: true},
		vantageRun{id: "d", vantage: "zone-d", switchoverID: "sw-2"},
	)
	if len(sum.Switchovers) != 1 {
		t.Fatalf("got %d switchovers, want 1", len(sum.Switchovers))
	}
	sw := &sum.Switchovers[0]
	c := vantageNamed(t, sw, "zone-c")
	if c.Clock != result.VantageClockOwn || c.ClockOffset != nil || c.OffsetNS != 0 || c.FirstError == nil {
		t.Errorf("zone-c: clock %q offset %v, first error %v; want its own clock, no offset, its first error", c.Clock, c.ClockOffset, c.FirstError)
	}
	d := vantageNamed(t, sw, "zone-d")
	if d.Outage || d.FirstError != nil || d.Recovery != nil {
		t.Errorf("zone-d never failed: outage %v, first error %v, recovery %v", d.Outage, d.FirstError, d.Recovery)
	}
	for _, s := range []result.Spread{sw.FirstErrorSpread, sw.RecoverySpread} {
		if s.Vantages != 2 || s.NS == nil {
			t.Errorf("spread over %d vantages (%v), want zone-a and zone-b", s.Vantages, s.NS)
		}
		why := map[string]string{}
		for _, l := range s.LeftOut {
			why[l.Vantage] = l.Why
		}
		if why["zone-c"] != result.WhyOwnClock || why["zone-d"] != result.WhyNoOutage {
			t.Errorf("left out %v, want zone-c for its own clock and zone-d for no outage", s.LeftOut)
		}
	}
	if *sw.FirstErrorSpread.NS > sw.FirstErrorSpread.ResolutionNS {
		t.Errorf("first error spread %v, want within %v", *sw.FirstErrorSpread.NS, sw.FirstErrorSpread.ResolutionNS)
	}
	if sw.Vantages[len(sw.Vantages)-1].Vantage != "zone-d" {
		t.Errorf("the vantage without an outage is not last: %v", sw.Vantages)
	}
}

// TestVantagesNotGrouped: two runs of one vantage are not two vantages,
// and runs of different switchover ids are different switchovers, even on
// the same endpoint at the same time.
func TestVantagesNotGrouped(t *testing.T) {
	sum := analyzeVantages(t,
		vantageRun{id: "a1", vantage: "zone-a", switchoverID: "sw-3", endpoint: "db", down: 4 * time.Second},
		vantageRun{id: "a2", vantage: "zone-a", switchoverID: "sw-3", endpoint: "db", down: 5 * time.Second},
		vantageRun{id: "b", vantage: "zone-b", switchoverID: "sw-4", endpoint: "db", down: 4 * time.Second},
	)
	if len(sum.Switchovers) != 0 {
		t.Errorf("got switchovers %+v, want none", sum.Switchovers)
	}
	for _, r := range sum.Runs {
		if r.Metrics.ClockOffset != nil {
			t.Errorf("run %s: clock offset read though no two vantages share a switchover (the default output reads none)", r.RunID)
		}
	}
}

// TestVantagesGroupedByEndpoint: without switchover ids, runs on the same
// write endpoint whose times overlap are one switchover; the same
// endpoint's run an hour later, and another endpoint's, are not in it.
func TestVantagesGroupedByEndpoint(t *testing.T) {
	sum := analyzeVantages(t,
		vantageRun{id: "a", vantage: "zone-a", endpoint: "db", down: 4 * time.Second},
		vantageRun{id: "b", vantage: "zone-b", endpoint: "db", down: 7 * time.Second},
		vantageRun{id: "c", vantage: "zone-c", endpoint: "db", down: 4 * time.Second, at: time.Hour},
		vantageRun{id: "d", vantage: "zone-d", endpoint: "other", down: 4 * time.Second},
	)
	if len(sum.Switchovers) != 1 {
		t.Fatalf("got %d switchovers, want 1: %+v", len(sum.Switchovers), sum.Switchovers)
	}
	sw := &sum.Switchovers[0]
	if sw.GroupedBy != result.GroupedByWriteEndpoint || sw.ID != "" || len(sw.Vantages) != 2 ||
		sw.Vantages[0].Vantage != "zone-a" || sw.Vantages[1].Vantage != "zone-b" {
		t.Fatalf("grouped by %q (id %q): %+v; want zone-a and zone-b by write_endpoint", sw.GroupedBy, sw.ID, sw.Vantages)
	}
	if rs := sw.RecoverySpread; rs.NS == nil || rs.Latest != "zone-b" {
		t.Errorf("recovery spread %+v, want zone-b latest", rs)
	}
}

// TestVantagesCombined: each host analyzed its own run into a summary
// (analyze -o DIR, clock offsets and all);
// "switchwatch report a/summary.json b/summary.json" (Combine) puts the
// vantages side by side all the same.
func TestVantagesCombined(t *testing.T) {
	var named []Named
	for _, v := range []vantageRun{
		{id: "a", vantage: "zone-a", switchoverID: "sw-5", down: 4 * time.Second},
		{id: "b", vantage: "zone-b", switchoverID: "sw-5", down: 7 * time.Second, skew: -2 * time.Second},
	} {
		out := t.TempDir()
		v.write(t, out)
		sum, err := Analyze(context.Background(), []string{out}, Options{}) // analyze -o DIR: per-run details, clock offsets
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Switchovers) != 0 {
			t.Fatalf("one vantage alone made a switchover: %+v", sum.Switchovers)
		}
		named = append(named, Named{Name: v.vantage, Sum: sum})
	}
	sum, err := Combine(named)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Switchovers) != 1 {
		t.Fatalf("got %d switchovers, want 1", len(sum.Switchovers))
	}
	rs := sum.Switchovers[0].RecoverySpread
	if rs.NS == nil || rs.Latest != "zone-b" || (time.Duration(*rs.NS)-3*time.Second).Abs() > time.Duration(rs.ResolutionNS) {
		t.Errorf("recovery spread %+v, want zone-b 3 s later", rs)
	}
}

// TestVantageNotRecovered: a vantage whose run ended in its outage makes
// the recovery spread unknown (null), not the spread of the others; the
// first error spread is still known.
func TestVantageNotRecovered(t *testing.T) {
	sum := analyzeVantages(t,
		vantageRun{id: "a", vantage: "zone-a", switchoverID: "sw-6", down: 4 * time.Second},
		vantageRun{id: "b", vantage: "zone-b", switchoverID: "sw-6", down: 7 * time.Second},
		vantageRun{id: "c", vantage: "zone-c", switchoverID: "sw-6", down: 4 * time.Second, neverRecovers: true},
	)
	if len(sum.Switchovers) != 1 {
		t.Fatalf("got %d switchovers, want 1", len(sum.Switchovers))
	}
	sw := &sum.Switchovers[0]
	c := vantageNamed(t, sw, "zone-c")
	if c.Recovered || c.Recovery != nil || !c.Outage || c.FirstError == nil {
		t.Fatalf("zone-c: recovered %v, recovery %v, outage %v, first error %v; want an outage without recovery", c.Recovered, c.Recovery, c.Outage, c.FirstError)
	}
	if rs := sw.RecoverySpread; rs.NS != nil || len(rs.LeftOut) != 1 || rs.LeftOut[0].Why != result.WhyNotRecovered {
		t.Errorf("recovery spread %+v, want unknown because zone-c did not recover", rs)
	}
	if fe := sw.FirstErrorSpread; fe.NS == nil || fe.Vantages != 3 {
		t.Errorf("first error spread %+v, want known over 3 vantages", fe)
	}
}

// TestVantageDowntimeUnknown: a vantage whose write streams have time
// without data has an unknown write downtime, not "no writes": it says
// why and keeps its known part, in memory and after summary.json's round
// trip (where a nil WriteDowntime alone could not tell the two apart).
func TestVantageDowntimeUnknown(t *testing.T) {
	sum := analyzeVantages(t,
		vantageRun{id: "a", vantage: "zone-a", switchoverID: "sw-1", down: 4 * time.Second},
		vantageRun{id: "b", vantage: "zone-b", switchoverID: "sw-1", down: 4 * time.Second, writeHole: true},
	)
	if len(sum.Switchovers) != 1 {
		t.Fatalf("got %d switchovers, want 1", len(sum.Switchovers))
	}
	check := func(when string, sw *result.Switchover) {
		a, b := vantageNamed(t, sw, "zone-a"), vantageNamed(t, sw, "zone-b")
		if a.WriteDowntime == nil || a.WriteDowntimeUnknown != "" {
			t.Errorf("%s: zone-a's write downtime %+v (unknown %q): want known", when, a.WriteDowntime, a.WriteDowntimeUnknown)
		}
		if b.WriteDowntime != nil || !strings.Contains(b.WriteDowntimeUnknown, "without data") || b.KnownWriteDowntime == nil ||
			b.KnownWriteDowntime.NS != a.WriteDowntime.NS {
			t.Errorf("%s: zone-b's write downtime %+v, unknown %q, known %+v: want unknown (time without data), known %v",
				when, b.WriteDowntime, b.WriteDowntimeUnknown, b.KnownWriteDowntime, a.WriteDowntime)
		}
	}
	check("analyzed", &sum.Switchovers[0])
	data, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	var back Summary
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	check("read back", &back.Switchovers[0])
}

// TestGroupByVantage: two switchovers, each seen from zone-a and zone-b,
// zone-b's outage 3 s longer every time. By default the four runs are one
// group, the vantages counted as repeats; --by vantage (ByVantage) makes a
// group per host with the two switchovers as its runs, and the comparison
// of the two groups sees zone-b's longer outage. Runs that name neither
// a vantage nor the host that recorded them cannot be grouped by one
// (ErrUnknownLabel, saying why).
func TestGroupByVantage(t *testing.T) {
	out := t.TempDir()
	for _, v := range []vantageRun{
		{id: "a1", vantage: "zone-a", switchoverID: "sw-1", down: 4 * time.Second},
		{id: "b1", vantage: "zone-b", switchoverID: "sw-1", down: 7 * time.Second},
		{id: "a2", vantage: "zone-a", switchoverID: "sw-2", down: 5 * time.Second, at: time.Hour},
		{id: "b2", vantage: "zone-b", switchoverID: "sw-2", down: 8 * time.Second, at: time.Hour},
	} {
		v.write(t, out)
	}
	sum, err := Analyze(context.Background(), []string{out}, Options{GroupsOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Groups) != 1 || len(sum.Groups[0].Runs) != 4 || len(sum.Switchovers) != 2 {
		t.Fatalf("default: %d groups (%+v), %d switchovers; want one group of 4 runs and 2 switchovers", len(sum.Groups), sum.Groups, len(sum.Switchovers))
	}
	sum, err = Analyze(context.Background(), []string{out}, Options{GroupsOnly: true, By: []string{ByVantage}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Groups) != 2 {
		t.Fatalf("--by vantage: %d groups, want 2: %+v", len(sum.Groups), sum.Groups)
	}
	for i, want := range []struct {
		key, vantage string
		runs         []string
	}{{"vantage=zone-a", "zone-a", []string{"a1", "a2"}}, {"vantage=zone-b", "zone-b", []string{"b1", "b2"}}} {
		g := sum.Groups[i]
		runs := slices.Sorted(slices.Values(g.Runs))
		if g.Key != want.key || g.Labels[ByVantage] != want.vantage || !slices.Equal(runs, want.runs) {
			t.Errorf("group %d: key %q, labels %v, runs %v; want %q with runs %v", i, g.Key, g.Labels, runs, want.key, want.runs)
		}
	}
	if len(sum.Switchovers) != 2 {
		t.Errorf("--by vantage: %d switchovers, want the same 2", len(sum.Switchovers))
	}
	var found bool
	for _, c := range sum.Comparisons {
		if c.Metric != "write_downtime" {
			continue
		}
		found = true
		if c.Baseline != "vantage=zone-a" || c.Group != "vantage=zone-b" || c.Delta < float64(2*time.Second) || c.N1 != 2 || c.N2 != 2 {
			t.Errorf("write_downtime comparison %+v: want zone-b's about 3 s above zone-a's, n 2 and 2", c)
		}
	}
	if !found {
		t.Errorf("no write_downtime comparison between the vantages: %+v", sum.Comparisons)
	}

	// an import without --vantage: no vantage, no recording host
	plain := t.TempDir()
	vantageRun{id: "p", down: 4 * time.Second}.write(t, plain)
	dir := filepath.Join(plain, store.RunDirName("p"))
	info, err := store.ReadRunInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	info.Vantage, info.Host = "", ""
	if err := store.WriteRunInfo(dir, info); err != nil {
		t.Fatal(err)
	}
	_, err = Analyze(context.Background(), []string{plain}, Options{GroupsOnly: true, By: []string{ByVantage}})
	if !errors.Is(err, ErrUnknownLabel) || !strings.Contains(err.Error(), "--vantage") {
		t.Errorf("--by vantage on runs without one: %v; want ErrUnknownLabel naming --vantage", err)
	}
}
