package record

import (
	"testing"
	"time"
)

func TestSkippedWarningThreshold(t *testing.T) {
	for _, c := range []struct {
		ok, skipped int64
		warn        bool
	}{
		{1000, 0, false},
		{990, 10, false}, // exactly 1 %
		{989, 11, true},
		{25, 9975, true},
		{0, 0, false},
	} {
		got := skippedWarning(map[string]int64{"ok": c.ok, "skipped": c.skipped}, time.Microsecond, 512) != ""
		if got != c.warn {
			t.Errorf("ok %d, skipped %d: warning %v, want %v", c.ok, c.skipped, got, c.warn)
		}
	}
}
