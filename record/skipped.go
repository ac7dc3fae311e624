package record

import (
	"fmt"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// SkippedWarnShare is the share of skipped probe slots above which a run
// says it mostly measured its own limit, not the endpoint: on stderr, in
// the summary (Result.Warnings) and in run.json (warnings).
const SkippedWarnShare = 0.01

// skippedWarning is the warning for a run whose counts show more than
// SkippedWarnShare of the slots skipped (every in-flight slot taken), or
// "" when there is nothing to say.
func skippedWarning(counts map[string]int64, interval time.Duration, maxInflight int) string {
	var total int64
	for _, n := range counts {
		total += n
	}
	skipped := counts[store.OutcomeSkipped]
	if total == 0 || float64(skipped) <= SkippedWarnShare*float64(total) {
		return ""
	}
	return fmt.Sprintf("%d of %d probe slots (%.2f%%) were skipped, not probed: all %d in-flight slots per stream were taken; "+
		"at --interval %v the probes did not finish in time (a longer --interval or a higher --max-inflight measures them)",
		skipped, total, 100*float64(skipped)/float64(total), maxInflight, interval)
}
