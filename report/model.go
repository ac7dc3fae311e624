package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/vocab"
	"golang.org/x/perf/benchmath"
	"gonum.org/v1/gonum/stat"
)

// Options choose what the report says beyond the analysis.
type Options struct {
	// Rate is the application's request rate (requests per second); with
	// it the report states the expected failed requests per switchover.
	Rate float64
	// Retry, with Rate, replays every run against this retry policy.
	Retry *RetryPolicy
	// Show names runs (run ids) to draw in detail besides the median and
	// the worst run.
	Show []string
	// Formats are the picture formats the caller writes (default
	// Formats); the Markdown shows the first and links the others.
	Formats []string
	// MaxDetailGroups is the number of groups up to which the median and
	// worst run of every group are drawn; with more groups only those of
	// all runs are (default 4).
	MaxDetailGroups int
}

// Report is everything the Markdown and the pictures show, computed once
// from a Summary.
type Report struct {
	Sum    *result.Summary
	Opt    Options
	Groups []*GroupView
	Runs   []*RunView
	// Detail are the runs drawn in detail, in report order.
	Detail []*RunView
	// Figures are the pictures, in report order.
	Figures []*Figure
	// Warnings about the report itself (a --show run that is not there).
	Warnings []string
}

// GroupView is one group of runs with what the report derives for it.
type GroupView struct {
	Index int
	*result.Group
	Runs  []*RunView
	stats map[string]*result.Stats
	// Capacity by request kind ("write", "read"), with Rate set.
	Capacity map[string]*Capacity
}

// Stat returns the group's statistics of a metric (nil when absent or n = 0).
func (g *GroupView) Stat(metric string) *result.Stats {
	if s := g.stats[metric]; s != nil && s.N > 0 {
		return s
	}
	return nil
}

// RunView is one run with its timelines.
type RunView struct {
	Index int // in Summary.Runs
	*result.RunResult
	Group *GroupView
	// Write and Read are the failing timelines (nil without such streams).
	Write, Read *Timeline
	// Replays by request kind, with Rate set.
	Replays map[string]Replay
	// Why the run is drawn in detail ("median", "worst", "--show").
	Why []string
	// file is the run's part of figure file names.
	file string
}

// OutageStart is the start of the run's first non-healthy phase (time
// without data or traffic is none).
func (r *RunView) OutageStart() (int64, bool) {
	for _, p := range r.Phases {
		if outagePhase(p.State) {
			return p.Start.UnixNano(), true
		}
	}
	return 0, false
}

// Capacity is the capacity planning of one kind of request for a group:
// per-switchover numbers across the group's runs.
type Capacity struct {
	Kind string
	// N is the number of runs with this kind of stream.
	N int
	// Failed is the expected failed requests per switchover without
	// retries; FailedRetry with the retry policy (nil without one).
	Failed, FailedRetry *Spread
	// Added is the largest latency the retries added in a run (ns).
	Added *Spread
	// Delayed is the expected number of requests that needed a retry.
	Delayed *Spread
	// Stalled is the expected number of requests that did not fail but
	// waited longer than the stall threshold.
	Stalled *Spread
}

// Spread is the median, p95 and max of a value across runs.
type Spread struct {
	Median, P95, Max float64
}

func spreadOf(vals []float64) *Spread {
	if len(vals) == 0 {
		return nil
	}
	xs := slices.Clone(vals)
	slices.Sort(xs)
	med := benchmath.AssumeNothing.Summary(benchmath.NewSample(slices.Clone(xs), &benchmath.DefaultThresholds), result.Confidence).Center
	return &Spread{Median: med, P95: stat.Quantile(0.95, stat.Empirical, xs, nil), Max: xs[len(xs)-1]}
}

// Figure is one picture of the report.
type Figure struct {
	// Name is the file name without extension; only [a-z0-9._-].
	Name string
	// Title is the figure's heading; Alt its alternative text (both plain
	// text: escape before use in Markdown).
	Title, Alt string
	// Err, set by the caller when rendering failed, is shown instead of
	// the picture.
	Err error
	// Run is the run a per-run figure shows.
	Run *RunView
	// Vantages is the switchover a figure of vantage points shows.
	Vantages *result.Switchover
	render   func(w io.Writer, format string) error
}

// Render draws the figure to w in the format ("png" or "svg").
func (f *Figure) Render(w io.Writer, format string) error {
	if err := f.render(w, format); err != nil {
		return fmt.Errorf("render %s.%s: %w", f.Name, format, err)
	}
	return nil
}

// Build computes the report of a summary. It reads nothing: the per-run
// pictures draw the probes the summary carries (RunResult.Series).
func Build(sum *result.Summary, opt Options) (*Report, error) {
	if sum == nil || len(sum.Runs) == 0 {
		return nil, fmt.Errorf("report: the analysis has no runs")
	}
	if len(opt.Formats) == 0 {
		opt.Formats = Formats
	}
	for _, f := range opt.Formats {
		if !slices.Contains(Formats, f) {
			return nil, fmt.Errorf("report: unsupported picture format %q (want png or svg)", f)
		}
	}
	if opt.MaxDetailGroups <= 0 {
		opt.MaxDetailGroups = result.MaxDetailGroups
	}
	if opt.Rate < 0 || math.IsNaN(opt.Rate) || math.IsInf(opt.Rate, 0) {
		return nil, fmt.Errorf("report: request rate %v must be a positive number", opt.Rate)
	}
	rep := &Report{Sum: sum, Opt: opt}
	for i := range sum.Groups {
		g := &GroupView{Index: i, Group: &sum.Groups[i], stats: map[string]*result.Stats{}}
		for j := range g.Stats {
			g.stats[g.Stats[j].Metric] = &g.Stats[j]
		}
		rep.Groups = append(rep.Groups, g)
	}
	names := map[string]bool{}
	groupOf := sum.GroupOfRuns()
	for i := range sum.Runs {
		r := &RunView{Index: i, RunResult: &sum.Runs[i]}
		if g := groupOf[i]; g >= 0 {
			r.Group = rep.Groups[g]
		}
		if tl, ok := TimelineOf(r.RunResult, vocab.KindWrite); ok {
			r.Write = &tl
		}
		if tl, ok := TimelineOf(r.RunResult, vocab.KindRead); ok {
			r.Read = &tl
		}
		r.file = uniqueName(fileSafe(r.RunID), names)
		rep.Runs = append(rep.Runs, r)
		if r.Group != nil {
			r.Group.Runs = append(r.Group.Runs, r)
		}
	}
	if opt.Rate > 0 {
		for _, r := range rep.Runs {
			r.Replays = map[string]Replay{}
			for _, kind := range kindOfRequests {
				if tl := r.timeline(kind); tl != nil {
					r.Replays[kind] = ReplayTimeline(tl, opt.Retry)
				}
			}
		}
		for _, g := range rep.Groups {
			g.Capacity = map[string]*Capacity{}
			for _, kind := range kindOfRequests {
				if c := capacity(g, kind, opt); c != nil {
					g.Capacity[kind] = c
				}
			}
		}
	}
	rep.chooseDetail()
	rep.makeFigures()
	return rep, nil
}

func (r *RunView) timeline(kind string) *Timeline {
	if kind == vocab.KindWrite {
		return r.Write
	}
	return r.Read
}

// profileTimeline is the failing timeline of a kind of request of one
// client profile of the run (profile "": of the whole run); nil when the
// run has no such streams.
func (r *RunView) profileTimeline(profile, kind string) *Timeline {
	if profile == "" {
		return r.timeline(kind)
	}
	for i := range r.Profiles {
		if r.Profiles[i].Name == profile {
			if tl, ok := TimelineOf(profileRun(r.RunResult, &r.Profiles[i]), kind); ok {
				return &tl
			}
		}
	}
	return nil
}

func capacity(g *GroupView, kind string, opt Options) *Capacity {
	var failed, failedRetry, added, delayed, stalled []float64
	for _, r := range g.Runs {
		rp, ok := r.Replays[kind]
		if !ok {
			continue
		}
		failed = append(failed, opt.Rate*float64(rp.Failing)/1e9)
		stalled = append(stalled, opt.Rate*float64(rp.Stalled)/1e9)
		if opt.Retry != nil {
			failedRetry = append(failedRetry, opt.Rate*float64(rp.Failed)/1e9)
			added = append(added, float64(rp.MaxAddedNS()))
			delayed = append(delayed, opt.Rate*float64(rp.Failing-rp.Failed)/1e9)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return &Capacity{Kind: kind, N: len(failed), Failed: spreadOf(failed), FailedRetry: spreadOf(failedRetry), Added: spreadOf(added), Delayed: spreadOf(delayed), Stalled: spreadOf(stalled)}
}

// chooseDetail picks the runs drawn in detail, as the analysis picked
// those whose probes the summary carries (result.Summary.DetailRuns).
func (rep *Report) chooseDetail() {
	picks, unknown := rep.Sum.DetailRuns(rep.Opt.Show, rep.Opt.MaxDetailGroups)
	for _, p := range picks {
		r := rep.Runs[p.Run]
		r.Why = slices.Clone(p.Why)
		rep.Detail = append(rep.Detail, r)
	}
	for _, id := range unknown {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("--show %s: no such run in the analysis", id))
	}
}

// fileSafe makes a run id usable in a file name: lower-case letters,
// digits, '.', '_' and '-' only, at most 60 characters; anything changed
// adds a short hash of the id so different ids stay apart.
func fileSafe(id string) string {
	var b strings.Builder
	changed := false
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == '.' && b.Len() > 0:
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r - 'A' + 'a')
			changed = true
		default:
			b.WriteByte('_')
			changed = true
		}
	}
	s := b.String()
	if len(s) > 60 {
		s, changed = s[:60], true
	}
	if changed || s == "" {
		h := sha256.Sum256([]byte(id))
		s += "-" + hex.EncodeToString(h[:4])
	}
	return s
}

func uniqueName(s string, used map[string]bool) string {
	name := s
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s-%d", s, i)
	}
	used[name] = true
	return name
}
