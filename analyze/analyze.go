package analyze

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// Options tune an analysis. The zero value is the default analysis.
type Options struct {
	// By lists the run labels (run.json "labels") that group runs for the
	// statistics; ByPath among them stands for the path argument a run was
	// found under, ByVantage for the run's vantage point. Each must be a
	// label (or, for ByVantage, the vantage) of some run (ErrUnknownLabel).
	// None puts every run in one group "all" when there is one path, and
	// groups by path when there are several (benchstat's "old new").
	By []string
	// Slow overrides the slow threshold of every stream (0: derive it from
	// each stream's steady state, see the package doc).
	Slow time.Duration
	// Stall overrides the stall threshold of every stream (0: derive it
	// from each stream's steady state, see the package doc): a successful
	// probe slower than it is stalled, a disruption like a failure.
	Stall time.Duration
	// Events names extra event files (events.jsonl format) whose events
	// apply to every run whose time span they fall in.
	Events []string
	// Trigger names the event the Event* metrics are measured from
	// (default: see chooseTrigger).
	Trigger string
	// Truth adds the accuracy check of detected boundaries against events.
	Truth bool
	// Baseline names the client profile the others are compared with
	// (default: the first profile of the first run that has profiles).
	Baseline string
	// Strict makes any skipped file, bad event line or unreadable
	// metadata an error instead of a warning.
	Strict bool
	// Workers is the number of runs analyzed at once (default GOMAXPROCS).
	// Memory grows with Workers times the largest run.
	Workers int
	// Latencies keeps each stream's latency histogram per phase in
	// RunResult.Latencies (HdrHistogram, for interval logs).
	Latencies bool
	// GroupsOnly says the caller reads only the groups, comparisons,
	// profile comparison and accuracy of the Summary, not the details of
	// each run (switchwatch analyze --no-runs printing the table alone):
	// the columns only those details use are not read (detailColumns),
	// and in Summary.Runs the segments' error messages, the stale dials
	// and the clock offsets are missing (but the offsets of the runs of
	// Summary.Switchovers, which are read again for them:
	// compareSwitchovers). Everything grouped is the same.
	GroupsOnly bool
	// Show names runs (run ids) whose probes the summary carries for
	// pictures (RunResult.Series) besides those of the median and worst
	// runs (Summary.DetailRuns).
	Show []string
	// Warn, when set, receives every warning as it is found (the command
	// prints them on stderr); they are in the Summary as well.
	Warn func(string)

	// generic makes the reader go through store.ReadSegment (tests).
	generic bool
}

// ErrStrict is wrapped by the error Analyze returns under Options.Strict
// when some input had to be skipped.
var ErrStrict = errors.New("input skipped in strict mode")

// ErrUnknownLabel is wrapped by the error Analyze returns when Options.By
// names a label that no run has (a typo would otherwise put every run in
// one group "name=").
var ErrUnknownLabel = errors.New("no run has the label")

// ErrBaseline is wrapped by the error Analyze returns when
// Options.Baseline names a profile that no run has.
var ErrBaseline = errors.New("unknown baseline profile")

// Analyze reads the runs found at paths (run folders, folders of runs,
// Parquet files), analyzes each run and summarises them across runs.
func Analyze(ctx context.Context, paths []string, opt Options) (*Summary, error) {
	sum := newSummary(paths, opt)
	warn := func(s string) {
		sum.Warnings = append(sum.Warnings, s)
		if opt.Warn != nil {
			opt.Warn(s)
		}
	}
	srcs, err := findSourcesByArg(paths)
	if err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("no runs or Parquet files found in %v", paths)
	}
	extra, err := loadExtraEvents(opt, warn)
	if err != nil {
		return nil, err
	}
	results, err := analyzeSources(ctx, srcs, extra.all, &opt)
	if err != nil {
		return nil, err
	}
	args := collect(sum, results, paths, warn)
	if len(sum.Runs) == 0 {
		return sum, fmt.Errorf("no run could be read from %v (files skipped: %d; runs without data or repeated: %d)",
			paths, len(sum.Input.Skipped), len(sum.Input.Excluded))
	}
	for _, p := range opt.Events {
		if w := unmatchedEvents(p, extra.byFile[p], sum.Runs); w != "" {
			warn(w)
		}
	}
	if opt.Strict && len(sum.Input.Skipped) > 0 {
		s := sum.Input.Skipped[0]
		return sum, fmt.Errorf("%s: %s: %w", s.Path, s.Reason, ErrStrict)
	}
	if opt.Strict && len(sum.Input.Excluded) > 0 {
		x := sum.Input.Excluded[0]
		return sum, fmt.Errorf("run %s (%s): %s: %w", x.RunID, x.Path, x.Reason, ErrStrict)
	}
	if opt.Truth {
		sum.Accuracy = accuracy(results)
	}
	if err := checkLabels(sum.Runs, sum.By); err != nil {
		return sum, err
	}
	sum.Groups = groupRuns(sum.Runs, args, sum.By)
	Summarize(sum)
	if err := compareSwitchovers(ctx, sum, srcs, extra.all, opt); err != nil {
		return sum, err
	}
	keepSeries(sum, opt.Show)
	ps, err := compareProfiles(sum.Runs, opt.Baseline)
	if err != nil {
		return sum, fmt.Errorf("%w: %v", ErrBaseline, err)
	}
	sum.ProfileComparison = ps
	return sum, nil
}

// newSummary is the Summary before any run is read. Several paths and no
// By group the runs by path, benchstat style.
func newSummary(paths []string, opt Options) *Summary {
	by := opt.By
	if len(by) == 0 && len(paths) > 1 {
		by = []string{ByPath}
	}
	if by == nil {
		by = []string{}
	}
	return &Summary{
		Version:     SummaryVersion,
		Schema:      SummarySchema,
		Tool:        "switchwatch analyze",
		ToolVersion: store.Version(),
		GeneratedAt: time.Now().UTC(),
		By:          by,
		Metrics:     MetricInfos(),
		Input:       Input{Paths: paths, Skipped: []SkippedFile{}},
		Notes:       notes(),
	}
}

// argSource is a source and the index of the path argument it was found
// under.
type argSource struct {
	source
	arg int
}

// findSourcesByArg finds the sources of every path in turn, remembering
// which path each came from; a source found under two paths belongs to
// the first.
func findSourcesByArg(paths []string) ([]argSource, error) {
	var out []argSource
	seen := map[string]bool{}
	for i, p := range paths {
		srcs, err := findSources([]string{p})
		if err != nil {
			return nil, err
		}
		for _, s := range srcs {
			if !seen[s.path] {
				seen[s.path] = true
				out = append(out, argSource{s, i})
			}
		}
	}
	return out, nil
}

// extraEvents are the events of Options.Events, all together and by file.
type extraEvents struct {
	all    []store.Event
	byFile map[string][]store.Event
}

// loadExtraEvents reads the files of Options.Events; a bad line is a
// warning, or an error under Options.Strict.
func loadExtraEvents(opt Options, warn func(string)) (extraEvents, error) {
	extra := extraEvents{byFile: map[string][]store.Event{}}
	for _, p := range opt.Events {
		evs, bad, err := LoadEvents(p)
		if err != nil {
			return extra, err
		}
		for _, b := range bad {
			if opt.Strict {
				return extra, fmt.Errorf("%s: %w", b, ErrStrict)
			}
			warn(b)
		}
		extra.all = append(extra.all, evs...)
		extra.byFile[p] = evs
	}
	return extra, nil
}

// sourceResult is what one source gave: what was read and its analyzed
// runs, with their boundary errors under Options.Truth.
type sourceResult struct {
	l     loaded
	arg   int
	runs  []RunResult
	truth []BoundaryError
}

// analyzeSources reads and analyzes the sources, each by one of
// Options.Workers workers; the results keep the order of the sources.
func analyzeSources(ctx context.Context, srcs []argSource, extra []store.Event, opt *Options) ([]sourceResult, error) {
	read := segmentReader(readSegmentFast)
	if opt.generic {
		read = readSegmentRows
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make([]sourceResult, len(srcs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool := &rowPool{cols: columnsFor(opt)}
			for i := range next {
				results[i] = analyzeSource(srcs[i], read, pool, extra, opt)
			}
		}()
	}
	for i := range srcs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

// analyzeSource reads one source and analyzes each of its runs, giving
// their rows back to the pool.
func analyzeSource(src argSource, read segmentReader, pool *rowPool, extra []store.Event, opt *Options) sourceResult {
	l := loadSource(src.source, read, pool)
	r := sourceResult{l: l, arg: src.arg}
	for _, rr := range l.runs {
		in := &runInput{rows: rr}
		if src.runDir {
			in.events, in.verify, in.warning = runExtras(src.path)
			if v := in.verify; v != nil && v.RunID != rr.id {
				// store.ReadVerify checks the folder's name; a renamed
				// folder has only run.json's id to check against
				in.warning = append(in.warning, fmt.Sprintf("%s: the lost-write check of run %q, not of run %q: not applied", store.JoinPath(src.path, store.VerifyFile), v.RunID, rr.id))
				in.verify = nil
			}
		}
		if w := rr.implausibleWarning(); w != "" {
			in.warning = append(in.warning, w)
		}
		in.events = append(in.events, eventsInSpan(extra, rr)...)
		run := analyzeRun(in, opt, pool)
		markUnknown(&run, rr)
		if opt.Truth {
			r.truth = append(r.truth, boundaryErrors(&run, in.events)...)
		}
		r.runs = append(r.runs, run)
		rr.order, rr.by, rr.last = nil, nil, nil
	}
	r.l.runs = nil
	return r
}

// collect adds the sources' files, skipped files, warnings and runs to
// the summary, and returns the path argument of every run, in the order
// of sum.Runs. A run without a readable row, and a run whose id was
// already seen (the same run reached twice), is excluded and said so.
func collect(sum *Summary, results []sourceResult, paths []string, warn func(string)) []string {
	var args []string
	seen := map[string]string{} // run id -> the path it was first read from
	exclude := func(run *RunResult, reason string) {
		sum.Input.Excluded = append(sum.Input.Excluded, ExcludedRun{RunID: run.RunID, Path: run.Path, Reason: reason})
	}
	for _, r := range results {
		sum.Input.Files += r.l.files
		for _, s := range r.l.skipped {
			sum.Input.Skipped = append(sum.Input.Skipped, s)
			if strings.Contains(s.Reason, s.Path) {
				warn("skipped: " + s.Reason)
			} else {
				warn(fmt.Sprintf("skipped %s: %s", s.Path, s.Reason))
			}
		}
		for _, w := range r.l.warnings {
			warn(w)
		}
		for _, run := range r.runs {
			if first, dup := seen[run.RunID]; dup {
				exclude(&run, "the same run as "+first)
				warn(fmt.Sprintf("run %s found twice, at %s and at %s: counted once", run.RunID, first, run.Path))
				continue
			}
			seen[run.RunID] = run.Path
			if run.Rows == 0 {
				reason := "no probe rows"
				if n := len(r.l.skipped); n > 0 {
					reason = fmt.Sprintf("no readable rows (files or parts skipped: %d)", n)
				}
				exclude(&run, reason)
				warn(fmt.Sprintf("run %s (%s): %s; left out of the runs and statistics", run.RunID, run.Path, reason))
				continue
			}
			sum.Input.Runs++
			sum.Input.Rows += run.Rows
			sum.Runs = append(sum.Runs, run)
			args = append(args, paths[r.arg])
		}
	}
	return args
}

// accuracy gathers the boundary errors of every source, counts the
// expected edges that lie where the probes place a change and sums up
// their signed errors.
func accuracy(results []sourceResult) *Accuracy {
	acc := &Accuracy{Boundaries: []BoundaryError{}}
	for _, r := range results {
		acc.Boundaries = append(acc.Boundaries, r.truth...)
	}
	var sum int64
	for _, b := range acc.Boundaries {
		if !b.Expected {
			continue
		}
		acc.Total++
		if b.Within {
			acc.Within++
		}
		if b.LatencyNS <= b.ResolutionNS {
			acc.ErrorEdges++
			sum += b.ErrorNS
			acc.MaxErrorNS = max(acc.MaxErrorNS, b.ErrorNS, -b.ErrorNS)
		}
	}
	if acc.ErrorEdges > 0 {
		acc.MeanErrorNS = sum / int64(acc.ErrorEdges)
	}
	return acc
}

// checkLabels makes sure that every label of by (but ByPath) is a label of
// at least one run, or for ByVantage that some run names its vantage; the
// error lists the labels the runs have.
func checkLabels(runs []RunResult, by []string) error {
	have := map[string]bool{}
	for i := range runs {
		for k := range runs[i].Labels {
			have[k] = true
		}
		if runs[i].Vantage != "" {
			have[ByVantage] = true
		}
	}
	for _, k := range by {
		if k == ByPath || have[k] {
			continue
		}
		if k == ByVantage {
			return fmt.Errorf("%w %q: no run names its vantage point (record, import and postmortem take --vantage)", ErrUnknownLabel, k)
		}
		if len(have) == 0 {
			return fmt.Errorf("%w %q: the runs have no labels (group by %q, the PATH each run came from, instead)", ErrUnknownLabel, k, ByPath)
		}
		return fmt.Errorf("%w %q; the runs have %s (and %q, the PATH each run came from)",
			ErrUnknownLabel, k, strings.Join(slices.Sorted(maps.Keys(have)), ", "), ByPath)
	}
	return nil
}

// runExtras reads the events and the lost-write check of a run folder.
func runExtras(dir string) ([]store.Event, *store.Verify, []string) {
	var warnings []string
	var events []store.Event
	path := store.JoinPath(dir, store.EventsFile)
	if _, err := store.Stat(path); err == nil {
		evs, bad, err := LoadEvents(path)
		warnings = append(warnings, bad...)
		if err != nil {
			warnings = append(warnings, err.Error())
		}
		events = evs
	}
	v, err := store.ReadVerify(dir)
	if err != nil {
		warnings = append(warnings, err.Error())
	}
	return events, v, warnings
}

// eventsInSpan returns the events that fall in the run's time span.
// unmatchedEvents says when an events file given with --events has no
// event inside the time span of any run: most likely a file of another
// switchover, or times in the wrong zone.
func unmatchedEvents(path string, events []store.Event, runs []RunResult) string {
	if len(events) == 0 {
		return fmt.Sprintf("events file %s holds no events", path)
	}
	first, last := events[0].Time, events[0].Time
	for _, e := range events {
		if e.Time.Before(first) {
			first = e.Time
		}
		if e.Time.After(last) {
			last = e.Time
		}
		for i := range runs {
			if !e.Time.Before(runs[i].Start) && !e.Time.After(runs[i].End) {
				return ""
			}
		}
	}
	return fmt.Sprintf("events file %s: none of its %d events (%s to %s) falls in the time span of any run",
		path, len(events), first.UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339))
}

func eventsInSpan(events []store.Event, rr *runRows) []store.Event {
	if len(events) == 0 {
		return nil
	}
	lo, hi := int64(1<<63-1), int64(-1<<63)
	for _, s := range rr.order {
		for i := range s.rows {
			lo = min(lo, s.rows[i].intended)
			hi = max(hi, s.rows[i].intended)
		}
	}
	var out []store.Event
	for _, e := range events {
		if t := e.Time.UnixNano(); t >= lo && t <= hi {
			out = append(out, e)
		}
	}
	return out
}
