package report

import (
	"io"
	"os"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// BenchmarkReport1000 renders the whole report of 1,000 synthetic runs
// (five kinds of switchover, two strategies, 6 streams × 400 probes each):
// the model, every picture as PNG and SVG, and the Markdown, one after the
// other on one goroutine. The analysis is done once, outside the timing.
//
//	go test ./report -run '^$' -bench Report1000 -benchtime 3x
func BenchmarkReport1000(b *testing.B) {
	d := synth.Dataset{
		Rows: 1000 * 2400, RowsPerRun: 2400, Interval: 100 * time.Millisecond,
		Kinds: []string{store.KindWrite, store.KindRead, store.KindConnect},
		Conns: []string{store.ConnNew, store.ConnPooled}, Seed: 11,
	}
	dir, err := os.MkdirTemp("", "switchwatch-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := d.Write(dir); err != nil {
		b.Fatal(err)
	}
	sum := analyzeDir(b, dir, "strategy")
	if len(sum.Runs) != 1000 {
		b.Fatalf("%d runs, want 1000", len(sum.Runs))
	}
	retry, _ := ParseRetry("exp:100ms,2s,8")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Build(sum, Options{Rate: 2000, Retry: retry})
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range rep.Figures {
			for _, format := range Formats {
				if err := f.Render(io.Discard, format); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := WriteMarkdown(io.Discard, rep); err != nil {
			b.Fatal(err)
		}
	}
}
