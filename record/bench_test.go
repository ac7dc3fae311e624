package record_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// BenchmarkRecord records against a local server for a few seconds per
// iteration and reports what the recorder sustained: probes/s, the
// schedule lag (actual start − intended start) at p50 and p99, the share of
// failed or skipped probes, and Parquet bytes per probe.
//
//	go test -run '^$' -bench BenchmarkRecord -benchtime 1x ./record/
func BenchmarkRecord(b *testing.B) {
	srv := pgserver.StartForTest(b, pgserver.Options{Settings: map[string]string{"synchronous_commit": "off"}})
	cases := []struct {
		name     string
		kinds    []string
		conns    []string
		interval time.Duration
	}{
		{"pooled-write-2000/s", []string{"write"}, []string{"pooled"}, 500 * time.Microsecond},
		{"pooled-write+read-2x1000/s", []string{"write", "read"}, []string{"pooled"}, time.Millisecond},
		{"new-write+read-2x10/s", []string{"write", "read"}, []string{"new"}, 100 * time.Millisecond},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var probes, bad int
			var lags []time.Duration
			var bytes int64
			var elapsed time.Duration
			classes := map[string]int{}
			for i := 0; i < b.N; i++ {
				out := b.TempDir()
				res, err := record.Run(context.Background(), record.Config{
					WriteDSN: srv.DSN(), Interval: c.interval, Duration: 5 * time.Second, Out: out,
					Kinds: c.kinds, Conns: c.conns, NoVerify: true,
				})
				if err != nil {
					b.Fatal(err)
				}
				elapsed += 5 * time.Second
				store.ReadRun(res.RunDir, func(p *store.Probe) error {
					probes++
					if p.Outcome != store.OutcomeOK {
						bad++
						classes[p.Stream()+" "+p.Outcome+" "+p.ErrorClass]++
						return nil
					}
					lags = append(lags, time.Duration(p.Start-p.Intended))
					return nil
				}, func(s store.SkippedFile) { b.Errorf("skipped %s", s.Path) })
				segs, _ := filepath.Glob(filepath.Join(res.RunDir, "*.parquet"))
				for _, s := range segs {
					st, _ := os.Stat(s)
					bytes += st.Size()
				}
			}
			if bad > 0 {
				b.Logf("not ok: %v", classes)
			}
			sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
			q := func(f float64) float64 {
				if len(lags) == 0 {
					return 0
				}
				return float64(lags[int(f*float64(len(lags)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(float64(probes)/elapsed.Seconds(), "probes/s")
			b.ReportMetric(q(0.50), "lag-p50-ms")
			b.ReportMetric(q(0.99), "lag-p99-ms")
			b.ReportMetric(100*float64(bad)/float64(max(probes, 1)), "%not-ok")
			b.ReportMetric(float64(bytes)/float64(max(probes, 1)), "bytes/probe")
		})
	}
}
