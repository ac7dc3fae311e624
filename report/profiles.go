package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/vocab"
)

// Client profiles: the comparison of result.ProfileSummary, the "which
// client settings minimise downtime" table, and capacity planning per
// profile. Nothing here shows for runs without a profile beyond the
// built-in ones, whose reports stay as they were.

// profileVal formats a value of a metric of unit unit; times to the
// resolution of the runs' interval.
func profileVal(unit string, v float64, iv int64) string {
	if unit != result.UnitNS {
		return fmtCount(v)
	}
	return fmtSec(v, iv)
}

func profileDelta(unit string, v float64, iv int64) string {
	switch {
	case v < 0:
		return "−" + profileVal(unit, -v, iv)
	case v > 0:
		return "+" + profileVal(unit, v, iv)
	}
	return profileVal(unit, 0, iv)
}

func profileTest(c *result.ProfileComparison) string {
	return fmt.Sprintf("(p=%.3f n=%d)", c.P, c.N)
}

// bestTable is "which client settings minimise downtime": per metric, the
// best profile and its median paired difference from the baseline, `~`
// where that is not significant.
func bestTable(ps *result.ProfileSummary, iv int64) *table {
	t := &table{cols: []column{{name: "metric", data: true}, {name: "best profile", data: true},
		{name: "vs " + ps.Baseline, right: true}, {name: "p, n"}}}
	for _, b := range ps.Best {
		delta, test := "baseline", ""
		if b.Profile != ps.Baseline {
			delta = "~"
			if b.Significant {
				delta = profileDelta(b.Unit, b.Delta, iv)
			}
			test = fmt.Sprintf("(p=%.3f n=%d)", b.P, b.N)
		}
		t.add(b.Metric, b.Profile, delta, test)
	}
	return t
}

// profileComparisonTable is every profile against the baseline for the
// metrics of the best table: the medians of the per-run values and the
// median per-run difference with its paired test.
func profileComparisonTable(ps *result.ProfileSummary, iv int64) (*table, []note) {
	t := &table{cols: []column{{name: "metric", data: true}, {name: "profile", data: true}, {name: "runs", right: true},
		{name: ps.Baseline + " median", right: true}, {name: "profile median", right: true},
		{name: "median difference", right: true}, {name: "p, n"}}}
	var notes []note
	for _, m := range result.BestMetrics {
		for i := range ps.Comparisons {
			c := &ps.Comparisons[i]
			if c.Metric != m {
				continue
			}
			var bs, vs []float64
			for _, p := range c.Pairs {
				bs, vs = append(bs, p.Baseline), append(vs, p.Value)
			}
			delta := "~"
			if c.Significant {
				delta = profileDelta(c.Unit, c.MedianDelta, iv)
			}
			t.add(c.Metric, c.Profile, fmt.Sprint(len(c.Pairs)), profileVal(c.Unit, spreadOf(bs).Median, iv),
				profileVal(c.Unit, spreadOf(vs).Median, iv), delta, profileTest(c))
			for _, w := range c.Warnings {
				notes = addNote(notes, w, c.Metric)
			}
		}
	}
	return t, notes
}

// profilePerRunMetrics are the metrics of the per-run differences table.
var profilePerRunMetrics = []string{"write_downtime", "read_only_time", "unavailable_time"}

// profilePerRunTable is each run's difference from the baseline, per
// profile: the pairing the test uses.
func profilePerRunTable(ps *result.ProfileSummary, iv int64) *table {
	t := &table{cols: []column{{name: "run", data: true}, {name: "profile", data: true}}}
	for _, m := range profilePerRunMetrics {
		t.cols = append(t.cols, column{name: m + " Δ", right: true})
	}
	type key struct{ run, profile, metric string }
	cells := map[key]string{}
	var order []key
	for _, c := range ps.Comparisons {
		for _, p := range c.Pairs {
			k := key{p.RunID, c.Profile, ""}
			if _, ok := cells[k]; !ok {
				cells[k] = ""
				order = append(order, k)
			}
			cells[key{p.RunID, c.Profile, c.Metric}] = profileDelta(c.Unit, p.Delta, iv)
		}
	}
	for _, k := range order {
		row := []string{k.run, k.profile}
		for _, m := range profilePerRunMetrics {
			v, ok := cells[key{k.run, k.profile, m}]
			if !ok {
				v = "–"
			}
			row = append(row, v)
		}
		t.add(row...)
	}
	return t
}

// profileRun is the part of a run that belongs to one profile: its
// streams, phases and metrics.
func profileRun(r *result.RunResult, p *result.ProfileResult) *result.RunResult {
	sub := &result.RunResult{RunID: r.RunID, Start: r.Start, End: r.End, IntervalNS: r.IntervalNS, Phases: p.Phases, Metrics: p.Metrics}
	for _, s := range r.Streams {
		if s.ProfileName() == p.Name {
			sub.Streams = append(sub.Streams, s)
		}
	}
	return sub
}

// profileCapacityTable is, per profile and kind of request, the requests
// that would fail (and, stalled, be delayed) at rate per switchover: the
// median and the largest across the runs.
func profileCapacityTable(s *result.Summary, rate float64) *table {
	t := &table{cols: []column{{name: "profile", data: true}, {name: "requests"}, {name: "runs", right: true},
		{name: "failed (median)", right: true}, {name: "failed (max)", right: true},
		{name: "delayed (median)", right: true}, {name: "delayed (max)", right: true}}}
	for _, name := range s.ProfileComparison.Profiles {
		for _, kind := range []string{vocab.KindWrite, vocab.KindRead} {
			var failed, delayed []float64
			for i := range s.Runs {
				r := &s.Runs[i]
				for j := range r.Profiles {
					if r.Profiles[j].Name != name {
						continue
					}
					tl, ok := TimelineOf(profileRun(r, &r.Profiles[j]), kind)
					if ok {
						failed = append(failed, rate*float64(tl.Downtime())/1e9)
						delayed = append(delayed, rate*float64(tl.StallTime())/1e9)
					}
				}
			}
			if len(failed) == 0 {
				continue
			}
			f, d := spreadOf(failed), spreadOf(delayed)
			t.add(name, kind+"s", fmt.Sprint(len(failed)), fmtCount(f.Median), fmtCount(f.Max), fmtCount(d.Median), fmtCount(d.Max))
		}
	}
	return t
}

// profileInterval is the runs' shared probe interval (the resolution of
// the profiles' numbers), else the largest.
func profileInterval(s *result.Summary) int64 {
	var iv int64
	for i := range s.Runs {
		iv = max(iv, s.Runs[i].IntervalNS)
	}
	return iv
}

func (rep *Report) writeProfiles(b *mdWriter) {
	ps := rep.Sum.ProfileComparison
	if ps == nil {
		return
	}
	iv := profileInterval(rep.Sum)
	b.p("## Client profiles\n\n")
	b.p("Profiles %s, each recorded on its own streams in the same runs, so every profile saw the same switchovers. "+
		"Each is compared with the baseline `%s` run by run: the difference in each run, and across runs the %s on those differences "+
		"(`~`: not significant at α = %.2f; p and the number of runs with a difference beside each).\n\n",
		Escape(strings.Join(ps.Profiles, ", ")), Escape(ps.Baseline), result.PairedTest, result.Alpha)
	b.p("### Which client settings minimise downtime\n\n")
	bestTable(ps, iv).writeMarkdown(&b.Builder)
	b.p("\n### Every profile against %s\n\n", Escape(ps.Baseline))
	t, notes := profileComparisonTable(ps, iv)
	t.writeMarkdown(&b.Builder)
	b.p("\n")
	for _, n := range notes {
		b.p("Note: %s.\n\n", Escape(n.text))
	}
	b.p("### Per run\n\n")
	profilePerRunTable(ps, iv).writeMarkdown(&b.Builder)
	b.p("\n")
	if rep.Opt.Rate > 0 {
		b.p("### Capacity planning per profile\n\n")
		b.p("At %s requests per second of each kind, per switchover: requests that would fail while the profile's streams of that kind failed, and be delayed while they stalled.\n\n", fmtCount(rep.Opt.Rate))
		profileCapacityTable(rep.Sum, rep.Opt.Rate).writeMarkdown(&b.Builder)
		b.p("\n")
	}
}

// writeTextProfiles is the profile comparison in the text table.
func writeTextProfiles(b *strings.Builder, s *result.Summary) {
	ps := s.ProfileComparison
	if ps == nil {
		return
	}
	iv := profileInterval(s)
	fmt.Fprintf(b, "\nclient profiles: %s; baseline %s; paired by run, %s\n", strings.Join(ps.Profiles, ", "), ps.Baseline, result.PairedTest)
	b.WriteString("  which client settings minimise downtime:\n")
	bestTable(ps, iv).writeText(b, "    ")
	t, notes := profileComparisonTable(ps, iv)
	fmt.Fprintf(b, "  every profile against %s:\n", ps.Baseline)
	t.writeText(b, "    ")
	for _, n := range notes {
		fmt.Fprintf(b, "    note: %s\n", n.text)
	}
}

// profileHeadline is the headline's sentence on client profiles, for a
// group whose runs compare several (RunResult.Profiles): what each
// profile's writes saw, so that a profile that failed alone (an
// experimental client setting beside the production one) is said to be
// that profile's, not the switchover's. "" without profiles.
func profileHeadline(g *GroupView) string {
	var names []string
	downs := map[string][]result.Duration{}
	for _, r := range g.Runs {
		for _, p := range r.Profiles {
			if p.Metrics.WriteDowntime == nil {
				continue // no write streams, or unknown: nothing to say
			}
			if _, seen := downs[p.Name]; !seen {
				names = append(names, p.Name)
			}
			downs[p.Name] = append(downs[p.Name], *p.Metrics.WriteDowntime)
		}
	}
	if len(names) < 2 {
		return ""
	}
	var failed, never []string
	var lone string // the failed profile's name and value, when one failed
	for _, n := range names {
		ds := downs[n]
		slices.SortFunc(ds, func(a, b result.Duration) int { return cmp.Compare(a.NS, b.NS) })
		if ds[len(ds)-1].NS == 0 {
			never = append(never, Escape(n))
			continue
		}
		med := result.Duration{NS: ds[len(ds)/2].NS}
		if len(ds)%2 == 0 {
			med.NS = (ds[len(ds)/2-1].NS + ds[len(ds)/2].NS) / 2
		}
		for _, d := range ds {
			med.ResolutionNS = max(med.ResolutionNS, d.ResolutionNS)
		}
		v := fmtDur(med)
		if len(ds) > 1 {
			v = "a median of " + v
		}
		failed = append(failed, fmt.Sprintf("%s for %s", Escape(n), v))
		lone = fmt.Sprintf("%s's writes failed (for %s)", Escape(n), v)
	}
	switch {
	case len(failed) == 0:
		return "By client profile: no profile's writes failed."
	case len(never) == 0:
		return "By client profile, writes were unavailable: " + strings.Join(failed, "; ") + "."
	case len(failed) == 1:
		return fmt.Sprintf("Only client profile %s; %s never failed.", lone, strings.Join(never, ", "))
	}
	return fmt.Sprintf("By client profile, writes were unavailable: %s; %s never failed.", strings.Join(failed, "; "), strings.Join(never, ", "))
}
