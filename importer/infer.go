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

// maxRowsPerGap bounds the rows inferred for one gap, and maxInferredRows
// those of one import, so that a long pause between two pgbench runs at a
// high rate cannot make millions of rows: beyond maxRowsPerGap, fewer
// rows spread evenly stand for the due transactions (which only coarsens
// the timeline inside the gap); beyond maxInferredRows no further gap is
// filled, and the import says so.
var (
	maxRowsPerGap   = 100_000.0
	maxInferredRows = int64(1_000_000)
)

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
	// Due is the number of transactions expected in the gap at the rate;
	// Rows the number of inferred rows that stand for them (fewer than Due
	// only in gaps longer than maxRowsPerGap transactions).
	Due  int64 `json:"due"`
	Rows int64 `json:"rows"`
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

// span is a closed interval of time, ns.
type span struct{ lo, hi int64 }

// pgbenchRuns groups input files into pgbench runs: files whose spans of
// scheduled starts overlap were written by the threads of one pgbench. It
// returns the run of each file and each run's span.
func pgbenchRuns(fileSpans map[int]span) (map[int]int, []span) {
	files := make([]int, 0, len(fileSpans))
	for f := range fileSpans {
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool {
		a, b := fileSpans[files[i]], fileSpans[files[j]]
		return a.lo < b.lo || a.lo == b.lo && files[i] < files[j]
	})
	runOf := map[int]int{}
	var runs []span
	for _, f := range files {
		s := fileSpans[f]
		if n := len(runs); n > 0 && s.lo <= runs[n-1].hi {
			runs[n-1].hi = max(runs[n-1].hi, s.hi)
		} else {
			runs = append(runs, s)
		}
		runOf[f] = len(runs) - 1
	}
	return runOf, runs
}

// minRunTx is the fewest transactions a pgbench run needs for its own rate
// estimate; a shorter run takes the rate of all runs together.
const minRunTx = 10

// runRate is a pgbench run's rate: its transactions per second of its
// span, 0 when that cannot be told (fewer than minRunTx, or no span).
func runRate(n int64, s span) float64 {
	if n < minRunTx || s.hi <= s.lo {
		return 0
	}
	return float64(n-1) / (float64(s.hi-s.lo) / 1e9)
}
