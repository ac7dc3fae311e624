// Command swsynth writes a synthetic dataset of switchwatch runs (run
// folders in the recorder's layout, with ground-truth events) for trying
// and benchmarking the analyzer:
//
//	go run ./internal/synth/cmd/swsynth -rows 100000000 -o /tmp/sw100m
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
)

func main() {
	var d synth.Dataset
	out := flag.String("o", "", "output folder (required)")
	flag.Int64Var(&d.Rows, "rows", 1_000_000, "total probe rows")
	flag.Int64Var(&d.RowsPerRun, "rows-per-run", 500_000, "probe rows per run")
	flag.DurationVar(&d.Interval, "interval", 10*time.Millisecond, "probe interval")
	flag.IntVar(&d.Output.SegmentRows, "segment-rows", 100_000, "rows per Parquet segment")
	flag.Uint64Var(&d.Seed, "seed", 1, "random seed")
	flag.Parse()
	if *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	start := time.Now()
	if err := d.Write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "swsynth:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "wrote %d runs (%d rows) to %s in %v\n", len(d.Runs()), d.Rows, *out, time.Since(start).Round(time.Millisecond))
}
