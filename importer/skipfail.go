package importer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchwatch/switchwatch/record/store"
)

// Skipped failure lines (issue 20): a request line that says a failure but
// is invalid otherwise (a time in another unit, an unknown class) is
// skipped like any bad line, yet a skipped failure is not a skipped ok:
// with every failure line of a file invalid and its ok lines fine, the
// import said 0 s down and exited 0. So a file whose skipped lines that
// say a failure exceed Options.MaxSkippedFailures (default none) fails the
// import, naming the file, the counts and the first such line. The same
// holds for a per-transaction pgbench line whose time field says failed,
// serialization or deadlock; an aggregated line's failures are counts that
// an invalid line cannot be trusted to say.

// SkipBound bounds the skipped failure lines of a file: at most N lines,
// or with Pct set at most N percent of the file's failure lines (taken and
// skipped). The zero value allows none.
type SkipBound struct {
	N   float64
	Pct bool
}

// ParseSkipBound parses "N" (a count) or "P%" (a share of the failure
// lines, 0 to 100).
func ParseSkipBound(s string) (SkipBound, error) {
	t, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	v, err := strconv.ParseFloat(t, 64)
	switch {
	case err != nil || v < 0 || v != v:
		return SkipBound{}, fmt.Errorf("%q is not a count N or a share P%%", s)
	case pct && v > 100:
		return SkipBound{}, fmt.Errorf("%q is more than 100%%", s)
	case !pct && v != float64(int64(v)):
		return SkipBound{}, fmt.Errorf("%q is not a whole count of lines", s)
	}
	return SkipBound{N: v, Pct: pct}, nil
}

func (b SkipBound) String() string {
	if b.Pct {
		return strconv.FormatFloat(b.N, 'g', -1, 64) + "%"
	}
	return strconv.FormatFloat(b.N, 'f', 0, 64)
}

// allows reports whether skipped failure lines out of all failure lines
// (taken and skipped) are within the bound.
func (b SkipBound) allows(skipped, all int64) bool {
	if b.Pct {
		return float64(skipped)*100 <= b.N*float64(all)
	}
	return float64(skipped) <= b.N
}

// failureCounts counts, by file, the failure lines taken and skipped, and
// keeps the first skipped one of each file.
type failureCounts struct {
	taken, skipped []int64
	first          []*store.LineError
}

func newFailureCounts(files int) *failureCounts {
	return &failureCounts{taken: make([]int64, files), skipped: make([]int64, files), first: make([]*store.LineError, files)}
}

func (c *failureCounts) skip(file int, le *store.LineError) {
	c.skipped[file]++
	if c.first[file] == nil {
		c.first[file] = le
	}
}

// check fails on the first file (of paths) whose skipped failure lines
// exceed bound.
func (c *failureCounts) check(paths []string, bound SkipBound) error {
	for f, p := range paths {
		if c.skipped[f] == 0 || bound.allows(c.skipped[f], c.taken[f]+c.skipped[f]) {
			continue
		}
		return fmt.Errorf("%s: %d of its %d failure lines were skipped as invalid, the first at %v: the failures they record would be missing from the run, which would look healthier than it was (fix the lines, or accept up to N lines or P%% of them with --max-skipped-failures N|P%%, now %v)",
			p, c.skipped[f], c.taken[f]+c.skipped[f], c.first[f], bound)
	}
	return nil
}

// saysFailure reports whether an invalid request line still says a
// failure: an outcome other than ok, or (without an outcome) an error, a
// sqlstate or a class. It reads the line leniently (any JSON type), since
// the line is invalid; a line that is no JSON object says nothing.
func saysFailure(text []byte) bool {
	var l struct {
		Outcome  any `json:"outcome"`
		Error    any `json:"error"`
		SQLState any `json:"sqlstate"`
		Class    any `json:"class"`
	}
	if json.Unmarshal(text, &l) != nil {
		return false
	}
	if o, ok := l.Outcome.(string); ok && o != "" {
		return !strings.EqualFold(o, store.OutcomeOK)
	}
	if l.Outcome != nil {
		return false // an outcome of another type says nothing readable
	}
	for _, v := range []any{l.Error, l.SQLState, l.Class} {
		if s, ok := v.(string); ok && s != "" {
			return true
		}
	}
	return false
}

// txFailure reports whether a pgbench transaction status is a failure.
func txFailure(status uint8) bool {
	return status == txFailed || status == txSerialization || status == txDeadlock
}

// sourcePaths are the paths of srcs, in order.
func sourcePaths(srcs []source) []string {
	paths := make([]string, len(srcs))
	for i, s := range srcs {
		paths[i] = s.Path
	}
	return paths
}
