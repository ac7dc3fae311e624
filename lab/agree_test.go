package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/importer"
	"github.com/switchwatch/switchwatch/record/store"
)

// jsonPhase is one phase of a run as the analyzer's JSON summary gives
// it: read from the JSON, not from analyze.Phase, so that the comparison
// reads whichever resolution the summary states for each edge.
type jsonPhase struct {
	Start, End time.Time
	State      string
	Class      string
	// StartRes and EndRes are how well the phase's edges are known
	// (± each): the JSON field start_resolution_ns and end_resolution_ns
	// of the phase where the summary has them (a resolution per edge),
	// else its resolution_ns (one for the run today).
	StartRes, EndRes time.Duration
	// StartLatency and EndLatency are the longest first_latency_ns of a
	// stream segment that begins at the edge: how long the first request
	// after it took, so how much later than the edge the change may lie.
	StartLatency, EndLatency time.Duration
}

func (p jsonPhase) String() string {
	return fmt.Sprintf("%s %s..%s (±%v, ±%v) %s", p.State, p.Start.Format("15:04:05.000"), p.End.Format("15:04:05.000"), p.StartRes, p.EndRes, p.Class)
}

// analyzedPhases analyzes the run folder dir in-process and reads its
// phases back from the JSON summary.
func analyzedPhases(t *testing.T, dir string) []jsonPhase {
	t.Helper()
	sum, err := analyze.Analyze(context.Background(), []string{dir}, analyze.Options{})
	if err != nil {
		t.Fatalf("analyze %s: %v", dir, err)
	}
	data, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Runs []struct {
			Phases  []map[string]any `json:"phases"`
			Streams []struct {
				Segments []struct {
					Start          time.Time `json:"start"`
					FirstLatencyNS int64     `json:"first_latency_ns"`
				} `json:"segments"`
			} `json:"streams"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("analyze %s: %d runs, want 1", dir, len(doc.Runs))
	}
	var out []jsonPhase
	for _, m := range doc.Runs[0].Phases {
		p := jsonPhase{State: str(m["state"]), Class: str(m["error_class"])}
		p.Start, _ = time.Parse(time.RFC3339Nano, str(m["start"]))
		p.End, _ = time.Parse(time.RFC3339Nano, str(m["end"]))
		res := nsField(m, "resolution_ns")
		p.StartRes, p.EndRes = res, res
		if _, ok := m["start_resolution_ns"]; ok {
			p.StartRes = nsField(m, "start_resolution_ns")
		}
		if _, ok := m["end_resolution_ns"]; ok {
			p.EndRes = nsField(m, "end_resolution_ns")
		}
		out = append(out, p)
	}
	// A change may lie up to the latency of the first request after it
	// later than the edge (analyze's Segment.FirstLatencyNS).
	for i := range out {
		for _, st := range doc.Runs[0].Streams {
			for _, g := range st.Segments {
				if g.Start.Sub(out[i].Start).Abs() <= time.Microsecond {
					out[i].StartLatency = max(out[i].StartLatency, time.Duration(g.FirstLatencyNS))
				}
				if g.Start.Sub(out[i].End).Abs() <= time.Microsecond {
					out[i].EndLatency = max(out[i].EndLatency, time.Duration(g.FirstLatencyNS))
				}
			}
		}
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func nsField(m map[string]any, k string) time.Duration {
	f, _ := m[k].(float64)
	return time.Duration(f)
}

// failurePhase says whether a phase state is a failure: read-only,
// error or unavailable (not healthy, stalled, nor a stretch without
// traffic).
func failurePhase(state string) bool {
	return state == string(analyze.PhaseReadOnly) || state == string(analyze.PhaseError) || state == string(analyze.PhaseUnavailable)
}

// failurePhases are the failure phases of ps, in order.
func failurePhases(ps []jsonPhase) []jsonPhase {
	var out []jsonPhase
	for _, p := range ps {
		if failurePhase(p.State) {
			out = append(out, p)
		}
	}
	return out
}

// importTraces imports the run's traces.jsonl alone (no recorder row, no
// event) into a run of its own and returns its folder.
func importTraces(t *testing.T, runDir string) string {
	t.Helper()
	res, err := importer.ImportOTLP(context.Background(), []string{filepath.Join(runDir, TracesFile)},
		importer.OTLPOptions{Options: importer.Options{Out: t.TempDir()}})
	if err != nil {
		t.Fatalf("import %s: %v", TracesFile, err)
	}
	t.Logf("import: %s", res.Summary())
	return res.RunDir
}

// edgeDelta is one failure edge compared: the traces' edge minus the
// recorder's, and the resolutions both state for it.
type edgeDelta struct {
	what           string
	delta          time.Duration
	traces, record time.Duration
	// halfGap is half the gap between the requests either side of the
	// traces' edge in the stream that moved there (0: not found): the
	// resolution of that edge alone, for the log.
	halfGap time.Duration
	at      time.Time // the traces' edge
	// later is the latency of the first request after the edge of the
	// side that places it earlier: the change may lie that much later.
	later time.Duration
}

// runRows is what the comparison needs of a run's rows: the intended
// starts of each stream, in order, and the failures.
type runRows struct {
	starts   map[string][]int64
	failures []failure
}

type failure struct {
	at    time.Time
	class string
}

// readRows reads the rows of a run folder.
func readRows(t *testing.T, dir string) runRows {
	t.Helper()
	rows := runRows{starts: map[string][]int64{}}
	if err := store.ReadRun(dir, func(p *store.Probe) error {
		rows.starts[p.Stream()] = append(rows.starts[p.Stream()], p.Intended)
		if p.Failed() {
			rows.failures = append(rows.failures, failure{at: time.Unix(0, p.Intended), class: p.ErrorClass})
		}
		return nil
	}, func(s store.SkippedFile) { t.Errorf("skipped %s: %s", s.Path, s.Reason) }); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows.starts {
		slices.Sort(r)
	}
	return rows
}

// classesIn is the sorted set of the error classes of the failures in
// [from, to].
func (r runRows) classesIn(from, to time.Time) []string {
	var out []string
	for _, f := range r.failures {
		if !f.at.Before(from) && !f.at.After(to) && !slices.Contains(out, f.class) {
			out = append(out, f.class)
		}
	}
	slices.Sort(out)
	return out
}

// halfGapAt is half the gap between the two consecutive rows of a stream
// whose midpoint is at (the analyzer places a closed-loop edge there),
// the smallest over the streams that have one; 0 when none has.
func halfGapAt(rows map[string][]int64, at time.Time) time.Duration {
	best := time.Duration(0)
	for _, r := range rows {
		for i := 1; i < len(r); i++ {
			if mid := r[i-1] + (r[i]-r[i-1])/2; (time.Duration(mid - at.UnixNano())).Abs() <= time.Microsecond {
				if h := time.Duration(r[i]-r[i-1]) / 2; best == 0 || h < best {
					best = h
				}
			}
		}
	}
	return best
}

// assertPhasesAgree checks that the phases of the imported traces alone
// agree with the recorder's phases of the same switchover: the same
// failure phases in the same order; the same failure classes: the class
// the recorder gives each failure phase is one the application's
// requests failed with in that phase (the application sees more: its
// pooled connections are ended by the server, 57P01, shutdown, where the
// recorder's new connections meet the reset; a closed-loop edge placed
// midway can leave a phase of a few ms holding no request, whose class is
// unknown, so each phase is looked at to its edges' resolution); and
// every failure edge (each failure phase's start and end) of the traces
// within the traces' stated resolution of that edge plus the recorder's
// own: each places the change within ± its resolution, and up to the
// latency of the first request after the edge later (as analyze --truth
// allows, BoundaryError.LatencyNS: a probe that waited 400 ms for a login
// started before the promotion ended and succeeded after it), and the
// two agree when those intervals meet. It logs every edge's delta and
// resolutions and returns them.
func assertPhasesAgree(t *testing.T, recorder, traces []jsonPhase, rows runRows) []edgeDelta {
	t.Helper()
	rf, tf := failurePhases(recorder), failurePhases(traces)
	for _, p := range recorder {
		t.Logf("recorder: %v", p)
	}
	for _, p := range traces {
		t.Logf("traces:   %v", p)
	}
	rf, tf = pairPhases(t, rf, tf)
	if states(rf) != states(tf) {
		t.Fatalf("failure phases differ: recorder %s, traces %s", states(rf), states(tf))
	}
	var out []edgeDelta
	for i := range rf {
		r, tr := rf[i], tf[i]
		seen := rows.classesIn(tr.Start.Add(-tr.StartRes), tr.End.Add(tr.EndRes))
		t.Logf("phase %d (%s): class %q in the recorder's, %q in the traces', whose requests failed there with %v", i, r.State, r.Class, tr.Class, seen)
		if r.Class != "" && !slices.Contains(seen, r.Class) {
			t.Errorf("phase %d (%s): the recorder's class %q is none of the classes the traces' requests failed with there, %v", i, r.State, r.Class, seen)
		}
		for _, e := range []edgeDelta{
			{what: r.State + " start", delta: tr.Start.Sub(r.Start), traces: tr.StartRes, record: r.StartRes, at: tr.Start,
				later: pick(tr.Start.After(r.Start), r.StartLatency, tr.StartLatency)},
			{what: r.State + " end", delta: tr.End.Sub(r.End), traces: tr.EndRes, record: r.EndRes, at: tr.End,
				later: pick(tr.End.After(r.End), r.EndLatency, tr.EndLatency)},
		} {
			e.halfGap = halfGapAt(rows.starts, e.at)
			t.Logf("edge %-22s traces - recorder %+8.1f ms; resolution traces ±%.1f ms, recorder ±%.1f ms, first request after the earlier edge took %.1f ms; half the gap between the traces' requests either side %.1f ms",
				e.what, ms(e.delta), ms(e.traces), ms(e.record), ms(e.later), ms(e.halfGap))
			if e.delta.Abs() > e.traces+e.record+e.later {
				t.Errorf("edge %s: the traces place it %v from the recorder, beyond ±(%v + %v) + %v", e.what, e.delta, e.traces, e.record, e.later)
			}
			out = append(out, e)
		}
	}
	return out
}

// pick is a when cond, else b.
func pick(cond bool, a, b time.Duration) time.Duration {
	if cond {
		return a
	}
	return b
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// TestPhasesAgreeOnRun compares, offline, the phases of a kept lab run
// (SWITCHWATCH_AGREE_RUN: a run folder of "lab run --traces") with those
// of its traces.jsonl imported alone, as the traces tests do.
func TestPhasesAgreeOnRun(t *testing.T) {
	dir := os.Getenv("SWITCHWATCH_AGREE_RUN")
	if dir == "" {
		t.Skip("SWITCHWATCH_AGREE_RUN names no run folder of lab run --traces")
	}
	imported := importTraces(t, dir)
	assertPhasesAgree(t, analyzedPhases(t, dir), analyzedPhases(t, imported), readRows(t, imported))
}

// pairPhases drops from either list a failure phase the other side
// cannot be expected to see: one of another state than the other side's
// phase at its place, whose shortest possible length (its length less its
// own two edges' resolution: a phase of one probe may have lasted no time
// at all) is no longer than the other side's resolution at its two edges
// together, the gap its requests could leave (a 100 ms read-only moment
// before a blackhole falls between two requests 200 ms apart, as analyze's
// TooShort says of probes; in CI the recorder's one read-only probe,
// 129 ms ± 200 ms, fell between two of the traces' requests 121 ms
// apart). Each one dropped is logged; what remains is compared in order.
func pairPhases(t *testing.T, rf, tf []jsonPhase) ([]jsonPhase, []jsonPhase) {
	t.Helper()
	var r2, t2 []jsonPhase
	i, j := 0, 0
	tooShort := func(p jsonPhase, other []jsonPhase, k int) bool {
		res := 2 * max(p.StartRes, p.EndRes)
		if k < len(other) {
			res = other[k].StartRes + other[k].EndRes
		}
		shortest := max(0, p.End.Sub(p.Start)-p.StartRes-p.EndRes)
		return shortest <= res
	}
	for i < len(rf) || j < len(tf) {
		switch {
		case i < len(rf) && j < len(tf) && rf[i].State == tf[j].State:
			r2, t2 = append(r2, rf[i]), append(t2, tf[j])
			i, j = i+1, j+1
		case i < len(rf) && tooShort(rf[i], tf, j) && (j >= len(tf) || !rf[i].End.After(tf[j].End)):
			t.Logf("the recorder's %v is too short for the traces to see: left out", rf[i])
			i++
		case j < len(tf) && tooShort(tf[j], rf, i):
			t.Logf("the traces' %v is too short for the recorder to see: left out", tf[j])
			j++
		case i < len(rf) && tooShort(rf[i], tf, j):
			t.Logf("the recorder's %v is too short for the traces to see: left out", rf[i])
			i++
		default:
			// Unpaired and long: compared as they are, and found to differ.
			return append(r2, rf[i:]...), append(t2, tf[j:]...)
		}
	}
	return r2, t2
}

func states(ps []jsonPhase) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.State)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// assertNoOutageIn checks that no failure phase of the traces' analysis
// overlaps [from, to), a stretch in which the application sent nothing
// while the database was healthy; and that when the analysis has
// no_traffic phases, one covers the stretch (to its edges' resolution).
func assertNoOutageIn(t reporter, traces []jsonPhase, from, to time.Time) {
	t.Helper()
	covered, noTraffic := false, false
	for _, p := range traces {
		if p.State == "no_traffic" {
			noTraffic = true
		}
		if !p.Start.Before(to) || !p.End.After(from) {
			continue
		}
		t.Logf("in the quiet window %v..%v: %v", from.Format("15:04:05.000"), to.Format("15:04:05.000"), p)
		if failurePhase(p.State) {
			t.Errorf("the traces' %v overlaps the quiet window %v..%v", p, from.Format("15:04:05.000"), to.Format("15:04:05.000"))
		}
		// Its edges are known to their resolution, as every phase's.
		if p.State == "no_traffic" && !p.Start.After(from.Add(p.StartRes)) && !p.End.Before(to.Add(-p.EndRes)) {
			covered = true
		}
	}
	if noTraffic && !covered {
		t.Errorf("the analysis has no_traffic phases, but none covers the quiet window %v..%v", from.Format("15:04:05.000"), to.Format("15:04:05.000"))
	}
}

// TestPairPhases: a failure phase that may have been shorter than the
// other side's resolution there is left out; a long one is kept, so the
// lists differ.
func TestPairPhases(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
	ph := func(state string, from, to, res time.Duration) jsonPhase {
		return jsonPhase{State: state, Start: t0.Add(from), End: t0.Add(to), StartRes: res, EndRes: res}
	}
	const ms = time.Millisecond
	rec := []jsonPhase{ph("read_only", 0, 100*ms, 200*ms), ph("unavailable", 100*ms, 4000*ms, 200*ms), ph("read_only", 4000*ms, 9000*ms, 200*ms)}
	tr := []jsonPhase{ph("unavailable", 110*ms, 3900*ms, 150*ms), ph("read_only", 3900*ms, 9100*ms, 150*ms)}
	r2, t2 := pairPhases(t, rec, tr)
	if states(r2) != "[unavailable read_only]" || states(t2) != "[unavailable read_only]" {
		t.Errorf("paired %s and %s, want [unavailable read_only] both", states(r2), states(t2))
	}
	// The same read-only phase at 1 s long is no blip: it stays.
	rec[0].End, rec[1].Start = t0.Add(time.Second), t0.Add(time.Second)
	r2, t2 = pairPhases(t, rec, tr)
	if states(r2) == states(t2) {
		t.Errorf("a 1 s read-only phase was left out: %s, %s", states(r2), states(t2))
	}
	// A blip of the traces' own is left out too.
	tr2 := append([]jsonPhase{ph("error", 0, 50*ms, 150*ms)}, tr...)
	r2, t2 = pairPhases(t, rec[1:], tr2)
	if states(r2) != states(t2) {
		t.Errorf("paired %s and %s", states(r2), states(t2))
	}
	// CI's case: the recorder's one read-only probe, 129 ms ± 200 ms, at
	// the start of the traces' outage, whose requests were 121 ms apart
	// there: the traces need not have seen it. At 600 ms it is seen.
	rec3 := []jsonPhase{ph("read_only", 0, 129*ms, 200*ms), ph("unavailable", 129*ms, 1129*ms, 200*ms)}
	tr3 := []jsonPhase{{State: "unavailable", Start: t0.Add(27 * ms), End: t0.Add(1170 * ms), StartRes: 76 * ms, EndRes: 45 * ms}}
	if r2, t2 = pairPhases(t, rec3, tr3); states(r2) != "[unavailable]" || states(t2) != "[unavailable]" {
		t.Errorf("paired %s and %s, want [unavailable] both", states(r2), states(t2))
	}
	rec3[0].End, rec3[1].Start = t0.Add(600*ms+400*ms), t0.Add(1000*ms)
	if r2, t2 = pairPhases(t, rec3, tr3); states(r2) == states(t2) {
		t.Errorf("a read-only phase of at least 600 ms was left out: %s, %s", states(r2), states(t2))
	}
}

// TestAssertNoOutageIn: the quiet-window check fails on a failure phase
// in the window and on no_traffic phases that leave it uncovered.
func TestAssertNoOutageIn(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
	ph := func(state string, from, to time.Duration) jsonPhase {
		return jsonPhase{State: state, Start: t0.Add(from), End: t0.Add(to), StartRes: 100 * time.Millisecond, EndRes: 100 * time.Millisecond}
	}
	from, to := t0.Add(10*time.Second), t0.Add(20*time.Second)
	for _, c := range []struct {
		name   string
		phases []jsonPhase
		fails  bool
	}{
		{"healthy through it", []jsonPhase{ph("healthy", 0, 30*time.Second)}, false},
		{"no traffic over it, edges within resolution", []jsonPhase{ph("healthy", 0, 10050*time.Millisecond),
			ph("no_traffic", 10050*time.Millisecond, 19950*time.Millisecond), ph("healthy", 19950*time.Millisecond, 30*time.Second)}, false},
		{"unavailable in it", []jsonPhase{ph("healthy", 0, 15*time.Second), ph("unavailable", 15*time.Second, 16*time.Second),
			ph("healthy", 16*time.Second, 30*time.Second)}, true},
		{"no traffic elsewhere only", []jsonPhase{ph("no_traffic", 0, 5*time.Second), ph("healthy", 5*time.Second, 30*time.Second)}, true},
	} {
		r := &recorded{}
		assertNoOutageIn(r, c.phases, from, to)
		if (len(r.errors) > 0) != c.fails {
			t.Errorf("%s: errors %q, want some: %v", c.name, r.errors, c.fails)
		}
	}
}

// reporter is what the assertions need of a *testing.T.
type reporter interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
}

// recorded is a reporter that keeps the errors, to test an assertion.
type recorded struct{ errors []string }

func (r *recorded) Helper()             {}
func (r *recorded) Logf(string, ...any) {}
func (r *recorded) Errorf(format string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, a...))
}
