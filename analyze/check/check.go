package check

import (
	"bufio"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/internal/regular"
)

// Check is one parsed expression.
type Check struct {
	Text    string // as given
	Subject string // a group key or run id; "" for all
	Metric  string
	Stat    string // "" for each run's own value
	Op      string
	// Threshold is in the metric's unit (ns for times).
	Threshold float64
	Unit      string
}

// Stats are the statistics a check can name, as analyze.Stats has them.
var Stats = []string{"min", "median", "mean", "p95", "max"}

// ops in the order they are looked for: two-character operators first.
var ops = []string{"<=", ">=", "==", "!=", "<", ">"}

// ErrSyntax is wrapped by every error about an expression.
var ErrSyntax = errors.New("bad check")

// Parse reads one expression.
func Parse(text string) (Check, error) {
	c := Check{Text: strings.TrimSpace(text)}
	s := c.Text
	fail := func(format string, args ...any) (Check, error) {
		return Check{}, fmt.Errorf("%w %q: %s", ErrSyntax, c.Text, fmt.Sprintf(format, args...))
	}
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return fail("no ] after the subject")
		}
		c.Subject = strings.TrimSpace(s[1:end])
		if c.Subject == "" {
			return fail("an empty subject []")
		}
		s = s[end+1:]
	}
	at := -1
	for _, op := range ops {
		if i := strings.Index(s, op); i >= 0 && (at < 0 || i < at) {
			at, c.Op = i, op
		}
	}
	if at < 0 {
		return fail("no comparison (one of < <= > >= == !=)")
	}
	lhs, rhs := strings.TrimSpace(s[:at]), strings.TrimSpace(s[at+len(c.Op):])
	c.Metric = lhs
	if i := strings.LastIndex(lhs, "."); i >= 0 {
		c.Metric, c.Stat = lhs[:i], lhs[i+1:]
		if !slices.Contains(Stats, c.Stat) {
			return fail("unknown statistic %q (want one of %s)", c.Stat, strings.Join(Stats, ", "))
		}
	}
	info, ok := analyze.MetricNamed(c.Metric)
	if !ok {
		return fail("unknown metric %q (want one of %s)", c.Metric, strings.Join(analyze.MetricNames(), ", "))
	}
	c.Unit = info.Unit
	if rhs == "" {
		return fail("no value after %s", c.Op)
	}
	switch info.Unit {
	case analyze.UnitNS:
		d, err := time.ParseDuration(rhs)
		if err != nil {
			if _, nerr := strconv.ParseFloat(rhs, 64); nerr == nil {
				return fail("%s is a time: give the value a unit (%ss, %sms)", c.Metric, rhs, rhs)
			}
			return fail("value %q is not a duration (5s, 500ms)", rhs)
		}
		c.Threshold = float64(d)
	default:
		v, err := strconv.ParseFloat(rhs, 64)
		if err != nil {
			return fail("%s is a count: value %q is not a number", c.Metric, rhs)
		}
		c.Threshold = v
	}
	return c, nil
}

// ParseFile reads a file of expressions, one per line; blank lines and
// lines starting with # are skipped. Errors name the file and line.
func ParseFile(path string) ([]Check, error) {
	f, err := regular.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open checks file: %w", err)
	}
	defer f.Close()
	var out []Check
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		c, err := Parse(t)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// Evaluate applies every check to the summary: a check with a statistic to
// each group (or its subject), one without to each run (or its subject).
// A run check's subject may name a group: it applies to each of the
// group's runs. A subject that names nothing is an error: a gate that checks nothing
// must not pass.
func Evaluate(sum *analyze.Summary, checks []Check) ([]analyze.CheckResult, error) {
	var out []analyze.CheckResult
	for _, c := range checks {
		n := len(out)
		if c.Stat != "" {
			for gi := range sum.Groups {
				g := &sum.Groups[gi]
				if c.Subject == "" || c.Subject == g.Key {
					out = append(out, c.group(g))
				}
			}
		} else {
			inGroup := map[string]bool{}
			for _, g := range sum.Groups {
				if g.Key == c.Subject {
					for _, id := range g.Runs {
						inGroup[id] = true
					}
				}
			}
			for ri := range sum.Runs {
				r := &sum.Runs[ri]
				if c.Subject == "" || c.Subject == r.RunID || inGroup[r.RunID] {
					out = append(out, c.run(r))
				}
			}
		}
		if len(out) == n {
			what := "run"
			if c.Stat != "" {
				what = "group"
			}
			if c.Subject != "" {
				return out, fmt.Errorf("check %q: no %s %q", c.Text, what, c.Subject)
			}
			return out, fmt.Errorf("check %q: no %s to check", c.Text, what)
		}
	}
	return out, nil
}

func (c *Check) result(scope, subject string) analyze.CheckResult {
	return analyze.CheckResult{Check: c.Text, Metric: c.Metric, Stat: c.Stat, Scope: scope, Subject: subject,
		Op: c.Op, Unit: c.Unit, Threshold: c.Threshold}
}

func (c *Check) group(g *analyze.Group) analyze.CheckResult {
	r := c.result("group", g.Key)
	i := slices.IndexFunc(g.Stats, func(s analyze.Stats) bool { return s.Metric == c.Metric })
	if i < 0 || g.Stats[i].N == 0 {
		r.Status, r.Reason = analyze.CheckUnknown, fmt.Sprintf("no run of the group has %s", c.Metric)
		return r
	}
	st := &g.Stats[i]
	v := map[string]float64{"min": st.Min, "median": st.Median, "mean": st.Mean, "p95": st.P95, "max": st.Max}[c.Stat]
	r.Value, r.ResolutionNS, r.N = &v, st.ResolutionNS, st.N
	r.Status, r.Reason = verdict(v, float64(st.ResolutionNS), c.Op, c.Threshold)
	if st.Missing > 0 && r.Status == analyze.CheckPass {
		// A statistic of the runs that have the metric says nothing of
		// those that do not (a run that never recovered has no recovery
		// time): the gate cannot pass on part of the group.
		r.Status = analyze.CheckUnknown
		r.Reason = fmt.Sprintf("%d of %d runs have no %s", st.Missing, st.N+st.Missing, c.Metric)
	}
	return r
}

func (c *Check) run(run *analyze.RunResult) analyze.CheckResult {
	r := c.result("run", run.RunID)
	v, res, ok := analyze.RunMetric(run, c.Metric)
	if !ok {
		r.Status, r.Reason = analyze.CheckUnknown, fmt.Sprintf("the run has no %s", c.Metric)
		if why, unknown := run.Metrics.UnknownWhy(c.Metric); unknown {
			r.Reason = "unknown: " + why // the data cannot tell
		}
		return r
	}
	r.Value, r.ResolutionNS = &v, res
	r.Status, r.Reason = verdict(v, float64(res), c.Op, c.Threshold)
	return r
}

// verdict compares v, known to ± res, with the threshold: pass when the
// comparison holds across the whole band [v-res, v+res], fail when it
// holds nowhere in it, undecided otherwise.
func verdict(v, res float64, op string, thr float64) (status, reason string) {
	lo, hi := v-res, v+res
	var all, none bool
	switch op {
	case "<":
		all, none = hi < thr, lo >= thr
	case "<=":
		all, none = hi <= thr, lo > thr
	case ">":
		all, none = lo > thr, hi <= thr
	case ">=":
		all, none = lo >= thr, hi < thr
	case "==":
		all, none = lo == thr && hi == thr, thr < lo || thr > hi
	case "!=":
		all, none = thr < lo || thr > hi, lo == thr && hi == thr
	}
	switch {
	case all:
		return analyze.CheckPass, ""
	case none:
		return analyze.CheckFail, ""
	}
	return analyze.CheckUndecided, "the threshold lies within the value's resolution"
}
