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
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/analyze/check"
	"github.com/switchwatch/switchwatch/internal/termtext"
	"github.com/switchwatch/switchwatch/record/store"
	"github.com/switchwatch/switchwatch/report"
)

const analyzeHelp = `
Reads runs written by "switchwatch record" (a run folder run=<id>, a folder of
many runs, or Parquet files of probes), classifies every probe (ok, slow,
stalled, read_only, unavailable, error, skipped), cuts every stream into intervals of
one state, combines them into the run's phases, and prints statistics across
runs, grouped and compared with the first group, as benchstat does: for each
kind of request (writes, reads, the run as a whole) a table with a metric per
row and a group per column, each cell the median with its 95% confidence
interval (with fewer than 6 runs, the range [min max] of the runs), and
beside each group its difference from the baseline: "~" when not significant
(Mann-Whitney U, alpha 0.05), else the change in % (in the metric's unit
against a baseline of 0) with its p and n. What the cells mean is said once
under the tables. --runs adds every run's phases and metrics before them
(--no-runs, the old way to leave them out, is the default and ignored);
--baseline-group KEY compares with another group, --compare all every pair.
--csv FILE writes every run's metrics, a row per run, for a spreadsheet,
DuckDB or pandas.

Groups: --by LABEL,... groups by run labels (each must be a label of some
run); --by path by the PATH argument each run was found under; --by vantage
by where each run was recorded from (record --vantage, else its host), so
that the vantages of one switchover are not counted as its repeats.
Several PATHs without --by are grouped by path and compared, as benchstat
compares its files: "switchwatch analyze last-quarter/ today/".

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

Vantage points (record --vantage, --switchover-id): the runs of one
switchover recorded from several hosts (the same switchover id, or the same
write endpoint at overlapping times) are shown side by side on the servers'
clock, each vantage's times shifted by its own clock offset: its first
error, recovery and write downtime, and how far apart the vantages saw the
first error and the recovery; report.md adds their picture.
`

// analyzeFlags are analyze's flags.
type analyzeFlags struct {
	by, jsonOut, phases, outDir, events, trigger *string
	csvOut, baseGrp, cmpMode, base, hdrDir       *string
	strict, truth, runs                          *bool
	slow, stall                                  *time.Duration
	workers                                      *int
	checks                                       *checkFlags
	report                                       *reportOptions
}

func defineAnalyzeFlags(fs *flagSet) *analyzeFlags {
	f := &analyzeFlags{
		by:      fs.String("by", "", "group runs by these run labels, comma-separated (e.g. strategy,engine); path: by the PATH argument (default with several PATHs); vantage: by the run's vantage point"),
		jsonOut: fs.String("json", "", "write the JSON summary to `FILE` (- for stdout, instead of the table)"),
		phases:  fs.String("phases", "", "write the phases of every run as Parquet to `FILE` (default: phases.parquet in --out DIR)"),
		outDir:  fs.StringP("out", "o", "", "output `DIR` for report.md with its pictures, summary.json and phases.parquet"),
		strict:  fs.Bool("strict", false, "fail on any input file that cannot be read instead of skipping it"),
		events:  fs.String("events", "", "extra events `FILE`: the lab's events.jsonl, an \"aws rds describe-events --output json\" export, a CSV with time,label columns, or a PostgreSQL (jsonlog, csvlog, stderr) or PgBouncer log; applied to the runs whose time span they fall in"),
		trigger: fs.String("trigger", "", "name of the event the event_to_* metrics are measured from (default: one marked as the trigger, else the --switchover command, else the first switchover step, else the first event; trigger_rule says which)"),
		slow:    fs.Duration("slow", 0, "latency above which a successful probe is slow (default: 10x the stream's steady-state median, at least 10ms)"),
		stall:   fs.Duration("stall", 0, "latency above which a successful probe is stalled, a disruption (an SLO, e.g. 1s; default: 100x the stream's steady-state median, at least 100ms)"),
		truth:   fs.Bool("truth", false, "check detected phase boundaries against the runs' events (ground truth) and print each error"),
		workers: fs.Int("workers", 0, "runs analyzed at once (default: number of CPUs)"),
		runs:    fs.Bool("runs", false, "print every run's section (phases, streams, metrics, events) before the group tables"),
	}
	_ = fs.Bool("no-runs", false, "the default now: accepted, and ignored, so that scripts that pass it keep working")
	f.csvOut = fs.String("csv", "", "write the per-run metrics as CSV to `FILE` (- for stdout, instead of the table): one row per run, one column per metric")
	f.baseGrp = fs.String("baseline-group", "", "compare every group with the group `KEY` (its key, scenario=dns, or its value, dns; default the first group)")
	f.cmpMode = fs.String("compare", "baseline", "`MODE` of comparison: baseline (every group against the baseline group) or all (every pair of groups)")
	f.base = fs.String("baseline", "", "client profile `NAME` the others are compared with (default: the first profile recorded); or a stored summary, a file ending in .json, which the runs are compared with as two groups")
	f.hdrDir = fs.String("hdr", "", "write every stream's latency as an HdrHistogram interval log, one interval per phase, to `DIR`/run=<id>/<kind>-<profile>-<endpoint>.hlog")
	f.checks = addCheckFlags(fs.FlagSet)
	addServerLogFlags(fs)
	f.report = addReportFlags(fs.FlagSet)
	f.report.addNoReportFlag(fs.FlagSet)
	return f
}

// baselineSummary is --baseline's stored summary, "" when it names a
// client profile.
func (f *analyzeFlags) baselineSummary() string {
	if strings.HasSuffix(*f.base, ".json") {
		return *f.base
	}
	return ""
}

// check validates the flags together.
func (f *analyzeFlags) check(fs *flagSet) error {
	if fs.NArg() == 0 {
		return fs.usagef("no PATH given")
	}
	if err := f.report.check(); err != nil {
		return fs.usagef("%w", err)
	}
	if *f.workers < 0 || *f.slow < 0 || *f.stall < 0 {
		return fs.usagef("--workers, --slow and --stall must not be negative")
	}
	if err := checkCompareFlags(fs, *f.cmpMode, *f.baseGrp); err != nil {
		return err
	}
	if *f.jsonOut == "-" && *f.csvOut == "-" {
		return fs.usagef("--json - and --csv - cannot both write to stdout")
	}
	return nil
}

// checkCompareFlags validates --compare and --baseline-group.
func checkCompareFlags(fs *flagSet, mode, base string) error {
	if mode != "baseline" && mode != "all" {
		return fs.usagef("--compare: want baseline or all, got %q", mode)
	}
	if mode == "all" && base != "" {
		return fs.usagef("--compare all compares every pair: it takes no --baseline-group")
	}
	return nil
}

// options are the analysis's options from the flags.
func (f *analyzeFlags) options(stderr io.Writer) analyze.Options {
	opt := analyze.Options{
		Slow: *f.slow, Stall: *f.stall, Trigger: *f.trigger, Truth: *f.truth, Strict: *f.strict, Workers: *f.workers,
		Latencies: *f.hdrDir != "", Show: f.report.show,
		Warn: func(s string) { fmt.Fprintln(stderr, "warning:", termtext.Sanitize(s)) },
	}
	if f.baselineSummary() == "" {
		opt.Baseline = *f.base
	}
	// --no-runs with nothing but the table: the per-run details are never
	// shown, so the columns only they need are not read.
	opt.GroupsOnly = !*f.runs && *f.jsonOut == "" && *f.outDir == "" && *f.phases == "" && *f.csvOut == ""
	if *f.by != "" {
		for _, k := range strings.Split(*f.by, ",") {
			if k = strings.TrimSpace(k); k != "" {
				opt.By = append(opt.By, k)
			}
		}
	}
	if *f.events != "" {
		opt.Events = []string{*f.events}
	}
	return opt
}

func runAnalyze(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("analyze", "switchwatch analyze [flags] PATH...", analyzeHelp, stdout)
	f := defineAnalyzeFlags(fs)
	if err := fs.parse(args); err != nil {
		return err
	}
	if err := registerServerLogs(fs); err != nil {
		return err
	}
	if err := f.check(fs); err != nil {
		return err
	}
	checks, err := f.checks.parse()
	if err != nil {
		return fs.usagef("%w", err)
	}
	readS3, err := s3Inputs(ctx, stderr, append(fs.Args(), f.baselineSummary()))
	if err != nil {
		return fs.usagef("%v", err)
	}
	defer readS3()
	var old *analyze.Summary
	if p := f.baselineSummary(); p != "" {
		if old, err = readSummaryFile(p); err != nil {
			return fs.usagef("--baseline: %w", err)
		}
	}
	// The analysis's heap is mostly the rows of the runs in work: pointer
	// free buffers reused run after run, which the collector need not
	// scan. A heap goal of 1.5 times the live heap instead of Go's 2 keeps
	// the peak memory down for about no CPU (10 M synthetic rows: 25 MiB
	// less at the peak, CPU within noise). GOGC, when set, still rules.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	sum, err := analyze.Analyze(ctx, fs.Args(), f.options(stderr))
	if errors.Is(err, analyze.ErrUnknownLabel) {
		return fs.usagef("--by: %w", err)
	}
	if errors.Is(err, analyze.ErrBaseline) {
		return fs.usagef("%v", err)
	}
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	shown := sum
	if old != nil {
		shown, err = analyze.Combine([]analyze.Named{{Name: summaryName(*f.base), Sum: old}, {Name: strings.Join(fs.Args(), ","), Sum: sum}})
		if err != nil {
			return fs.usagef("--baseline: %w", err)
		}
	}
	if *f.baseGrp != "" || *f.cmpMode == "all" {
		if err := analyze.CompareGroups(shown, *f.baseGrp, *f.cmpMode == "all"); err != nil {
			return fs.usagef("--baseline-group: %w", err)
		}
	}
	if shown.Checks, err = check.Evaluate(shown, checks); err != nil {
		return fs.usagef("--check: %w", err)
	}
	sum.Checks = shown.Checks
	if err := f.write(ctx, stdout, stderr, sum, shown); err != nil {
		return err
	}
	return f.checks.finish(shown.Checks, stdout, stderr)
}

// write writes what the flags ask for: the text (of shown: the analysis,
// or its comparison with --baseline's summary), the JSON, CSV and
// HdrHistogram logs of the analysis, and with -o its summary.json,
// phases.parquet and the report of shown.
func (f *analyzeFlags) write(ctx context.Context, stdout, stderr io.Writer, sum, shown *analyze.Summary) error {
	if *f.jsonOut != "-" && *f.csvOut != "-" {
		if err := report.WriteText(termtext.NewWriter(stdout), shown, report.TextOptions{Runs: *f.runs}); err != nil {
			return err
		}
	}
	if *f.jsonOut != "" {
		if err := analyzeWriteFile(*f.jsonOut, stdout, func(w io.Writer) error { return analyze.WriteJSON(w, sum) }); err != nil {
			return err
		}
	}
	if *f.csvOut != "" {
		if err := analyzeWriteFile(*f.csvOut, stdout, func(w io.Writer) error { return report.WriteCSV(w, sum) }); err != nil {
			return err
		}
	}
	if *f.hdrDir != "" {
		if err := writeHDRLogs(*f.hdrDir, sum); err != nil {
			return err
		}
	}
	phasesPath := *f.phases
	if *f.outDir != "" {
		if err := os.MkdirAll(*f.outDir, 0o755); err != nil {
			return fmt.Errorf("create output folder: %w", err)
		}
		if phasesPath == "" {
			phasesPath = filepath.Join(*f.outDir, store.PhasesFile)
		}
		if *f.jsonOut == "" {
			if err := analyzeWriteFile(filepath.Join(*f.outDir, "summary.json"), stdout, func(w io.Writer) error { return analyze.WriteJSON(w, sum) }); err != nil {
				return err
			}
		}
	}
	if phasesPath != "" {
		if err := store.WritePhases(phasesPath, analyze.PhaseRows(sum)); err != nil {
			return err
		}
	}
	if *f.outDir != "" {
		return writeReport(ctx, *f.outDir, oneBaseline(shown), f.report, stderr)
	}
	return nil
}

// writeHDRLogs writes every run's streams' latency logs under dir, one
// folder per run named as store names run folders.
func writeHDRLogs(dir string, sum *analyze.Summary) error {
	for ri := range sum.Runs {
		r := &sum.Runs[ri]
		runDir := filepath.Join(dir, store.RunDirName(pathSafe(r.RunID)))
		if err := os.MkdirAll(runDir, 0o755); err != nil {
			return fmt.Errorf("--hdr: %w", err)
		}
		for si := range r.Latencies {
			sl := &r.Latencies[si]
			path := filepath.Join(runDir, report.HDRFileName(sl.Stream))
			if err := writeFileWith(path, func(w io.Writer) error { return report.WriteHDRLog(w, r, sl) }); err != nil {
				return fmt.Errorf("--hdr: %w", err)
			}
		}
	}
	return nil
}

// pathSafe keeps a run id (which a Parquet file of another tool may set
// to anything) one folder name: separators and a leading dot are
// replaced.
func pathSafe(id string) string {
	id = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, id)
	if id == "" || strings.HasPrefix(id, ".") {
		id = "_" + id
	}
	return id
}

// analyzeWriteFile writes to path through fn ("-" is stdout).
func analyzeWriteFile(path string, stdout io.Writer, fn func(io.Writer) error) error {
	if path == "-" {
		return fn(stdout)
	}
	return writeFileWith(path, fn)
}

// oneBaseline is the summary with the comparisons against its first
// baseline only: report.md compares with one group (--compare all prints
// every pair on stdout and in the JSON).
func oneBaseline(s *analyze.Summary) *analyze.Summary {
	if len(s.Comparisons) == 0 {
		return s
	}
	c := *s
	c.Comparisons = nil
	for _, x := range s.Comparisons {
		if x.Baseline == s.Comparisons[0].Baseline {
			c.Comparisons = append(c.Comparisons, x)
		}
	}
	return &c
}
