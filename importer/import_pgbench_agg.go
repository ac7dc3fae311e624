package importer

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// InferredIntervalError is the error text of an inferred aggregated row: an
// interval in which transactions were due and none is counted.
const InferredIntervalError = "inferred: due under --rate, no transaction counted in the interval"

// pgbenchAggRows maps aggregated lines to one probe row per interval: the
// lines of all files (one per pgbench thread) for the same interval are
// summed first.
//
// A row stands for its interval: Intended is the interval start, the
// outcome is error when any transaction of the interval failed
// (serialization or deadlock, counted only with --failures-detailed), ok
// when some succeeded, skipped when all were skipped; LatencyNS is the mean
// latency of the interval's successful transactions (pgbench measures it
// from the scheduled start, so under --rate it includes the schedule lag).
func pgbenchAggRows(aggs []pgAgg, opt *PgbenchOptions, settings map[string]any, note func(string)) ([]store.Probe, int64) {
	endpoint := probeEndpoint(opt.Kind)
	byStart, starts, hasLag, total := mergeIntervals(aggs)
	step := int64(opt.AggregateInterval / time.Second)
	stepSource := "option"
	if step == 0 {
		step, stepSource = commonStep(starts), "estimated"
	}
	settings["aggregate_interval_s"] = step
	settings["aggregate_interval_source"] = stepSource
	settings["transactions"] = total
	settings["schedule"] = "intervals"
	var rows []store.Probe
	for _, s := range starts {
		if p := aggProbe(byStart[s], opt, endpoint); p.Outcome != "" {
			rows = append(rows, p)
		}
	}
	if !hasLag && opt.Rate == 0 {
		note("the aggregated logs have no schedule lag (pgbench ran without --rate), so they cannot say when transactions were due: empty and missing intervals are left out, not inferred as an outage")
		return rows, 0
	}
	rate, source := opt.Rate, "option"
	if rate == 0 {
		rate, source = float64(total)/float64(int64(len(starts))*step), "estimated"
	}
	settings["rate_per_s"] = rate
	settings["rate_source"] = source
	if opt.NoInfer {
		note("inference of unavailability is off (--no-infer)")
		return rows, 0
	}
	// An interval without any transaction is unavailability when so
	// empty an interval is too unlikely under the rate (see minGapNS).
	if minGap := minGapNS(rate, int(total)); int64(opt.MinGap) == 0 && minGap > step*1e9 {
		note(fmt.Sprintf("at %.1f transactions/s an empty %ds interval can happen by chance; no unavailability is inferred (use a longer --aggregate-interval or pass --min-gap)", rate, step))
		return rows, 0
	}
	empty, gaps := emptyIntervals(byStart, starts, step, rate, note)
	for _, t := range empty {
		rows = append(rows, store.Probe{
			Kind: opt.Kind, Conn: opt.Conn, Endpoint: endpoint, Intended: t * 1e9,
			Outcome: store.OutcomeTimeout, Error: InferredIntervalError,
		})
	}
	settings["inferred_gaps"] = gaps
	for _, g := range gaps {
		note(fmt.Sprintf("inferred unavailable: %s", g))
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Intended < rows[j].Intended })
	return rows, int64(len(empty))
}

// mergeIntervals sums the lines of all files (one per pgbench thread) that
// are for the same interval. It returns the sums by interval start, the
// starts in order, whether any line has a schedule lag, and the number of
// transactions.
func mergeIntervals(aggs []pgAgg) (map[int64]*pgAgg, []int64, bool, int64) {
	byStart := map[int64]*pgAgg{}
	var starts []int64
	hasLag := false
	var total int64
	for i := range aggs {
		a := aggs[i]
		hasLag = hasLag || a.sumLag > 0
		total += a.cnt + a.skipped + a.serFail + a.ddFail
		m := byStart[a.startS]
		if m == nil {
			byStart[a.startS] = &a
			starts = append(starts, a.startS)
			continue
		}
		if a.cnt > 0 {
			if m.cnt == 0 {
				m.minLat, m.maxLat = a.minLat, a.maxLat
			} else {
				m.minLat, m.maxLat = math.Min(m.minLat, a.minLat), math.Max(m.maxLat, a.maxLat)
			}
		}
		m.cnt += a.cnt
		m.sumLat += a.sumLat
		m.sumLat2 += a.sumLat2
		m.sumLag += a.sumLag
		m.skipped += a.skipped
		m.retried += a.retried
		m.retries += a.retries
		m.serFail += a.serFail
		m.ddFail += a.ddFail
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	return byStart, starts, hasLag, total
}

// aggProbe is the row of one interval; its Outcome is "" for an interval
// without any transaction.
func aggProbe(a *pgAgg, opt *PgbenchOptions, endpoint string) store.Probe {
	p := store.Probe{Kind: opt.Kind, Conn: opt.Conn, Endpoint: endpoint, Intended: a.startS * 1e9}
	switch {
	case a.serFail+a.ddFail > 0:
		p.Outcome, p.ErrorClass = store.OutcomeError, store.ClassOther
		p.Error = fmt.Sprintf("pgbench: %d of %d transactions failed in the interval (%d serialization, %d deadlock)",
			a.serFail+a.ddFail, a.cnt+a.serFail+a.ddFail, a.serFail, a.ddFail)
	case a.cnt > 0:
		p.Outcome = store.OutcomeOK
		p.LatencyNS = int64(a.sumLat / float64(a.cnt) * 1000)
	case a.skipped > 0:
		p.Outcome = store.OutcomeSkipped
		p.Error = "pgbench: every transaction of the interval was skipped (--latency-limit)"
	}
	return p
}

// emptyIntervals lists the starts (Unix seconds) of the intervals in which
// transactions were due and none is counted: logged intervals without any
// transaction and intervals missing between logged ones, at most
// maxInferredRows. Consecutive ones form one gap.
func emptyIntervals(byStart map[int64]*pgAgg, starts []int64, step int64, rate float64, note func(string)) ([]int64, []Gap) {
	var all []int64
	var gaps []Gap
	for i, s := range starts {
		var empty []int64
		if a := byStart[s]; a.cnt+a.skipped+a.serFail+a.ddFail == 0 {
			empty = append(empty, s)
		}
		if i+1 < len(starts) {
			if missing := (starts[i+1] - s - 1) / step; int64(len(all))+missing > maxInferredRows {
				note(fmt.Sprintf("not inferred: %d missing intervals from %s on, and every later one: more than %d inferred rows in one import (two unrelated pgbench runs?)",
					missing, time.Unix(s+step, 0).UTC().Format(time.RFC3339), maxInferredRows))
				break
			}
			for t := s + step; t < starts[i+1]; t += step {
				empty = append(empty, t)
			}
		}
		for _, t := range empty {
			all = append(all, t)
			if n := len(gaps); n > 0 && gaps[n-1].To.Unix() == t {
				gaps[n-1].To = time.Unix(t+step, 0).UTC()
				gaps[n-1].Due += int64(math.Round(rate * float64(step)))
				gaps[n-1].Rows++
			} else {
				gaps = append(gaps, Gap{From: time.Unix(t, 0).UTC(), To: time.Unix(t+step, 0).UTC(),
					Due: int64(math.Round(rate * float64(step))), Rows: 1, ResolutionNS: step * 1e9})
			}
		}
	}
	return all, gaps
}

// commonStep is the most common positive difference between consecutive
// interval starts (1 when there is none).
func commonStep(starts []int64) int64 {
	count := map[int64]int{}
	best, bestN := int64(1), 0
	for i := 1; i < len(starts); i++ {
		d := starts[i] - starts[i-1]
		if d <= 0 {
			continue
		}
		count[d]++
		if count[d] > bestN || (count[d] == bestN && d < best) {
			best, bestN = d, count[d]
		}
	}
	return best
}
