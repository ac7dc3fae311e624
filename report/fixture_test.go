package report

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// keep writes the report of the test fixture to this folder to look at.
var keep = flag.String("keep", "", "write the fixture's report and pictures to `DIR` (to look at them)")

// handT0 is when the hand-built runs of writeRun start.
var handT0 = time.Unix(1000, 0).UTC()

// handSegment is a segment of a hand-built run: from handT0+from to
// handT0+to at a 100 ms resolution, its probes answered in a median lat.
func handSegment(from, to time.Duration, s analyze.State, lat time.Duration) analyze.Segment {
	return analyze.Segment{Window: analyze.Window{Start: handT0.Add(from), End: handT0.Add(to), DurationNS: int64(to - from), ResolutionNS: int64(100 * time.Millisecond)},
		State: s, MedianLatencyNS: int64(lat)}
}

// writeRun is a hand-built run of one write stream, of connection mode
// conn, made of segs (see handSegment).
func writeRun(conn string, segs ...analyze.Segment) *analyze.RunResult {
	return &analyze.RunResult{Streams: []analyze.StreamResult{{Stream: store.KindWrite + "/" + conn + "/" + store.EndpointWrite,
		Kind: store.KindWrite, Conn: conn, Segments: segs}}}
}

// fixtureRuns is a small, fixed dataset: two strategies of an Aurora
// Blue/Green-like switchover with varied phase lengths, one flapping run,
// one run that never recovers, lost and committed-although-failed writes.
func fixtureRuns() []*synth.Run {
	rng := rand.New(rand.NewPCG(7, 7))
	jit := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * (0.7 + 0.6*rng.Float64())).Round(10 * time.Millisecond)
	}
	var runs []*synth.Run
	start := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 10; i++ {
		strategy := []string{"default", "tuned"}[i%2]
		unavail, ro := jit(4*time.Second), jit(6*time.Second)
		if strategy == "tuned" {
			unavail, ro = jit(2*time.Second), jit(3*time.Second)
		}
		r := &synth.Run{
			ID:       fmt.Sprintf("bg-%s-%02d", strategy, i),
			Labels:   map[string]string{"strategy": strategy, "engine": "aurora-postgresql"},
			Start:    start.Add(time.Duration(i) * 10 * time.Minute),
			Interval: 100 * time.Millisecond,
			Kinds:    []string{store.KindWrite, store.KindRead},
			Conns:    []string{store.ConnNew, store.ConnPooled},
			Stagger:  true,
			Phases: []synth.Phase{
				{State: synth.Healthy, Duration: 15 * time.Second},
				{State: synth.Unavailable, Duration: unavail, Class: store.ClassConnectTimeout},
				{State: synth.ReadOnly, Duration: ro},
				{State: synth.Healthy, Duration: 15 * time.Second, Server: 1},
			},
			DNSChangeAt: 15*time.Second + unavail + ro/2,
			Verify:      true,
			Seed:        uint64(100 + i),
		}
		switch i {
		case 3:
			r.Lost = []int64{50, 51}
		case 4:
			r.CommittedFailed = []int64{160}
		case 7: // flapping
			r.Phases = []synth.Phase{
				{State: synth.Healthy, Duration: 15 * time.Second},
				{State: synth.Unavailable, Duration: time.Second, Class: store.ClassReset},
				{State: synth.Healthy, Duration: 2 * time.Second, Server: 1},
				{State: synth.Unavailable, Duration: 1500 * time.Millisecond, Class: store.ClassRefused},
				{State: synth.Healthy, Duration: 15 * time.Second, Server: 1},
			}
			r.DNSChangeAt = 0
		case 8: // never recovers
			r.Phases = r.Phases[:3]
			r.Phases[2] = synth.Phase{State: synth.Unavailable, Duration: 8 * time.Second, Class: store.ClassRefused}
			r.DNSChangeAt = 0
		}
		runs = append(runs, r)
	}
	return runs
}

// writeFixture writes the fixture runs into dir.
func writeFixture(t testing.TB, dir string, runs []*synth.Run) {
	t.Helper()
	for _, r := range runs {
		if _, _, err := r.Write(dir, synth.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// analyzeDir runs the analyzer over dir, grouped by the given labels.
func analyzeDir(t testing.TB, dir string, by ...string) *analyze.Summary {
	t.Helper()
	return analyzeDirShow(t, dir, nil, by...)
}

// analyzeDirShow is analyzeDir keeping the probes of the runs named in
// show in the summary too (analyze.Options.Show), so that any of them can
// be drawn in detail.
func analyzeDirShow(t testing.TB, dir string, show []string, by ...string) *analyze.Summary {
	t.Helper()
	sum, err := analyze.Analyze(context.Background(), []string{dir}, analyze.Options{By: by, Workers: 2, Show: show})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// writeAll renders every figure and the Markdown into out, the way the
// command does.
func writeAll(t testing.TB, out string, rep *Report) {
	t.Helper()
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Figures {
		for _, format := range rep.Opt.Formats {
			fh, err := os.Create(filepath.Join(out, f.Name+"."+format))
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Render(fh, format); err != nil {
				t.Fatal(err)
			}
			if err := fh.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	fh, err := os.Create(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(fh, rep); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestKeep(t *testing.T) {
	if *keep == "" {
		t.Skip("-keep DIR not given")
	}
	dir := t.TempDir()
	writeFixture(t, dir, fixtureRuns())
	sum := analyzeDirShow(t, dir, []string{"bg-default-07"}, "strategy")
	p, _ := ParseRetry("5x500ms")
	rep, err := Build(sum, Options{Rate: 2000, Retry: p, Show: []string{"bg-default-07"}})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, *keep, rep)
}

// The fixture is written and analyzed once per test binary (the analyzer
// is slow under -race); every test gets its own deep copy of the summary.
var (
	fixtureMu   sync.Mutex
	fixtureRoot string
	fixtureSums = map[string][]byte{}
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if fixtureRoot != "" {
		os.RemoveAll(fixtureRoot)
	}
	os.Exit(code)
}

// cachedSummary writes the runs named name (once), analyzes them grouped
// by the labels (once) and returns a fresh copy of the summary.
func cachedSummary(t testing.TB, name string, runs func() []*synth.Run, by ...string) *analyze.Summary {
	t.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	key := name + "|" + strings.Join(by, ",")
	data, ok := fixtureSums[key]
	if !ok {
		if fixtureRoot == "" {
			dir, err := os.MkdirTemp("", "switchwatch-report-test-")
			if err != nil {
				t.Fatal(err)
			}
			fixtureRoot = dir
		}
		dir := filepath.Join(fixtureRoot, name)
		rs := runs()
		if _, err := os.Stat(dir); err != nil {
			writeFixture(t, dir, rs)
		}
		// Every run keeps its probes, so that tests may draw any of them.
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		sum := analyzeDirShow(t, dir, ids, by...)
		var err error
		if data, err = json.Marshal(sum); err != nil {
			t.Fatal(err)
		}
		fixtureSums[key] = data
	}
	var sum analyze.Summary
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	sum.Input.Paths = []string{"testdata/fixture"}
	sum.ToolVersion = "(version)"
	return &sum
}
