package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/importer"
)

func init() {
	register("import", "convert pgbench logs or an application's request log into a run", runImport)
}

const importHelp = `
Converts traces of other tools into a run folder OUT/run=<id> in the layout
"switchwatch record" writes, so that "switchwatch analyze" treats them like
any run. The run id comes from the files' contents: importing the same files
again is refused (--replace rewrites the run).

Formats:
  pgbench   pgbench -l logs, per-transaction or --aggregate-interval, one
            file per thread, of one or several consecutive pgbench runs
  jsonl     one JSON object per request (see "switchwatch import jsonl -h")

Every line is taken or skipped for a reason; the summary on stderr counts
them and names the first skipped line of each reason (--strict: an error).
`

func runImport(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(stderr, "Usage: switchwatch import pgbench|jsonl [flags] FILE...\n%s", importHelp)
		if len(args) == 0 {
			return fmt.Errorf("import: say which format: pgbench or jsonl")
		}
		return nil
	}
	switch args[0] {
	case "pgbench":
		return runImportPgbench(ctx, stdout, stderr, args[1:])
	case "jsonl":
		return runImportJSONL(ctx, stdout, stderr, args[1:])
	}
	return fmt.Errorf("import: unknown format %q: want pgbench or jsonl", args[0])
}

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
`

func runImportPgbench(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("import pgbench", "switchwatch import pgbench [flags] LOGFILE... --out DIR", importPgbenchHelp, stderr)
	opt := importer.PgbenchOptions{}
	labels := labelsFlag{}
	var aggSeconds int
	addCommonImportFlags(fs, &opt.Options, labels)
	fs.StringVar(&opt.Kind, "kind", "write", "probe kind of the transactions: write (the default TPC-B-like script) or read (pgbench -S)")
	fs.StringVar(&opt.Conn, "conn", "pooled", "connection mode: pooled, or new for pgbench -C")
	fs.Float64Var(&opt.Rate, "rate", 0, "pgbench's --rate in transactions/s, times --sampling-rate if pgbench sampled (default: estimated from the logs)")
	fs.StringVar(&opt.Seventh, "seventh", "", "what a 7th per-transaction column is: lag (pgbench --rate, the default) or retries (--max-tries without --rate)")
	fs.IntVar(&aggSeconds, "aggregate-interval", 0, "pgbench's --aggregate-interval in `seconds` (default: the most common step in the logs)")
	fs.DurationVar(&opt.MinGap, "min-gap", 0, "shortest stretch without scheduled transactions inferred as unavailable (default: from the rate, see the README)")
	fs.BoolVar(&opt.NoInfer, "no-infer", false, "infer no unavailability from gaps")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	opt.AggregateInterval = time.Duration(aggSeconds) * time.Second
	if err := checkImportArgs(fs, &opt.Options, labels, files); err != nil {
		return err
	}
	res, err := importer.ImportPgbench(ctx, files, opt)
	return importDone(stdout, stderr, res, err)
}

const importJSONLHelp = `
Reads an application's request log, one JSON object per line:

  {"time":"2026-11-25T19:00:00.123456Z","op":"write","outcome":"ok","latency_ms":1.8}
  {"time":"2026-11-25T19:00:00.3Z","op":"write","outcome":"error","latency_ns":350000,
   "error":"cannot execute INSERT in a read-only transaction","sqlstate":"25006","server":"10.0.1.7:5432"}

time (or start)  when the request started, RFC 3339 with a zone (required)
intended         when it was meant to start (open-loop schedules; default: time)
end              when it ended
latency_ms       how long it took (or latency_ns; default: end - time)
op               write, read or connect (required)
outcome          ok, error or timeout (required)
error            the error message
sqlstate         the SQLSTATE, which classifies the error as the recorder does
class            an error class of switchwatch, overriding the classification
server           address of the server that answered
conn             pooled (default) or new
endpoint         write or read (default: read for op read, else write)

Other fields are ignored.
`

func runImportJSONL(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("import jsonl", "switchwatch import jsonl [flags] FILE... --out DIR", importJSONLHelp, stderr)
	var opt importer.Options
	labels := labelsFlag{}
	addCommonImportFlags(fs, &opt, labels)
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := checkImportArgs(fs, &opt, labels, files); err != nil {
		return err
	}
	res, err := importer.ImportJSONL(ctx, files, opt)
	return importDone(stdout, stderr, res, err)
}

func addCommonImportFlags(fs *flag.FlagSet, opt *importer.Options, labels labelsFlag) {
	fs.StringVar(&opt.Out, "out", "", "output `DIR`; the run goes into DIR/run=<id> (required)")
	fs.Var(labels, "label", "run label `key=value` (repeatable)")
	fs.BoolVar(&opt.Strict, "strict", false, "fail on the first line that cannot be used instead of skipping it")
	fs.BoolVar(&opt.Replace, "replace", false, "rewrite the run if these files were imported before (default: refuse)")
	fs.Var((*listFlag)(&opt.Events), "events", "event `FILES` (comma-separated: events.jsonl, aws rds describe-events JSON, or CSV time,label[,end]) to store with the run")
}

func checkImportArgs(fs *flag.FlagSet, opt *importer.Options, labels labelsFlag, files []string) error {
	if len(files) == 0 {
		fs.Usage()
		return fmt.Errorf("%s: no input files", fs.Name())
	}
	if opt.Out == "" {
		fs.Usage()
		return fmt.Errorf("%s: --out is empty: say where the run folder goes", fs.Name())
	}
	opt.Labels = labels
	return nil
}

// parseInterspersed parses flags that may come before, between or after
// the file arguments (switchwatch import pgbench a.log b.log --out runs);
// everything after "--" is a file.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, flag.ErrHelp
			}
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return files, nil
		}
		// flag stops at the first non-flag, or after "--": tell which.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(files, rest...), nil
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}

// importDone prints what an import did: the summary and the skipped lines
// on stderr, the run on stdout.
func importDone(stdout, stderr io.Writer, res *importer.Result, err error) error {
	if err != nil {
		return err
	}
	rep := res.Report
	fmt.Fprintln(stderr, rep)
	for _, e := range rep.Examples {
		fmt.Fprintln(stderr, "skipped:", e)
	}
	if n := rep.SkippedTotal(); n > int64(len(rep.Examples)) {
		fmt.Fprintf(stderr, "skipped: ... and %d more\n", n-int64(len(rep.Examples)))
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	outcomes := make([]string, 0, len(res.Counts))
	for k := range res.Counts {
		outcomes = append(outcomes, k)
	}
	sort.Strings(outcomes)
	parts := make([]string, len(outcomes))
	for i, k := range outcomes {
		parts[i] = fmt.Sprintf("%d %s", res.Counts[k], k)
	}
	verb := "imported"
	if res.Replaced {
		verb = "replaced"
	}
	fmt.Fprintf(stdout, "%s run %s: %s (%d rows: %s", verb, res.RunID, res.RunDir, res.Rows, strings.Join(parts, ", "))
	if res.Inferred > 0 {
		fmt.Fprintf(stdout, "; %d of them inferred, not read", res.Inferred)
	}
	fmt.Fprintln(stdout, ")")
	return nil
}
