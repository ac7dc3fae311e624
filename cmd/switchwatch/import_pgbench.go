package main

import (
	"context"
	"io"
	"time"

	"github.com/switchwatch/switchwatch/importer"
)

const importPgbenchHelp = `
Reads pgbench's per-transaction logs (pgbench -l [--rate] [--max-tries]
[--failures-detailed] [--latency-limit]) or aggregated logs
(--aggregate-interval) of one or several consecutive pgbench runs as one run.

pgbench 15 logs successful transactions (and serialization or deadlock
failures) only: it aborts a client on any other error, and ends when all are
aborted. So an outage is a stretch without lines. Under --rate (the logs
have a schedule_lag column) the schedule says what was due, and a stretch
without any scheduled transaction that is too long to be chance becomes
rows of outcome timeout with the error "inferred: ..." (run.json:
settings.inferred, settings.inferred_gaps). Without --rate nothing is
inferred. A gap includes the time pgbench took to be restarted.

A per-transaction line that cannot be used but whose time field says failed,
serialization or deadlock would hide that failure: a file with more such lines
than --max-skipped-failures allows (default 0) fails the import, naming the
file, the counts and the first such line.
`

func runImportPgbench(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("import pgbench", "switchwatch import pgbench [flags] LOGFILE... --out DIR", importPgbenchHelp, stdout)
	opt := importer.PgbenchOptions{}
	labels := labelsFlag{}
	var aggSeconds int
	s3o := addCommonImportFlags(fs, &opt.Options, labels)
	addMaxSkippedFailuresFlag(fs, &opt.Options)
	fs.StringVar(&opt.Kind, "kind", "write", "probe kind of the transactions: write (the default TPC-B-like script) or read (pgbench -S)")
	fs.StringVar(&opt.Conn, "conn", "pooled", "connection mode: pooled, or new for pgbench -C")
	fs.Float64Var(&opt.Rate, "rate", 0, "pgbench's --rate in transactions/s, times --sampling-rate if pgbench sampled (default: estimated from the logs)")
	fs.StringVar(&opt.Seventh, "seventh", "", "what a 7th per-transaction column is: lag (pgbench --rate, the default) or retries (--max-tries without --rate)")
	fs.IntVar(&aggSeconds, "aggregate-interval", 0, "pgbench's --aggregate-interval in `seconds` (default: the most common step in the logs)")
	fs.DurationVar(&opt.MinGap, "min-gap", 0, "shortest stretch without scheduled transactions inferred as unavailable (default: from the rate, see the README)")
	fs.BoolVar(&opt.NoInfer, "no-infer", false, "infer no unavailability from gaps")
	if err := fs.parse(args); err != nil {
		return err
	}
	if err := oneOf(fs, "kind", opt.Kind, "write", "read"); err != nil {
		return err
	}
	if err := oneOf(fs, "conn", opt.Conn, "pooled", "new"); err != nil {
		return err
	}
	if opt.Seventh != "" {
		if err := oneOf(fs, "seventh", opt.Seventh, "lag", "retries"); err != nil {
			return err
		}
	}
	if opt.Rate < 0 || aggSeconds < 0 || opt.MinGap < 0 {
		return fs.usagef("--rate, --min-gap and --aggregate-interval must not be negative")
	}
	files := fs.Args()
	opt.AggregateInterval = time.Duration(aggSeconds) * time.Second
	if err := checkImportArgs(ctx, fs, &opt.Options, labels, files, s3o); err != nil {
		return err
	}
	res, err := importer.ImportPgbench(ctx, files, opt)
	return importDone(ctx, stdout, stderr, res, err, s3o)
}
