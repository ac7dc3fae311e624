package analyze

import (
	"context"
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

// BenchmarkAnalyzeGeneric reads through store.ReadSegment (the generic row
// reader) for comparison with the column-chunk reader.
func BenchmarkAnalyzeGeneric(b *testing.B) { benchAnalyze(b, Options{generic: true}) }

// The readers alone, on one segment of the benchmark dataset: the
// column-chunk reader against the generic row reader (store.ReadSegment).
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
			pool.put(s.rows)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadSegmentColumns(b *testing.B) { benchRead(b, readSegmentFast) }
func BenchmarkReadSegmentGeneric(b *testing.B) { benchRead(b, readSegmentRows) }
