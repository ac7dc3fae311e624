package importer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgbenchgen"
)

var genStart = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// genPgbench writes threads pgbench logs of about lines lines in all (1000
// transactions/s per thread, one 3 s outage) into dir.
func genPgbench(tb testing.TB, dir string, lines, threads int) []string {
	tb.Helper()
	var files []string
	for i := range threads {
		p := filepath.Join(dir, "pgbench_log.7")
		if i > 0 {
			p += "." + strconv.Itoa(i)
		}
		f, err := os.Create(p)
		if err != nil {
			tb.Fatal(err)
		}
		d := time.Duration(float64(lines/threads) / 1000 * float64(time.Second))
		l := pgbenchgen.Log{Start: genStart, Duration: d, Rate: 1000, Latency: 2 * time.Millisecond, Clients: 4,
			Outages: [][2]time.Duration{{d / 2, d/2 + 3*time.Second}}, Seed: uint64(i + 1)}
		if _, err := l.Write(f); err != nil {
			tb.Fatal(err)
		}
		if err := f.Close(); err != nil {
			tb.Fatal(err)
		}
		files = append(files, p)
	}
	return files
}

func genJSONL(tb testing.TB, dir string, lines int) []string {
	tb.Helper()
	p := filepath.Join(dir, "requests.jsonl")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	if err := pgbenchgen.JSONL(f, genStart, time.Millisecond, lines); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return []string{p}
}

// TestGenerateLarge writes the inputs of the README's peak memory figures
// (10 M lines of each format) into $SWITCHWATCH_GEN_DIR; without it, it
// is skipped.
func TestGenerateLarge(t *testing.T) {
	dir := os.Getenv("SWITCHWATCH_GEN_DIR")
	if dir == "" {
		t.Skip("set SWITCHWATCH_GEN_DIR to write 10 M lines of pgbench and JSON lines logs there")
	}
	for _, sub := range []string{"pgbench", "jsonl"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	n := 10_000_000
	if s := os.Getenv("SWITCHWATCH_GEN_LINES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	fmt.Println(genPgbench(t, filepath.Join(dir, "pgbench"), n, 4))
	fmt.Println(genJSONL(t, filepath.Join(dir, "jsonl"), n))
}

// benchImport imports files b.N times and reports lines and rows per
// second and the allocations (go test -bench Import -benchmem; a run's
// figure is the whole import, writing Parquet included).
func benchImport(b *testing.B, files []string, lines int, imp func(opt Options) (*Result, error)) {
	out := b.TempDir()
	var size int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			size += st.Size()
		}
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	var rows int64
	for range b.N {
		res, err := imp(Options{Out: out, Replace: true})
		if err != nil {
			b.Fatal(err)
		}
		rows += res.Rows
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// benchLines is the size of the import benchmarks' inputs:
// SWITCHWATCH_BENCH_LINES, else 200,000.
func benchLines(b *testing.B) int {
	if s := os.Getenv("SWITCHWATCH_BENCH_LINES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("SWITCHWATCH_BENCH_LINES: %v", err)
		}
		return n
	}
	return 200_000
}

// BenchmarkImportPgbench: 200,000 lines (SWITCHWATCH_BENCH_LINES) of 4
// pgbench threads.
func BenchmarkImportPgbench(b *testing.B) {
	files := genPgbench(b, b.TempDir(), benchLines(b), 4)
	n := countLines(b, files...)
	benchImport(b, files, n, func(opt Options) (*Result, error) {
		return ImportPgbench(context.Background(), files, PgbenchOptions{Options: opt})
	})
}

// BenchmarkImportJSONL: 200,000 request lines (SWITCHWATCH_BENCH_LINES).
func BenchmarkImportJSONL(b *testing.B) {
	n := benchLines(b)
	files := genJSONL(b, b.TempDir(), n)
	benchImport(b, files, n, func(opt Options) (*Result, error) {
		return ImportJSONL(context.Background(), files, opt)
	})
}

// BenchmarkImportJSONLMessy: 200,000 request lines (SWITCHWATCH_BENCH_LINES)
// of every kind, out of order by up to 50 ms (writeMessyJSONL).
func BenchmarkImportJSONLMessy(b *testing.B) {
	n := benchLines(b)
	file := filepath.Join(b.TempDir(), "requests.jsonl")
	writeMessyJSONL(b, file, n, 1)
	benchImport(b, []string{file}, n, func(opt Options) (*Result, error) {
		return ImportJSONL(context.Background(), []string{file}, opt)
	})
}

// BenchmarkSortNearlySorted: the spill sorter on 1,000,000 records of four
// threads' logs one after the other, each in time order but for a small
// jitter (in memory: no run is written).
func BenchmarkSortNearlySorted(b *testing.B) {
	const n = 1_000_000
	recs := make([]txRec, n)
	for i := range recs {
		thread, k := i/(n/4), i%(n/4)
		recs[i].intended = genStart.UnixNano() + int64(k)*4_000_000 + int64(thread)*1_000 + int64(i*7919%5)*1_000_000
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s := &spillSorter[txRec]{at: func(r *txRec) int64 { return r.intended }, size: func(*txRec) int { return 48 },
			maxBytes: 1 << 40}
		for i := range recs {
			if err := s.add(recs[i]); err != nil {
				b.Fatal(err)
			}
		}
		last := int64(0)
		if err := s.each(func(r *txRec) error {
			if r.intended < last {
				b.Fatal("out of order")
			}
			last = r.intended
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
