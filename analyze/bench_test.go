package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	rtmetrics "runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// Benchmarks of the analyzer on synthetic datasets. The dataset is made
// once per size and kept in $SWITCHWATCH_BENCH_DIR (default: the temporary
// folder), so only the first run pays for it:
//
//	go test ./analyze -run '^$' -bench BenchmarkAnalyze -benchtime 1x -rows 100000000
//
// Each reports rows/s and the peak heap (peak-heap-MB, from runtime/metrics
// sampled every 10 ms); the peak resident size of the whole process
// is measured outside with /usr/bin/time -v on `switchwatch analyze` (see
// the README).
var benchRows = flag.Int64("rows", 2_000_000, "probe rows in the benchmark dataset")

func benchDataset(b *testing.B, rows int64) string {
	b.Helper()
	base := os.Getenv("SWITCHWATCH_BENCH_DIR")
	if base == "" {
		base = os.TempDir()
	}
	dir := filepath.Join(base, fmt.Sprintf("switchwatch-bench-%d", rows))
	done := filepath.Join(dir, ".complete")
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	b.Logf("writing %d synthetic rows to %s (once)", rows, dir)
	d := synth.Dataset{Rows: rows, RowsPerRun: 500_000, Seed: 1}
	if err := d.Write(dir); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// peakHeap samples the live heap until stop is closed.
func peakHeap(stop chan struct{}) func() uint64 {
	var peak uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			rtmetrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { wg.Wait(); return peak }
}

func benchAnalyze(b *testing.B, opt Options) {
	dir := benchDataset(b, *benchRows)
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var rows int64
	var peak uint64
	for i := 0; i < b.N; i++ {
		stop := make(chan struct{})
		get := peakHeap(stop)
		sum, err := Analyze(context.Background(), []string{dir}, opt)
		close(stop)
		peak = max(peak, get())
		if err != nil {
			b.Fatal(err)
		}
		rows += sum.Input.Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

func BenchmarkAnalyze(b *testing.B) { benchAnalyze(b, Options{}) }

// BenchmarkAnalyzeGroupsOnly is the analysis of `switchwatch analyze
// --no-runs` printing the table alone: the columns only per-run details
// use are not read.
func BenchmarkAnalyzeGroupsOnly(b *testing.B) { benchAnalyze(b, Options{GroupsOnly: true}) }

// BenchmarkAnalyzeGeneric reads through the row view of store.ProbeReader
// (a store.Probe per row) for comparison with its batches.
func BenchmarkAnalyzeGeneric(b *testing.B) { benchAnalyze(b, Options{generic: true}) }

// The readers alone, on one segment of the benchmark dataset: batches
// against rows of store.ProbeReader; the batches must not allocate per
// row (allocs/op stays a few hundred for 100,000 rows).
func benchRead(b *testing.B, read segmentReader) {
	dir := benchDataset(b, *benchRows)
	srcs, err := findSources([]string{dir})
	if err != nil || len(srcs) == 0 {
		b.Fatal(err)
	}
	segs, _ := store.Segments(srcs[0].path)
	if len(segs) == 0 {
		b.Fatal("no segment")
	}
	pool := &rowPool{}
	b.ReportAllocs()
	b.ResetTimer()
	var rows int64
	for i := 0; i < b.N; i++ {
		syms := newSymtab()
		run := newRunRows("bench", srcs[0].path, syms)
		run.pool = pool
		n, err := read(segs[0], pool.colReader(syms), func(uint32) *runRows { return run })
		if err != nil {
			b.Fatal(err)
		}
		rows += n
		for _, s := range run.order {
			pool.put(s.rows, s.obs)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadSegmentColumns(b *testing.B) { benchRead(b, readSegmentFast) }
func BenchmarkReadSegmentGeneric(b *testing.B) { benchRead(b, readSegmentRows) }

// BenchmarkEvents reads an --events file of many events, in the lab's
// events.jsonl and in AWS describe-events JSON, and matches them to a run:
// linear in the events (the AWS reader was quadratic: 200,000 events took
// 87 s).
//
//	go test ./analyze -run '^$' -bench BenchmarkEvents -benchtime 1x -events 200000
var benchEvents = flag.Int("events", 20_000, "events in the BenchmarkEvents file")

func BenchmarkEvents(b *testing.B) {
	r := aurora("events")
	dir, truth, err := r.Write(b.TempDir(), synth.WriteOptions{NoEvents: true})
	if err != nil {
		b.Fatal(err)
	}
	first := truth.Phases[0].Start.Add(time.Second)
	span := truth.Phases[len(truth.Phases)-1].End.Add(-time.Second).Sub(first)
	n := *benchEvents
	at := func(i int) time.Time { return first.Add(time.Duration(int64(span) * int64(i) / int64(n))) }
	var jsonl, aws bytes.Buffer
	aws.WriteString("{\n    \"Events\": [\n")
	for i := 0; i < n; i++ {
		line, _ := json.Marshal(store.Event{Time: at(i), Name: fmt.Sprintf("e%d", i%100), Source: "user"})
		jsonl.Write(append(line, '\n'))
		if i > 0 {
			aws.WriteString(",\n")
		}
		fmt.Fprintf(&aws, `        {"SourceIdentifier": "db1", "SourceType": "db-instance", "Message": "Event %d", "Date": %q}`, i%100, at(i).Format(time.RFC3339Nano))
	}
	aws.WriteString("\n    ]\n}\n")
	for name, data := range map[string][]byte{"jsonl": jsonl.Bytes(), "aws": aws.Bytes()} {
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "events")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				sum, err := Analyze(context.Background(), []string{dir}, Options{Events: []string{path}})
				if err != nil {
					b.Fatal(err)
				}
				if got := len(sum.Runs[0].Metrics.Events); got != n {
					b.Fatalf("%d events matched, want %d", got, n)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
