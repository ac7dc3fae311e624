package analyze

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// Options tune an analysis. The zero value is the default analysis.
type Options struct {
	// By lists the run labels (run.json "labels") that group runs for the
	// statistics; none puts every run in one group "all".
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
	// Trigger names the event the Event* metrics are measured from (default:
	// the first event at or after the run's start).
	Trigger string
	// Truth adds the accuracy check of detected boundaries against events.
	Truth bool
	// Strict makes any skipped file, bad event line or unreadable
	// metadata an error instead of a warning.
	Strict bool
	// Workers is the number of runs analyzed at once (default GOMAXPROCS).
	// Memory grows with Workers times the largest run.
	Workers int
	// Warn, when set, receives every warning as it is found (the command
	// prints them on stderr); they are in the Summary as well.
	Warn func(string)

	// generic makes the reader go through store.ReadSegment (tests).
	generic bool
}

// ErrStrict is wrapped by the error Analyze returns under Options.Strict
// when some input had to be skipped.
var ErrStrict = errors.New("input skipped in strict mode")

// Analyze reads the runs found at paths (run folders, folders of runs,
// Parquet files), analyzes each run and summarises them across runs.
func Analyze(ctx context.Context, paths []string, opt Options) (*Summary, error) {
	sum := &Summary{
		Version:     SummaryVersion,
		Tool:        "switchwatch analyze",
		ToolVersion: store.Version(),
		GeneratedAt: time.Now().UTC(),
		By:          opt.By,
		Metrics:     metricInfos(),
		Input:       Input{Paths: paths, Skipped: []SkippedFile{}},
		Notes:       notes(),
	}
	if sum.By == nil {
		sum.By = []string{}
	}
	warn := func(s string) {
		sum.Warnings = append(sum.Warnings, s)
		if opt.Warn != nil {
			opt.Warn(s)
		}
	}
	srcs, err := findSources(paths)
	if err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("no runs or Parquet files found in %v", paths)
	}
	var extra []store.Event
	extraByFile := map[string][]store.Event{}
	for _, p := range opt.Events {
		evs, bad, err := LoadEvents(p)
		if err != nil {
			return nil, err
		}
		for _, b := range bad {
			if opt.Strict {
				return nil, fmt.Errorf("%s: %w", b, ErrStrict)
			}
			warn(b)
		}
		extra = append(extra, evs...)
		extraByFile[p] = evs
	}
	read := segmentReader(readSegmentFast)
	if opt.generic {
		read = readSegmentRows
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	// Each source is read and analyzed by one worker; results keep the
	// order of the sources.
	type result struct {
		l     loaded
		runs  []RunResult
		truth []BoundaryError
	}
	results := make([]result, len(srcs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool := &rowPool{}
			for i := range next {
				src := srcs[i]
				l := loadSource(src, read, pool)
				r := result{l: l}
				for _, rr := range l.runs {
					in := &runInput{rows: rr}
					if src.runDir {
						in.events, in.verify, in.warning = runExtras(src.path)
					}
					in.events = append(in.events, eventsInSpan(extra, rr)...)
					run := analyzeRun(in, &opt, pool)
					if opt.Truth {
						r.truth = append(r.truth, boundaryErrors(&run, in.events)...)
					}
					r.runs = append(r.runs, run)
					rr.order, rr.by, rr.last = nil, nil, nil
				}
				l.runs = nil
				results[i] = r
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
			sum.Input.Runs++
			sum.Input.Rows += run.Rows
			sum.Runs = append(sum.Runs, run)
		}
	}
	if len(sum.Runs) == 0 {
		return sum, fmt.Errorf("no run could be read from %v (%d files skipped)", paths, len(sum.Input.Skipped))
	}
	for _, p := range opt.Events {
		if w := unmatchedEvents(p, extraByFile[p], sum.Runs); w != "" {
			warn(w)
		}
	}
	if opt.Strict && len(sum.Input.Skipped) > 0 {
		s := sum.Input.Skipped[0]
		return sum, fmt.Errorf("%s: %s: %w", s.Path, s.Reason, ErrStrict)
	}
	if opt.Truth {
		sum.Accuracy = &Accuracy{Boundaries: []BoundaryError{}}
		for _, r := range results {
			sum.Accuracy.Boundaries = append(sum.Accuracy.Boundaries, r.truth...)
		}
		for _, b := range sum.Accuracy.Boundaries {
			if !b.Expected {
				continue
			}
			sum.Accuracy.Total++
			if b.Within {
				sum.Accuracy.Within++
			}
		}
	}
	sum.Groups, sum.Comparisons = groupStats(sum.Runs, opt.By)
	return sum, nil
}

// runExtras reads the events and the lost-write check of a run folder.
func runExtras(dir string) ([]store.Event, *store.Verify, []string) {
	var warnings []string
	var events []store.Event
	path := filepath.Join(dir, store.EventsFile)
	if _, err := os.Stat(path); err == nil {
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
