package analyze

import (
	"fmt"
	"math"
	"slices"

	"github.com/aclements/go-moremath/stats"
)

// Client profiles (record --client/--clients): a run with a profile beyond
// the built-in new and pooled is analyzed once as a whole, as every run
// is, and once per profile on that profile's streams alone
// (RunResult.Profiles). Every profile of a run saw the same switchover, so
// profiles are compared pairwise, run by run (Summary.ProfileComparison).
// A run with only the built-in profiles is analyzed as before: its output
// does not change.

func runProfiles(rr *runRows) (names []string, conns map[string]string, by map[string][]*streamRows) {
	custom := false
	by, conns = map[string][]*streamRows{}, map[string]string{}
	var seen []string
	for _, sr := range rr.order {
		conn := rr.syms.str(sr.key.conn)
		name := conn
		if sr.key.profile != 0 {
			name = rr.syms.str(sr.key.profile)
		}
		if name != conn {
			custom = true
		}
		if _, ok := by[name]; !ok {
			seen = append(seen, name)
		}
		by[name] = append(by[name], sr)
		conns[name] = conn
	}
	if !custom {
		return nil, nil, nil
	}
	if rr.info != nil {
		if ps, ok := rr.info.Settings["profiles"].([]any); ok {
			for _, p := range ps {
				if m, ok := p.(map[string]any); ok {
					if n, ok := m["name"].(string); ok && by[n] != nil && !slices.Contains(names, n) {
						names = append(names, n)
					}
				}
			}
		}
	}
	for _, n := range seen {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names, conns, by
}

// analyzeProfiles analyzes each profile of a run on its own streams, on
// copies of their rows (the run's own analysis reorders them in place).
func analyzeProfiles(in *runInput, opt *Options, pool *rowPool) []ProfileResult {
	rr := in.rows
	names, conns, by := runProfiles(rr)
	var out []ProfileResult
	for _, name := range names {
		sub := newRunRows(rr.id, rr.path, rr.syms)
		sub.info, sub.pool = rr.info, pool
		for _, sr := range by[name] {
			c := &streamRows{key: sr.key, rows: append(pool.get(len(sr.rows)), sr.rows...), outOfOrder: sr.outOfOrder, lastIntended: sr.lastIntended}
			if sr.obs != nil {
				c.obs = append(pool.getObs(len(sr.obs)), sr.obs...)
			}
			c.cold = sr.cold.clone(pool)
			sub.order = append(sub.order, c)
			sub.by[sr.key] = c
			sub.rows += int64(len(sr.rows))
		}
		r := analyzeRun(&runInput{rows: sub, events: in.events, profile: true}, opt, pool)
		out = append(out, ProfileResult{Name: name, Conn: conns[name], Phases: r.Phases, Metrics: r.Metrics})
	}
	return out
}

// compareProfiles compares every profile with the baseline across the
// runs that have profiles; nil when none has. baseline "" is the first
// profile of the first such run; a baseline no run has is an error.
func compareProfiles(runs []RunResult, baseline string) (*ProfileSummary, error) {
	var names []string
	for i := range runs {
		for _, p := range runs[i].Profiles {
			if !slices.Contains(names, p.Name) {
				names = append(names, p.Name)
			}
		}
	}
	if len(names) == 0 {
		if baseline != "" {
			return nil, fmt.Errorf("--baseline %q: no run has client profiles beyond the built-in new and pooled", baseline)
		}
		return nil, nil
	}
	if baseline == "" {
		baseline = names[0]
	}
	if !slices.Contains(names, baseline) {
		return nil, fmt.Errorf("--baseline %q is none of the runs' profiles (%v)", baseline, names)
	}
	i := slices.Index(names, baseline)
	names = append([]string{baseline}, append(names[:i:i], names[i+1:]...)...)
	ps := &ProfileSummary{Baseline: baseline, Profiles: names}
	for _, def := range MetricDefs {
		for _, name := range names[1:] {
			if c, ok := compareProfile(runs, def, baseline, name); ok {
				ps.Comparisons = append(ps.Comparisons, c)
			}
		}
	}
	for _, m := range BestMetrics {
		best := ProfileBest{Metric: m, Profile: baseline, P: 1}
		have := false
		for _, c := range ps.Comparisons {
			if c.Metric != m {
				continue
			}
			best.Unit, have = c.Unit, true
			if c.MedianDelta < best.Delta && -c.MedianDelta >= resolution(&c) {
				best = ProfileBest{Metric: m, Unit: c.Unit, Profile: c.Profile, Delta: c.MedianDelta, Significant: c.Significant, N: c.N, P: c.P}
			}
		}
		if have {
			ps.Best = append(ps.Best, best)
		}
	}
	return ps, nil
}

func profileMetrics(r *RunResult, name string) *RunResult {
	for _, p := range r.Profiles {
		if p.Name == name {
			return &RunResult{RunID: r.RunID, Metrics: p.Metrics}
		}
	}
	return nil
}

// compareProfile pairs profile's value of def with baseline's in every run
// that has both, and tests whether the differences are centred on zero.
func compareProfile(runs []RunResult, def MetricDef, baseline, profile string) (ProfileComparison, bool) {
	c := ProfileComparison{Metric: def.Name, Unit: def.Unit, Baseline: baseline, Profile: profile, Test: PairedTest, Alpha: Alpha}
	var deltas []float64
	for i := range runs {
		b, p := profileMetrics(&runs[i], baseline), profileMetrics(&runs[i], profile)
		if b == nil || p == nil {
			continue
		}
		bv, bres, bok := def.Get(b)
		pv, pres, pok := def.Get(p)
		if !bok || !pok {
			continue
		}
		// A difference within the resolution of the two durations (one
		// probe interval) is below what the sampling can tell: for the
		// sign test it is a tie, not a direction.
		c.Pairs = append(c.Pairs, ProfilePair{RunID: runs[i].RunID, Baseline: bv, Value: pv, Delta: pv - bv,
			Resolution: float64(max(bres, pres))})
		deltas = append(deltas, pv-bv)
	}
	if len(c.Pairs) == 0 {
		return c, false
	}
	slices.Sort(deltas)
	c.MedianDelta = stats.Sample{Xs: deltas, Sorted: true}.Quantile(0.5)
	c.N, c.P = signTest(signed(c.Pairs))
	c.Significant = c.N > 0 && c.P <= Alpha
	if min := minSignTestN(Alpha); c.N < min {
		c.Warnings = append(c.Warnings, fmt.Sprintf("need >= %d runs with a difference for a paired difference to be significant at alpha %v", min, Alpha))
	}
	return c, true
}

// resolution is what the comparison's differences are known to: the
// largest resolution of its pairs.
func resolution(c *ProfileComparison) float64 {
	var r float64
	for _, p := range c.Pairs {
		r = max(r, p.Resolution)
	}
	return r
}

// signed are the pairs' differences for the sign test: a difference within
// the resolution of its durations counts as zero (a tie).
func signed(pairs []ProfilePair) []float64 {
	out := make([]float64, len(pairs))
	for i, p := range pairs {
		if math.Abs(p.Delta) >= p.Resolution && p.Delta != 0 {
			out[i] = p.Delta
		}
	}
	return out
}

// signTest is the exact two-sided sign test of the differences: under the
// null hypothesis each non-zero difference is as likely negative as
// positive, so the count of positive ones is Binomial(n, 1/2) (go-moremath's
// BinomialDist). n is the number of non-zero differences.
func signTest(deltas []float64) (n int, p float64) {
	pos := 0
	for _, d := range deltas {
		switch {
		case d > 0:
			pos++
			n++
		case d < 0:
			n++
		}
	}
	if n == 0 {
		return 0, 1
	}
	k := float64(min(pos, n-pos))
	dist := stats.BinomialDist{N: n, P: 0.5}
	return n, math.Min(1, 2*dist.CDF(k))
}

// minSignTestN is the fewest differences with which the sign test can
// reach alpha (all of one sign): 2·0.5^n <= alpha.
func minSignTestN(alpha float64) int {
	n := 1
	for 2*math.Pow(0.5, float64(n)) > alpha {
		n++
	}
	return n
}
