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

func benchImport(b *testing.B, files []string, lines int, imp func(opt Options) error) {
	out := b.TempDir()
	b.SetBytes(0)
	b.ResetTimer()
	for range b.N {
		if err := imp(Options{Out: out, Replace: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkImportPgbench: 200,000 lines of 4 pgbench threads.
func BenchmarkImportPgbench(b *testing.B) {
	files := genPgbench(b, b.TempDir(), 200_000, 4)
	n := countLines(b, files...)
	benchImport(b, files, n, func(opt Options) error {
		_, err := ImportPgbench(context.Background(), files, PgbenchOptions{Options: opt})
		return err
	})
}

// BenchmarkImportJSONL: 200,000 request lines.
func BenchmarkImportJSONL(b *testing.B) {
	files := genJSONL(b, b.TempDir(), 200_000)
	benchImport(b, files, 200_000, func(opt Options) error {
		_, err := ImportJSONL(context.Background(), files, opt)
		return err
	})
}
