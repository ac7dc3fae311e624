package analyze

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

func simple(id string, phases ...synth.Phase) *synth.Run {
	return &synth.Run{ID: id, Interval: 100 * time.Millisecond, Phases: phases, Seed: 7}
}

func TestNeverFails(t *testing.T) {
	sum, truth := analyzeOne(t, simple("calm", synth.Phase{State: synth.Healthy, Duration: 10 * time.Second}), Options{})
	run := &sum.Runs[0]
	checkPhases(t, run, truth)
	m := run.Metrics
	if m.Outages != 0 || !m.Recovered || m.FirstError != nil || m.Recovery != nil || m.WriteDowntime.NS != 0 || m.FailedProbes != 0 {
		t.Errorf("metrics of a calm run: %+v", m)
	}
	if got := run.Phases[0].DurationNS; got != int64(10*time.Second) {
		t.Errorf("healthy phase lasts %v, want 10s (100 slots of 100ms)", time.Duration(got))
	}
	if m.Latency[store.KindWrite].Before.Count != 100 || m.Latency[store.KindWrite].During.Count != 0 {
		t.Errorf("latency %+v", m.Latency[store.KindWrite])
	}
}

func TestNeverRecovers(t *testing.T) {
	sum, truth := analyzeOne(t, simple("dead",
		synth.Phase{State: synth.Healthy, Duration: 5 * time.Second},
		synth.Phase{State: synth.Unavailable, Duration: 5 * time.Second, Class: store.ClassRefused}), Options{})
	run := &sum.Runs[0]
	checkPhases(t, run, truth)
	m := run.Metrics
	if m.Recovered || m.Recovery != nil || m.EventToRecovery != nil || m.Outages != 1 {
		t.Errorf("a run that never recovers: recovered %v recovery %v event to recovery %v outages %d", m.Recovered, m.Recovery, m.EventToRecovery, m.Outages)
	}
	near(t, "unavailable", m.UnavailableTime, 5*time.Second, 1)
	if m.FailedByClass[store.ClassRefused] != 100 {
		t.Errorf("refused %d, want 100 (50 slots × 2 streams)", m.FailedByClass[store.ClassRefused])
	}
}

func TestSingleFailedProbe(t *testing.T) {
	r := simple("blip",
		synth.Phase{State: synth.Healthy, Duration: 5 * time.Second},
		synth.Phase{State: synth.Unavailable, Duration: 100 * time.Millisecond, Class: store.ClassReset, Kinds: []string{store.KindWrite}},
		synth.Phase{State: synth.Healthy, Duration: 5 * time.Second})
	sum, truth := analyzeOne(t, r, Options{})
	run := &sum.Runs[0]
	checkPhases(t, run, truth)
	if run.Phases[1].DurationNS != int64(100*time.Millisecond) || run.Phases[1].ErrorClass != store.ClassReset {
		t.Errorf("blip phase %+v", run.Phases[1])
	}
	m := run.Metrics
	if m.FailedProbes != 1 || m.Outages != 1 || m.ReadDowntime.NS != 0 || m.WriteDowntime.NS != int64(100*time.Millisecond) {
		t.Errorf("failed %d outages %d read down %v write down %v", m.FailedProbes, m.Outages, m.ReadDowntime, m.WriteDowntime)
	}
	// phases must not carry a new-server mark: nothing changed
	for _, p := range run.Phases {
		if p.NewServer {
			t.Errorf("phase %d marked new server", p.Index)
		}
	}
}

func TestOnlyReads(t *testing.T) {
	r := simple("reads",
		synth.Phase{State: synth.Healthy, Duration: 3 * time.Second},
		synth.Phase{State: synth.Unavailable, Duration: 2 * time.Second},
		synth.Phase{State: synth.Healthy, Duration: 3 * time.Second, Server: 1})
	r.Kinds = []string{store.KindRead}
	sum, truth := analyzeOne(t, r, Options{})
	run := &sum.Runs[0]
	checkPhases(t, run, truth)
	m := run.Metrics
	if m.WriteDowntime != nil || m.LongestWriteOutage != nil || m.Staleness != nil {
		t.Errorf("write metrics on a read-only run: %v %v %v", m.WriteDowntime, m.LongestWriteOutage, m.Staleness)
	}
	near(t, "read downtime", *m.ReadDowntime, 2*time.Second, 1)
	if !run.Phases[2].NewServer {
		t.Errorf("new server not seen by reads")
	}
}

// Read-only means writes fail read-only while reads succeed: when reads
// are unavailable at the same time the run is unavailable.
func TestReadOnlyNeedsWorkingReads(t *testing.T) {
	r := simple("ro",
		synth.Phase{State: synth.Healthy, Duration: 2 * time.Second},
		synth.Phase{State: synth.ReadOnly, Duration: 2 * time.Second},
		synth.Phase{State: synth.Unavailable, Duration: 2 * time.Second, Kinds: []string{store.KindRead}},
		synth.Phase{State: synth.Healthy, Duration: 2 * time.Second})
	sum, truth := analyzeOne(t, r, Options{})
	run := &sum.Runs[0]
	checkPhases(t, run, truth)
	near(t, "read-only", run.Metrics.ReadOnlyTime, 2*time.Second, 1)
	near(t, "write downtime", *run.Metrics.WriteDowntime, 2*time.Second, 1)
	if run.Metrics.Outages != 1 {
		t.Errorf("%d outages, want 1: read-only then unavailable is one window", run.Metrics.Outages)
	}
}

// rows of the Aurora run, altered by f, must give the same phases.
func alteredRun(t *testing.T, f func([]store.Probe) []store.Probe, opt synth.WriteOptions) (*RunResult, synth.Truth) {
	t.Helper()
	r := aurora("altered")
	rows, truth := r.Probes()
	rows = f(rows)
	dir, err := r.WriteRows(t.TempDir(), rows, truth, opt)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Analyze(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &sum.Runs[0], truth
}

func TestOutOfOrderRows(t *testing.T) {
	run, truth := alteredRun(t, func(rows []store.Probe) []store.Probe {
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		return rows
	}, synth.WriteOptions{SegmentRows: 97})
	checkPhases(t, run, truth)
	var ooo int64
	for _, s := range run.Streams {
		ooo += s.OutOfOrder
	}
	if ooo == 0 {
		t.Errorf("shuffled rows counted as in order")
	}
	if run.Duplicates != 0 {
		t.Errorf("%d duplicates in shuffled rows", run.Duplicates)
	}
}

func TestDuplicateRows(t *testing.T) {
	dups := 0
	run, truth := alteredRun(t, func(rows []store.Probe) []store.Probe {
		n := len(rows)
		for i := 0; i < n; i += 10 {
			rows = append(rows, rows[i])
			dups++
		}
		return rows
	}, synth.WriteOptions{SegmentRows: 1000})
	checkPhases(t, run, truth)
	if run.Duplicates != int64(dups) {
		t.Errorf("%d duplicates, want %d", run.Duplicates, dups)
	}
	var probes int64
	for _, s := range run.Streams {
		probes += s.Probes
	}
	if probes+run.Duplicates != run.Rows {
		t.Errorf("probes %d + duplicates %d != rows %d", probes, run.Duplicates, run.Rows)
	}
}

// TestDuplicateRowsInOrder: a row written twice in a row (a retried
// flush), so that every stream's rows are still in order, is a duplicate
// as one that comes back later is: prepare finds the first duplicate in
// the pass that checks the order.
func TestDuplicateRowsInOrder(t *testing.T) {
	dups := 0
	run, truth := alteredRun(t, func(rows []store.Probe) []store.Probe {
		var out []store.Probe
		for i, p := range rows {
			out = append(out, p)
			if i%10 == 5 {
				out = append(out, p)
				dups++
			}
		}
		return out
	}, synth.WriteOptions{SegmentRows: 1000})
	checkPhases(t, run, truth)
	if run.Duplicates != int64(dups) {
		t.Errorf("%d duplicates, want %d", run.Duplicates, dups)
	}
	for _, s := range run.Streams {
		if s.OutOfOrder != 0 {
			t.Errorf("stream %s: %d rows out of order, want none (the test meant rows in order)", s.Stream, s.OutOfOrder)
		}
	}
}

// A clock step (imported data) must not stretch a phase: times after it
// are put back on the grid, and the step is reported.
func TestClockStep(t *testing.T) {
	for _, step := range []int64{int64(time.Hour), -int64(time.Hour)} {
		testClockStep(t, step)
	}
}

func testClockStep(t *testing.T, step int64) {
	run, truth := alteredRun(t, func(rows []store.Probe) []store.Probe {
		cut := rows[0].Intended + int64(10*time.Second)
		for i := range rows {
			if rows[i].Intended >= cut {
				rows[i].Intended += step
				rows[i].Start += step
				rows[i].End += step
			}
		}
		return rows
	}, synth.WriteOptions{})
	checkPhases(t, run, truth)
	if !strings.Contains(strings.Join(run.Warnings, "\n"), "clock stepped by "+time.Duration(step).String()) {
		t.Errorf("no clock step warning: %q", run.Warnings)
	}
}

func TestIntervalFromRows(t *testing.T) {
	r := aurora("noiv")
	r.NoInterval = true
	sum, truth := analyzeOne(t, r, Options{})
	run := &sum.Runs[0]
	if run.IntervalSource != intervalFromSteps || run.IntervalNS != int64(100*time.Millisecond) {
		t.Errorf("interval %v from %s, want 100ms from %s", time.Duration(run.IntervalNS), run.IntervalSource, intervalFromSteps)
	}
	checkPhases(t, run, truth)
}

func TestSlowThreshold(t *testing.T) {
	sum, _ := analyzeOne(t, aurora("slow"), Options{})
	for _, s := range sum.Runs[0].Streams {
		if s.SlowThresholdSource != slowSourceRun || s.SlowThresholdNS < slowFloor {
			t.Errorf("%s: threshold %v from %s", s.Stream, time.Duration(s.SlowThresholdNS), s.SlowThresholdSource)
		}
	}
	// a threshold below every healthy latency makes every success slow
	sum, _ = analyzeOne(t, aurora("slow2"), Options{Slow: time.Microsecond})
	for _, s := range sum.Runs[0].Streams {
		if s.States[StateOK] != 0 || s.States[StateSlow] == 0 || s.SlowThresholdSource != slowSourceOpt {
			t.Errorf("%s with --slow 1µs: %v", s.Stream, s.States)
		}
	}
	// slow probes stay healthy phases
	if len(sum.Runs[0].Phases) != 4 {
		t.Errorf("slow probes changed the phases: %v", phaseStatesOf(&sum.Runs[0]))
	}
}

func TestInflightSkipsCarryTheState(t *testing.T) {
	r := simple("hang",
		synth.Phase{State: synth.Healthy, Duration: 3 * time.Second},
		synth.Phase{State: synth.Unavailable, Duration: 5 * time.Second, Class: store.ClassQueryTimeout},
		synth.Phase{State: synth.Healthy, Duration: 6 * time.Second})
	r.MaxInflight = 5
	sum, truth := analyzeOne(t, r, Options{})
	run := &sum.Runs[0]
	if got := phaseStatesOf(run); len(got) != 3 || got[1] != PhaseUnavailable {
		t.Fatalf("phases %v", got)
	}
	// Skipped probes tell nothing new: the outage lasts, as seen from the
	// client, until the first probe that runs again succeeds, which is at
	// most one timeout after the truth (the hanging probes must end first).
	// The outage starts midway between the last ok probe and the first
	// failed one: within half an interval of the truth.
	if d := run.Phases[1].Start.Sub(truth.Phases[1].Start); d < -r.Interval/2 || d > r.Interval/2 {
		t.Errorf("outage starts %v after the truth", d)
	}
	if d := run.Phases[2].Start.Sub(truth.Phases[2].Start); d < 0 || d > r.Timeout+r.Interval {
		t.Errorf("recovery %v after the truth, want within one timeout (%v)", d, r.Timeout)
	}
	if run.Streams[0].States[StateSkipped] == 0 {
		t.Fatalf("no skipped probes: %v", run.Streams[0].States)
	}
	if run.Metrics.FailedByClass[store.ClassInflightLimit] == 0 {
		t.Errorf("skips not counted by class: %v", run.Metrics.FailedByClass)
	}
}

// The fast column reader and the generic row reader must agree on
// everything, including NULLs, dictionaries and several segments.
func TestFastReaderMatchesGeneric(t *testing.T) {
	r := aurora("readers")
	r.MaxInflight = 3
	dir, _, err := r.Write(t.TempDir(), synth.WriteOptions{UseWriter: true, SegmentRows: 333})
	if err != nil {
		t.Fatal(err)
	}
	fast, err := Analyze(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := Analyze(context.Background(), []string{dir}, Options{generic: true})
	if err != nil {
		t.Fatal(err)
	}
	fast.GeneratedAt, slow.GeneratedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("fast and generic readers disagree")
	}
	if fast.Input.Rows != r.Rows() {
		t.Errorf("read %d rows, want %d", fast.Input.Rows, r.Rows())
	}
}

func TestBadFilesAreSkippedAndCounted(t *testing.T) {
	out := t.TempDir()
	good, _, err := aurora("good").Write(out, synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad, _, err := aurora("bad").Write(out, synth.WriteOptions{SegmentRows: 500})
	if err != nil {
		t.Fatal(err)
	}
	seg2 := filepath.Join(bad, synth.SegmentName(2))
	data, _ := os.ReadFile(seg2)
	os.WriteFile(seg2, data[:len(data)/2], 0o644) // truncated
	os.WriteFile(filepath.Join(bad, synth.SegmentName(3)), nil, 0o644)
	os.WriteFile(filepath.Join(bad, synth.SegmentName(4)), []byte("PAR1 this is not parquet PAR1"), 0o644)
	other := filepath.Join(out, "other.parquet")
	os.WriteFile(other, []byte("garbage"), 0o644)
	_ = good

	sum, err := Analyze(context.Background(), []string{out}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Input.Runs != 2 {
		t.Errorf("%d runs analyzed, want 2 (good and what is left of bad)", sum.Input.Runs)
	}
	skipped := map[string]bool{}
	for _, s := range sum.Input.Skipped {
		skipped[filepath.Base(s.Path)] = true
	}
	for _, want := range []string{synth.SegmentName(2), synth.SegmentName(3), synth.SegmentName(4), "other.parquet"} {
		if !skipped[want] {
			t.Errorf("%s not reported as skipped: %+v", want, sum.Input.Skipped)
		}
	}
	for _, w := range sum.Warnings {
		if strings.Contains(w, synth.SegmentName(3)) && !strings.Contains(w, "empty") {
			t.Errorf("warning does not say the file is empty: %s", w)
		}
	}
	if _, err := Analyze(context.Background(), []string{out}, Options{Strict: true}); err == nil || !strings.Contains(err.Error(), "parquet") {
		t.Errorf("strict: err %v, want an error naming a file", err)
	}
}

func TestOtherSchemaVersion(t *testing.T) {
	dir, _, err := aurora("v0").Write(t.TempDir(), synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := store.ReadRunInfo(dir)
	info.SchemaVersion = 99
	store.WriteRunInfo(dir, info)
	sum, err := Analyze(context.Background(), []string{dir}, Options{})
	if err == nil || !strings.Contains(err.Error(), "no run could be read") {
		t.Fatalf("err %v, want: no run could be read", err)
	}
	if len(sum.Input.Skipped) != 1 || !strings.Contains(sum.Input.Skipped[0].Reason, "schema version 99") {
		t.Errorf("skipped %+v", sum.Input.Skipped)
	}
}

// A loose Parquet file may hold several runs; they are told apart by run_id.
func TestLooseFileWithTwoRuns(t *testing.T) {
	a, _ := simple("a", synth.Phase{State: synth.Healthy, Duration: 2 * time.Second}).Probes()
	b, _ := simple("b", synth.Phase{State: synth.Healthy, Duration: time.Second}, synth.Phase{State: synth.Error, Duration: time.Second}).Probes()
	path := filepath.Join(t.TempDir(), "import.parquet")
	if err := store.WriteProbesFile(path, append(a, b...)); err != nil {
		t.Fatal(err)
	}
	sum, err := Analyze(context.Background(), []string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Runs) != 2 || sum.Runs[0].RunID != "a" || sum.Runs[1].RunID != "b" {
		t.Fatalf("runs %v", sum.Runs)
	}
	if sum.Runs[1].IntervalSource != intervalFromSteps || len(sum.Runs[1].Phases) != 2 || sum.Runs[1].Phases[1].State != PhaseError {
		t.Errorf("run b: %s %v", sum.Runs[1].IntervalSource, phaseStatesOf(&sum.Runs[1]))
	}
}

func TestEventsFile(t *testing.T) {
	r := aurora("ev")
	dir, truth, err := r.Write(t.TempDir(), synth.WriteOptions{NoEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "events.jsonl")
	log, _ := store.CreateEventLog(path)
	log.Log(store.Event{Time: truth.Phases[1].Start, Name: "switchover", Source: "user"})
	log.Log(store.Event{Time: truth.Phases[0].Start.Add(-time.Hour), Name: "elsewhere", Source: "user"})
	log.Close()
	os.WriteFile(path+".bad", []byte("{not json\n"), 0o644)
	sum, err := Analyze(context.Background(), []string{dir}, Options{Events: []string{path, path + ".bad"}})
	if err != nil {
		t.Fatal(err)
	}
	m := sum.Runs[0].Metrics
	if len(m.Events) != 1 || m.Trigger != "switchover" || m.EventToFirstError == nil || m.EventToFirstError.NS >= int64(r.Interval) {
		t.Errorf("events %+v trigger %q to first error %v", m.Events, m.Trigger, m.EventToFirstError)
	}
	near(t, "event to recovery", *m.EventToRecovery, 10*time.Second, 1)
	if len(sum.Warnings) != 2 || !strings.Contains(sum.Warnings[0], "events.jsonl.bad:1") || !strings.Contains(sum.Warnings[1], "events.jsonl.bad holds no events") {
		t.Errorf("warnings %q, want one naming the bad line and one saying the file holds no events", sum.Warnings)
	}
}

func TestLeftoverJournalIsRead(t *testing.T) {
	r := aurora("journal")
	rows, truth := r.Probes()
	dir, err := r.WriteRows(t.TempDir(), rows[:len(rows)/2], truth, synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create(filepath.Join(dir, "_journal-000002.jsonl"))
	for i := len(rows) / 2; i < len(rows); i++ {
		b, _ := jsonLine(&rows[i])
		f.Write(b)
	}
	f.WriteString(`{"run_id":"journal","kind":"wr`) // cut by a crash
	f.Close()
	sum, err := Analyze(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Input.Rows != r.Rows() {
		t.Errorf("read %d rows, want %d", sum.Input.Rows, r.Rows())
	}
	if len(sum.Input.Skipped) != 1 || sum.Input.Skipped[0].Rows != 1 {
		t.Errorf("skipped %+v, want the cut line", sum.Input.Skipped)
	}
	checkPhases(t, &sum.Runs[0], truth)
}

// Links to run folders, and a linked folder of runs, are followed.
func TestSymlinkedRuns(t *testing.T) {
	out := t.TempDir()
	a, _, err := simple("la", synth.Phase{State: synth.Healthy, Duration: time.Second}).Write(out, synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := simple("lb", synth.Phase{State: synth.Healthy, Duration: time.Second}).Write(out, synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	links := t.TempDir()
	os.Symlink(a, filepath.Join(links, filepath.Base(a)))
	os.Symlink(b, filepath.Join(links, filepath.Base(b)))
	root := filepath.Join(t.TempDir(), "linked-root")
	os.Symlink(out, root)
	for _, p := range []string{links, root} {
		sum, err := Analyze(context.Background(), []string{p}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Runs) != 2 {
			t.Errorf("%s: %d runs, want 2", p, len(sum.Runs))
		}
	}
}

// A reader that sees only writes acknowledged at least L ago is stale by
// up to L: the first write it misses was acknowledged less than L before.
func TestStaleness(t *testing.T) {
	r := simple("lag", synth.Phase{State: synth.Healthy, Duration: 10 * time.Second})
	r.Interval = 10 * time.Millisecond
	r.ReplicaLag = 200 * time.Millisecond
	sum, _ := analyzeOne(t, r, Options{})
	st := sum.Runs[0].Metrics.Staleness
	if st == nil || st.Reads == 0 {
		t.Fatalf("staleness %+v", st)
	}
	lag := int64(r.ReplicaLag)
	// acknowledgements come every 10 ms, so the largest lag seen is within
	// one interval plus a write's latency (< 10 ms) of L
	if st.MaxNS > lag || st.MaxNS < lag-int64(20*time.Millisecond) {
		t.Errorf("max staleness %v, want within 20ms below %v", time.Duration(st.MaxNS), r.ReplicaLag)
	}
	if st.Stale < st.Reads*9/10 {
		t.Errorf("%d of %d reads stale, want nearly all", st.Stale, st.Reads)
	}
	// with new and pooled streams each read is measured against the writes
	// of its own mode, and the lag is the same
	r.Conns, r.ID = []string{store.ConnNew, store.ConnPooled}, "lag2"
	sum, _ = analyzeOne(t, r, Options{})
	st = sum.Runs[0].Metrics.Staleness
	if st.WriteStream != "write/new/write,write/pooled/write" || st.MaxNS > lag || st.MaxNS < lag-int64(20*time.Millisecond) {
		t.Errorf("two modes: against %q, max staleness %v, want both write streams and within 20ms below %v", st.WriteStream, time.Duration(st.MaxNS), r.ReplicaLag)
	}
	// without lag nothing is stale
	r.Conns = nil
	r.ReplicaLag, r.ID = 0, "nolag"
	sum, _ = analyzeOne(t, r, Options{})
	if st := sum.Runs[0].Metrics.Staleness; st.Stale != 0 {
		t.Errorf("no lag: %d stale reads, max %v", st.Stale, time.Duration(st.MaxNS))
	}
}

// Without the recorder's grid (no interval in run.json) a forward jump may
// be a real gap of a closed-loop tool: it is reported and kept, while a
// backward step is still taken out.
func TestForwardGapKeptWithoutGrid(t *testing.T) {
	r := simple("gap", synth.Phase{State: synth.Healthy, Duration: 10 * time.Second})
	r.NoInterval = true
	rows, truth := r.Probes()
	for i := range rows {
		if rows[i].Seq >= 50 {
			rows[i].Intended += int64(5 * time.Second)
		}
	}
	sum := analyzeRows(t, r, rows, truth, Options{})
	run := &sum.Runs[0]
	if d := run.End.Sub(run.Start); d != 15*time.Second {
		t.Errorf("run spans %v, want 15s: the gap is kept", d)
	}
	if !strings.Contains(strings.Join(run.Warnings, "\n"), "a gap or a clock step; kept") {
		t.Errorf("gap not reported: %q", run.Warnings)
	}
}

// A load-balanced reader endpoint answers from another replica on every
// probe, and a round-robin resolver reorders its answer: the changes are
// counted but only the first 50 per stream kept, and a reordered DNS
// answer is no change.
func TestRoundRobinReaders(t *testing.T) {
	r := simple("rr", synth.Phase{State: synth.Healthy, Duration: 20 * time.Second})
	r.Kinds = []string{store.KindRead}
	rows, truth := r.Probes()
	for i := range rows {
		if i%2 == 1 {
			rows[i].ServerAddr = "10.0.9.9:5432"
			rows[i].ResolvedAddrs = "10.0.9.9,10.0.1.23"
		} else {
			rows[i].ResolvedAddrs = "10.0.1.23,10.0.9.9"
		}
	}
	sum := analyzeRows(t, r, rows, truth, Options{})
	m := sum.Runs[0].Metrics
	if m.ServerChangeCount == nil {
		t.Fatal("server changes: count unknown")
	}
	if *m.ServerChangeCount != int64(len(rows)-1) || len(m.ServerChanges) != maxChangesPerStream {
		t.Errorf("server changes: %d counted, %d kept; want %d and %d", *m.ServerChangeCount, len(m.ServerChanges), len(rows)-1, maxChangesPerStream)
	}
	if m.DNSChangeCount != 0 || m.DNSChange != nil {
		t.Errorf("a reordered DNS answer counted as %d changes", m.DNSChangeCount)
	}
}

// A stream flipping between ok and slow on every probe makes as many
// segments as probes: the summary keeps MaxSegments of them and counts all.
func TestSegmentsAreBounded(t *testing.T) {
	r := simple("flip", synth.Phase{State: synth.Healthy, Duration: 300 * time.Second})
	r.Kinds = []string{store.KindWrite}
	rows, truth := r.Probes()
	for i := range rows {
		rows[i].LatencyNS = int64(time.Millisecond) * int64(1+99*(i%2))
	}
	sum := analyzeRows(t, r, rows, truth, Options{Slow: 50 * time.Millisecond})
	st := sum.Runs[0].Streams[0]
	if st.SegmentsTotal != 3000 || len(st.Segments) != MaxSegments || st.StateWindows[StateSlow] != 1500 {
		t.Errorf("segments %d kept of %d, slow windows %d", len(st.Segments), st.SegmentsTotal, st.StateWindows[StateSlow])
	}
	// Each state's time is its probes' share, edge to edge (midpoints); the
	// stream's first edge is its first probe and its last one interval
	// after the last probe, so the first window is half an interval short
	// and the last half an interval long.
	iv := int64(r.Interval)
	if st.StateNS[StateOK] != 1500*iv-iv/2 || st.StateNS[StateSlow] != 1500*iv+iv/2 {
		t.Errorf("time by state %v", st.StateNS)
	}
	if len(sum.Runs[0].Phases) != 1 {
		t.Errorf("slow flips made phases: %v", phaseStatesOf(&sum.Runs[0]))
	}
}

// TestProviderEventsAndUnmatchedFiles feeds the events of an AWS
// describe-events export and a CSV through --events: the AWS switchover
// event inside the run becomes its trigger, and a file whose events all lie
// outside every run is named in a warning.
func TestProviderEventsAndUnmatchedFiles(t *testing.T) {
	r := aurora("aws")
	dir, truth, err := r.Write(t.TempDir(), synth.WriteOptions{NoEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	awsPath := filepath.Join(tmp, "events.json")
	start := truth.Phases[1].Start.UTC()
	os.WriteFile(awsPath, []byte(`{"Events": [{"SourceIdentifier": "bgd-1", "SourceType": "blue-green-deployment",
		"Message": "Switchover started on blue/green deployment.", "EventCategories": ["notification"],
		"Date": "`+start.Format(time.RFC3339)+`", "SourceArn": "arn:aws:rds:eu-west-1:1:deployment:bgd-1"}]}`), 0o644)
	csvPath := filepath.Join(tmp, "old.csv")
	os.WriteFile(csvPath, []byte("time,label\n2001-02-03T04:05:06Z,an old switchover\n"), 0o644)

	var warnings []string
	sum, err := Analyze(context.Background(), []string{dir}, Options{Events: []string{awsPath, csvPath},
		Warn: func(s string) { warnings = append(warnings, s) }})
	if err != nil {
		t.Fatal(err)
	}
	m := sum.Runs[0].Metrics
	if len(m.Events) != 1 || m.EventToFirstError == nil {
		t.Fatalf("events %+v, first error after event %v: want the AWS event as the trigger", m.Events, m.EventToFirstError)
	}
	// AWS dates have whole seconds: the first error follows within a second
	// and one interval.
	if d := time.Duration(m.EventToFirstError.NS); d < 0 || d > time.Second+r.Interval {
		t.Errorf("event to first error %v", d)
	}
	found := false
	for _, w := range warnings {
		if strings.Contains(w, "old.csv") && strings.Contains(w, "none of its 1 events") {
			found = true
		}
		if strings.Contains(w, "events.json:") {
			t.Errorf("the AWS file matched a run but was warned about: %s", w)
		}
	}
	if !found {
		t.Errorf("warnings %q: want one naming old.csv as matching no run", warnings)
	}
}

// TestEndsReadOnlyWithStaggeredStreams: streams offset from each other
// must not make a phase of their own at the run's edges. A run that ends
// read-only has not recovered, even though the read stream's last probe
// (ok, as reads are in read-only) comes after the write stream's last.
func TestEndsReadOnlyWithStaggeredStreams(t *testing.T) {
	r := simple("ro-end",
		synth.Phase{State: synth.Healthy, Duration: 5 * time.Second},
		synth.Phase{State: synth.ReadOnly, Duration: 5 * time.Second})
	r.Stagger = true
	sum, _ := analyzeOne(t, r, Options{})
	run := &sum.Runs[0]
	if run.Metrics.Recovered {
		t.Errorf("a run that ends read-only is reported recovered; phases %v", phaseStatesOf(run))
	}
	if last := run.Phases[len(run.Phases)-1]; last.State != PhaseReadOnly {
		t.Errorf("last phase %s, want read-only; phases %v", last.State, phaseStatesOf(run))
	}
	if len(run.Phases) != 2 {
		t.Errorf("phases %v, want healthy then read-only", phaseStatesOf(run))
	}
}
