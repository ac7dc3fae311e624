package analyze

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"
)

// ErrBaselineGroup is wrapped by the error CompareGroups returns when the
// baseline group names no group.
var ErrBaselineGroup = errors.New("unknown baseline group")

// CompareGroups recomputes s.Comparisons: every group against the
// baseline group base (its key, "scenario=dns", or its label as
// GroupLabel gives it, "dns"; "" is the first group), or, with all, every
// pair of groups, each earlier group the baseline of the later ones. The
// Summary's statistics are not changed; the comparisons are the same
// Mann-Whitney U tests Analyze makes against the first group.
func CompareGroups(s *Summary, base string, all bool) error {
	bi := 0
	if base != "" {
		bi = slices.IndexFunc(s.Groups, func(g Group) bool { return g.Key == base || GroupLabel(&g, s.By) == base })
		if bi < 0 {
			names := make([]string, len(s.Groups))
			for i := range s.Groups {
				names[i] = GroupLabel(&s.Groups[i], s.By)
			}
			return fmt.Errorf("%w %q (the groups are %s)", ErrBaselineGroup, base, strings.Join(names, ", "))
		}
	}
	// samples[g][m] are the values of metric m in group g
	samples := make([][]*benchmath.Sample, len(s.Groups))
	for gi, members := range groupMembers(s) {
		for _, def := range MetricDefs {
			var vals []float64
			for _, r := range members {
				if v, _, ok := def.Get(r); ok {
					vals = append(vals, v)
				}
			}
			samples[gi] = append(samples[gi], benchmath.NewSample(vals, &benchmath.DefaultThresholds))
		}
	}
	pair := func(a, b int) []Comparison {
		var out []Comparison
		for mi, def := range MetricDefs {
			x, y := samples[a][mi], samples[b][mi]
			if len(x.Values) == 0 || len(y.Values) == 0 || mi >= len(s.Groups[a].Stats) || mi >= len(s.Groups[b].Stats) {
				continue
			}
			out = append(out, compare(def.MetricInfo, s.Groups[a], s.Groups[b], mi, x, y))
		}
		return out
	}
	var cmps []Comparison
	if all {
		for a := range s.Groups {
			for b := a + 1; b < len(s.Groups); b++ {
				cmps = append(cmps, pair(a, b)...)
			}
		}
	} else {
		for g := range s.Groups {
			if g != bi {
				cmps = append(cmps, pair(bi, g)...)
			}
		}
	}
	s.Comparisons = cmps
	return nil
}
