package analyze

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/record/store"
)

// The vantage points of a switchover (result.Switchover; the package doc of
// analyze/result says what the fields mean, which clock they are on and
// why): runs recorded from several hosts grouped into switchovers, and
// each vantage's phases, first error and recovery on the servers' clock.

// setVantage copies what run.json says of where the run was recorded from
// and what it watched into the run's result.
func setVantage(res *RunResult, info *store.RunInfo) {
	res.Vantage = info.Vantage
	if res.Vantage == "" {
		res.Vantage = info.Host // runs written before vantages: the host is where it probed from
	}
	res.SwitchoverID = info.SwitchoverID
	if ep, ok := info.Settings["write_endpoint"].(map[string]any); ok {
		res.WriteEndpoint = endpointKey(ep)
	}
}

// endpointKey names an endpoint as run.json's settings.write_endpoint
// describes it: its hosts (host:port, the recorder's list with fallbacks)
// and database, "h1:5432,h2:5432/app"; "" when it names no host.
func endpointKey(ep map[string]any) string {
	var hosts []string
	if hs, ok := ep["hosts"].([]any); ok {
		for _, h := range hs {
			if s, ok := h.(string); ok && s != "" {
				hosts = append(hosts, s)
			}
		}
	}
	if len(hosts) == 0 {
		h, _ := ep["host"].(string)
		if h == "" {
			return ""
		}
		if port, ok := ep["port"].(float64); ok {
			h = net.JoinHostPort(h, strconv.Itoa(int(port)))
		}
		hosts = []string{h}
	}
	db, _ := ep["database"].(string)
	return strings.Join(hosts, ",") + "/" + db
}

// compareSwitchovers sets the summary's Switchovers. The default text
// output reads no clock offsets (Options.GroupsOnly: the server_time
// column costs reading); the vantages are compared on the servers' clock,
// so the runs of a switchover seen from several vantages are read again
// for their offsets: only those, so that a bucket of single-vantage runs
// costs nothing more.
func compareSwitchovers(ctx context.Context, sum *Summary, srcs []argSource, extra []store.Event, opt Options) error {
	sum.Switchovers = switchovers(sum.Runs)
	if !opt.GroupsOnly || len(sum.Switchovers) == 0 {
		return nil
	}
	want := map[string]bool{} // run ids of the switchovers' vantages
	for _, sw := range sum.Switchovers {
		for _, v := range sw.Vantages {
			want[v.RunID] = true
		}
	}
	paths := map[string]bool{}
	for i := range sum.Runs {
		if want[sum.Runs[i].RunID] {
			paths[sum.Runs[i].Path] = true
		}
	}
	var again []argSource
	for _, s := range srcs {
		if paths[s.path] {
			again = append(again, s)
		}
	}
	o := opt
	o.GroupsOnly, o.Truth, o.Latencies, o.Show, o.Warn = false, false, false, nil, nil
	results, err := analyzeSources(ctx, again, extra, &o)
	if err != nil {
		return err
	}
	offsets := map[string]*ClockOffset{}
	for _, r := range results {
		for i := range r.runs {
			offsets[r.runs[i].RunID] = r.runs[i].Metrics.ClockOffset
		}
	}
	for i := range sum.Runs {
		if o, ok := offsets[sum.Runs[i].RunID]; ok && want[sum.Runs[i].RunID] {
			sum.Runs[i].Metrics.ClockOffset = o
		}
	}
	sum.Switchovers = switchovers(sum.Runs)
	return nil
}

// runGroup is runs (indices into the summary's runs) that are one
// switchover by their id or by their endpoint and time.
type runGroup struct {
	id, endpoint string
	runs         []int
}

// switchoverGroups groups the runs that name a vantage: by switchover id,
// and those without one by write endpoint over overlapping time, in the
// order of their earliest run.
func switchoverGroups(runs []RunResult) []runGroup {
	order := make([]int, 0, len(runs))
	for i := range runs {
		if runs[i].Vantage != "" {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return runs[a].Start.Compare(runs[b].Start) })
	var groups []runGroup
	byID := map[string]int{}
	open := map[string]int{} // endpoint -> its latest group
	openEnd := map[string]time.Time{}
	for _, i := range order {
		r := &runs[i]
		switch {
		case r.SwitchoverID != "":
			g, ok := byID[r.SwitchoverID]
			if !ok {
				g = len(groups)
				byID[r.SwitchoverID] = g
				groups = append(groups, runGroup{id: r.SwitchoverID})
			}
			groups[g].runs = append(groups[g].runs, i)
		case r.WriteEndpoint != "":
			g, ok := open[r.WriteEndpoint]
			if !ok || !r.Start.Before(openEnd[r.WriteEndpoint]) {
				g = len(groups)
				open[r.WriteEndpoint] = g
				groups = append(groups, runGroup{endpoint: r.WriteEndpoint})
			}
			groups[g].runs = append(groups[g].runs, i)
			if r.End.After(openEnd[r.WriteEndpoint]) {
				openEnd[r.WriteEndpoint] = r.End
			}
		}
	}
	return groups
}

// switchovers finds the switchovers seen from at least two vantages and
// compares their vantages.
func switchovers(runs []RunResult) []result.Switchover {
	var out []result.Switchover
	for _, g := range switchoverGroups(runs) {
		var members []*RunResult
		var warnings []string
		have := map[string]string{} // vantage -> its run
		for _, i := range g.runs {
			r := &runs[i]
			if first, dup := have[r.Vantage]; dup {
				warnings = append(warnings, fmt.Sprintf("run %s is a second run of vantage %q (its first: %s): left out", r.RunID, r.Vantage, first))
				continue
			}
			have[r.Vantage] = r.RunID
			members = append(members, r)
		}
		if len(members) < 2 {
			continue
		}
		sw := compareVantages(members)
		sw.ID, sw.Warnings = g.id, append(warnings, sw.Warnings...)
		sw.GroupedBy = result.GroupedBySwitchoverID
		if g.id == "" {
			sw.GroupedBy = result.GroupedByWriteEndpoint
		}
		sw.WriteEndpoint = members[0].WriteEndpoint
		for _, m := range members[1:] {
			if m.WriteEndpoint != sw.WriteEndpoint {
				sw.WriteEndpoint = ""
				sw.Warnings = append(sw.Warnings, fmt.Sprintf("the vantages name different write endpoints (%q, %q, ...)", members[0].WriteEndpoint, m.WriteEndpoint))
				break
			}
		}
		out = append(out, sw)
	}
	return out
}

// compareVantages puts the vantages' runs side by side on the servers'
// clock and measures the spreads.
func compareVantages(members []*RunResult) result.Switchover {
	sw := result.Switchover{Vantages: make([]result.VantageResult, len(members))}
	for i, r := range members {
		sw.Vantages[i] = vantageOf(r)
	}
	slices.SortStableFunc(sw.Vantages, compareVantageOrder)
	for _, v := range sw.Vantages {
		if v.Clock == result.VantageClockOwn {
			sw.Warnings = append(sw.Warnings, fmt.Sprintf("vantage %q: no clock offset (no probe read the servers' clock): its times are on its own clock and left out of the spreads", v.Vantage))
		}
		if v.Clock == result.VantageClockServers && v.FirstError != nil && sw.Reference == nil {
			t := v.FirstError.Time
			sw.Reference = &t
		}
	}
	sw.From, sw.To = vantageWindow(sw.Vantages)
	sw.FirstErrorSpread = spread(sw.Vantages, func(v *result.VantageResult) (*result.Instant, string) {
		if v.FirstError == nil {
			return nil, result.WhyNoFailure
		}
		return v.FirstError, ""
	})
	sw.RecoverySpread = spread(sw.Vantages, func(v *result.VantageResult) (*result.Instant, string) {
		if v.Recovery == nil {
			return nil, result.WhyNotRecovered
		}
		return v.Recovery, ""
	})
	return sw
}

// compareVantageOrder orders vantages by their first error on the servers'
// clock, then those on their own clock, then those without a failed probe;
// then by name.
func compareVantageOrder(a, b result.VantageResult) int {
	rank := func(v *result.VantageResult) int {
		switch {
		case v.FirstError == nil:
			return 2
		case v.Clock == result.VantageClockOwn:
			return 1
		}
		return 0
	}
	ra, rb := rank(&a), rank(&b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	if ra < 2 {
		if c := a.FirstError.Time.Compare(b.FirstError.Time); c != 0 {
			return c
		}
	}
	return cmp.Compare(a.Vantage, b.Vantage)
}

// vantageOf is one run as a vantage of a switchover: its times shifted by
// its clock offset onto the servers' clock, or on its own without one.
func vantageOf(r *RunResult) result.VantageResult {
	m := &r.Metrics
	v := result.VantageResult{Vantage: r.Vantage, RunID: r.RunID, ClockOffset: m.ClockOffset, Clock: result.VantageClockOwn,
		IntervalNS: r.IntervalNS, WriteDowntime: m.WriteDowntime, Recovered: m.Recovered}
	if why, unknown := m.UnknownWhy("write_downtime"); unknown {
		v.WriteDowntimeUnknown, v.KnownWriteDowntime = why, m.KnownWriteDowntime
	}
	if o := m.ClockOffset; o != nil && o.Probes > 0 {
		v.Clock, v.OffsetNS, v.OffsetUncertaintyNS = result.VantageClockServers, o.MedianNS, (o.P95NS-o.P5NS)/2
	}
	shift := func(t time.Time) time.Time { return t.Add(time.Duration(v.OffsetNS)) }
	v.Start, v.End = shift(r.Start), shift(r.End)
	v.Phases = make([]result.VantagePhase, len(r.Phases))
	for i, p := range r.Phases {
		v.Phases[i] = result.VantagePhase{State: p.State, Label: p.Label, Start: shift(p.Start), End: shift(p.End),
			StartResolutionNS: edgeResolution(r, &p.Window, true), EndResolutionNS: edgeResolution(r, &p.Window, false)}
		v.Outage = v.Outage || p.State.Outage()
	}
	if t := m.FirstError; t != nil {
		v.FirstError = &result.Instant{Time: shift(*t), ResolutionNS: instantResolution(r, *t, true)}
	}
	if t := m.Recovery; t != nil && v.Outage && m.Recovered {
		v.Recovery = &result.Instant{Time: shift(*t), ResolutionNS: instantResolution(r, *t, false)}
	}
	return v
}

// edgeResolution is how well a phase's start (or end) is known: the probe
// interval on the recorder's grid, the edge's own resolution without one.
func edgeResolution(r *RunResult, w *result.Window, start bool) int64 {
	if !r.ClosedLoop {
		return r.IntervalNS
	}
	if start {
		return w.StartResolutionNS
	}
	return w.EndResolutionNS
}

// instantResolution is the resolution of the phase edge at t (a start, or
// an end); the run's interval when no phase edge lies there.
func instantResolution(r *RunResult, t time.Time, start bool) int64 {
	for i := range r.Phases {
		w := &r.Phases[i].Window
		if (start && w.Start.Equal(t)) || (!start && w.End.Equal(t)) {
			return edgeResolution(r, w, start)
		}
	}
	return r.IntervalNS
}

// vantageWindow is the window the picture shows: the vantages' outages on
// the servers' clock padded by half their span and at least 5 s, within
// their runs (the pictures of one run pad alike: RunResult.DetailWindow);
// the vantages on their own clock count only when none is on the servers'.
func vantageWindow(vs []result.VantageResult) (from, to time.Time) {
	onServers := slices.ContainsFunc(vs, func(v result.VantageResult) bool { return v.Clock == result.VantageClockServers })
	var os, oe time.Time
	for _, v := range vs {
		if onServers && v.Clock != result.VantageClockServers {
			continue
		}
		if from.IsZero() || v.Start.Before(from) {
			from = v.Start
		}
		if v.End.After(to) {
			to = v.End
		}
		for _, p := range v.Phases {
			if !p.State.Outage() {
				continue
			}
			if os.IsZero() || p.Start.Before(os) {
				os = p.Start
			}
			if p.End.After(oe) {
				oe = p.End
			}
		}
	}
	if os.IsZero() {
		return from, to
	}
	pad := max(5*time.Second, oe.Sub(os)/2)
	return maxTime(from, os.Add(-pad)), minTime(to, oe.Add(pad))
}

// spread compares one moment of the vantages on the servers' clock. get
// returns a vantage's moment, or why it has none; a vantage on that clock
// with an outage that did not recover makes a recovery spread unknown (its
// recovery lies after the end of its run, later than every other perhaps).
func spread(vs []result.VantageResult, get func(*result.VantageResult) (*result.Instant, string)) result.Spread {
	var s result.Spread
	unknown := false
	var first, last *result.VantageResult
	for i := range vs {
		v := &vs[i]
		in, why := get(v)
		switch {
		case !v.Outage:
			why = result.WhyNoOutage
		case in == nil:
			// a vantage on the servers' clock that did not recover: the
			// latest recovery is unknown (one on its own clock is only left out)
			unknown = unknown || (why == result.WhyNotRecovered && v.Clock == result.VantageClockServers)
		case v.Clock != result.VantageClockServers:
			why = result.WhyOwnClock
		default:
			s.Vantages++
			if first == nil || in.Time.Before(getTime(first, get)) {
				first = v
			}
			if last == nil || !in.Time.Before(getTime(last, get)) { // a tie names two vantages, not one twice
				last = v
			}
			continue
		}
		s.LeftOut = append(s.LeftOut, result.LeftOut{Vantage: v.Vantage, Why: why})
	}
	if s.Vantages < 2 || unknown {
		return s // nothing to compare, or the latest moment is unknown
	}
	s.Earliest, s.Latest = first.Vantage, last.Vantage
	a, _ := get(first)
	b, _ := get(last)
	s.ResolutionNS = a.ResolutionNS + b.ResolutionNS + first.OffsetUncertaintyNS + last.OffsetUncertaintyNS
	ns := b.Time.Sub(a.Time).Nanoseconds()
	s.NS = &ns
	return s
}

func getTime(v *result.VantageResult, get func(*result.VantageResult) (*result.Instant, string)) time.Time {
	in, _ := get(v)
	return in.Time
}
