package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/internal/termtext"
	"github.com/switchwatch/switchwatch/record/store"
	"github.com/switchwatch/switchwatch/report"
)

const analyzeHelp = `
Reads runs written by "switchwatch record" (a run folder run=<id>, a folder of
many runs, or Parquet files of probes), classifies every probe (ok, slow,
stalled, read_only, unavailable, error, skipped), cuts every stream into intervals of
one state, combines them into the run's phases, and prints per-run metrics and
statistics across runs, grouped and compared with the first group.

Groups: --by LABEL,... groups by run labels (each must be a label of some
run); --by path by the PATH argument each run was found under. Several PATHs
without --by are grouped by path and compared, as benchstat compares its
files: "switchwatch analyze last-quarter/ today/".

Every probe is timed by its intended start, so every duration is known to
± one probe interval; the output says so. Files that cannot be read are
skipped with a warning naming them (--strict: an error) and counted.

With -o DIR it also writes DIR/report.md, a Markdown report with its
pictures beside it (timelines, latency, the typical switchover, the spread
across runs, the write-downtime distribution), ready to paste into a
post-mortem; --rate and --retry add capacity planning.

Client profiles (record --client/--clients): each profile of a run is also
analyzed on its own streams, and every profile is compared with the
baseline (the first, or --baseline NAME) run by run, since all profiles of
a run saw the same switchover: per-run differences and a paired test.
`

func runAnalyze(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("analyze", "switchwatch analyze [flags] PATH...", analyzeHelp, stdout)
	var (
		by      = fs.String("by", "", "group runs by these run labels, comma-separated (e.g. strategy,engine); path: by the PATH argument (default with several PATHs)")
		jsonOut = fs.String("json", "", "write the JSON summary to `FILE` (- for stdout, instead of the table)")
		phases  = fs.String("phases", "", "write the phases of every run as Parquet to `FILE` (default: phases.parquet in --out DIR)")
		outDir  = fs.StringP("out", "o", "", "output `DIR` for report.md with its pictures, summary.json and phases.parquet")
		strict  = fs.Bool("strict", false, "fail on any input file that cannot be read instead of skipping it")
		events  = fs.String("events", "", "extra events `FILE`: the lab's events.jsonl, an \"aws rds describe-events --output json\" export, or a CSV with time,label columns; applied to the runs whose time span they fall in")
		trigger = fs.String("trigger", "", "name of the event the event_to_* metrics are measured from (default: the first in the run)")
		slow    = fs.Duration("slow", 0, "latency above which a successful probe is slow (default: 10x the stream's steady-state median, at least 10ms)")
		stall   = fs.Duration("stall", 0, "latency above which a successful probe is stalled, a disruption (an SLO, e.g. 1s; default: 100x the stream's steady-state median, at least 100ms)")
		truth   = fs.Bool("truth", false, "check detected phase boundaries against the runs' events (ground truth) and print each error")
		workers = fs.Int("workers", 0, "runs analyzed at once (default: number of CPUs)")
		noRuns  = fs.Bool("no-runs", false, "leave every run's section out of the table (groups and comparisons only)")
		base    = fs.String("baseline", "", "client profile the others are compared with (default: the first profile recorded)")
	)
	ropts := addReportFlags(fs.FlagSet)
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fs.usagef("no PATH given")
	}
	if err := ropts.check(); err != nil {
		return fs.usagef("%w", err)
	}
	opt := analyze.Options{
		Slow: *slow, Stall: *stall, Trigger: *trigger, Truth: *truth, Strict: *strict, Workers: *workers, Baseline: *base,
		Warn: func(s string) { fmt.Fprintln(stderr, "warning:", termtext.Sanitize(s)) },
	}
	// --no-runs with nothing but the table: the per-run details are never
	// shown, so the columns only they need are not read.
	opt.GroupsOnly = *noRuns && *jsonOut == "" && *outDir == "" && *phases == ""
	if *by != "" {
		for _, k := range strings.Split(*by, ",") {
			if k = strings.TrimSpace(k); k != "" {
				opt.By = append(opt.By, k)
			}
		}
	}
	if *events != "" {
		opt.Events = []string{*events}
	}
	// The analysis's heap is mostly the rows of the runs in work: pointer
	// free buffers reused run after run, which the collector need not
	// scan. A heap goal of 1.5 times the live heap instead of Go's 2 keeps
	// the peak memory down for about no CPU (10 M synthetic rows: 25 MiB
	// less at the peak, CPU within noise). GOGC, when set, still rules.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	sum, err := analyze.Analyze(ctx, fs.Args(), opt)
	if errors.Is(err, analyze.ErrUnknownLabel) {
		return fs.usagef("--by: %w", err)
	}
	if errors.Is(err, analyze.ErrBaseline) {
		return fs.usagef("%v", err)
	}
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if *jsonOut != "-" {
		if err := report.WriteText(termtext.NewWriter(stdout), sum, report.TextOptions{NoRuns: *noRuns}); err != nil {
			return err
		}
	}
	if *jsonOut != "" {
		if err := analyzeWriteFile(*jsonOut, stdout, func(w io.Writer) error { return analyze.WriteJSON(w, sum) }); err != nil {
			return err
		}
	}
	phasesPath := *phases
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return fmt.Errorf("create output folder: %w", err)
		}
		if phasesPath == "" {
			phasesPath = filepath.Join(*outDir, store.PhasesFile)
		}
		if *jsonOut == "" {
			if err := analyzeWriteFile(filepath.Join(*outDir, "summary.json"), stdout, func(w io.Writer) error { return analyze.WriteJSON(w, sum) }); err != nil {
				return err
			}
		}
	}
	if phasesPath != "" {
		if err := store.WritePhases(phasesPath, analyze.PhaseRows(sum)); err != nil {
			return err
		}
	}
	if *outDir != "" {
		return writeReport(ctx, *outDir, sum, ropts, stderr)
	}
	return nil
}

// analyzeWriteFile writes to path through fn ("-" is stdout).
func analyzeWriteFile(path string, stdout io.Writer, fn func(io.Writer) error) error {
	if path == "-" {
		return fn(stdout)
	}
	return writeFileWith(path, fn)
}
