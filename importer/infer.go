package importer

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// InferredError is the error text of every row that was inferred rather
// than read: a transaction that was due under --rate and of which the log
// shows nothing. The analyzer, a report or a query can tell such rows by it.
const InferredError = "inferred: due under --rate, no transaction in the log (pgbench logs successful transactions only)"

// falseGapOdds is the chance we accept that a healthy run shows one
// inferred gap anywhere: a gap is inferred only when a stretch that long
// without any scheduled transaction has a chance below falseGapOdds/N under
// pgbench's Poisson schedule, N being the number of transactions.
const falseGapOdds = 1e-3

// Gap is a stretch in which transactions were due and the log has none.
type Gap struct {
	// From and To are the scheduled starts of the transactions either side.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Due is the number of transactions expected in the gap at the rate.
	Due int64 `json:"due"`
	// ResolutionNS is how well the edges are known: the mean time between
	// scheduled transactions.
	ResolutionNS int64 `json:"resolution_ns"`
}

func (g Gap) String() string {
	return fmt.Sprintf("%s to %s (%s, %d transactions due, edges ±%s)",
		g.From.Format("15:04:05.000000"), g.To.Format("15:04:05.000000"),
		g.To.Sub(g.From).Round(time.Microsecond), g.Due, time.Duration(g.ResolutionNS).Round(time.Microsecond))
}

// minGapNS is the shortest stretch without a scheduled transaction that
// counts as unavailability, at rate per second with n transactions: the
// chance of a Poisson gap at least that long, exp(-rate·gap), is below
// falseGapOdds/n. It is at least two mean inter-arrival times.
func minGapNS(rate float64, n int) int64 {
	if rate <= 0 {
		return 0
	}
	k := math.Log(float64(max(n, 1)) / falseGapOdds)
	return int64(max(k, 2) / rate * 1e9)
}

// findGaps returns the gaps in sorted scheduled times (ns) longer than
// minGap, with the transactions due in each at rate per second placed
// evenly across it.
func findGaps(times []int64, rate float64, minGap int64) ([]Gap, [][]int64) {
	var gaps []Gap
	var due [][]int64
	if rate <= 0 || minGap <= 0 {
		return nil, nil
	}
	res := int64(1e9 / rate)
	for i := 1; i < len(times); i++ {
		a, b := times[i-1], times[i]
		if b-a <= minGap {
			continue
		}
		n := int64(math.Round(float64(b-a)*rate/1e9)) - 1
		n = max(n, 1)
		at := make([]int64, n)
		for k := int64(1); k <= n; k++ {
			at[k-1] = a + (b-a)*k/(n+1)
		}
		gaps = append(gaps, Gap{From: time.Unix(0, a).UTC(), To: time.Unix(0, b).UTC(), Due: n, ResolutionNS: res})
		due = append(due, at)
	}
	return gaps, due
}

// span is a closed interval of time, ns.
type span struct{ lo, hi int64 }

// estimateRate estimates pgbench's --rate from scheduled start times
// grouped into pgbench runs (one span per input file, overlapping spans
// being one run): transactions per second of run time.
func estimateRate(fileSpans []span, n int) float64 {
	sort.Slice(fileSpans, func(i, j int) bool { return fileSpans[i].lo < fileSpans[j].lo })
	var total int64
	var cur span
	for i, s := range fileSpans {
		if i == 0 {
			cur = s
			continue
		}
		if s.lo <= cur.hi {
			cur.hi = max(cur.hi, s.hi)
			continue
		}
		total += cur.hi - cur.lo
		cur = s
	}
	if len(fileSpans) > 0 {
		total += cur.hi - cur.lo
	}
	if total <= 0 || n < 2 {
		return 0
	}
	return float64(n) / (float64(total) / 1e9)
}
