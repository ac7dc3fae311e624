package pgserver

import (
	"fmt"
	"strings"
	"testing"
)

// recordingTB records Skipf and Fatalf instead of ending the test, so the
// skip-or-fail decision can be checked.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper()                          {}
func (r *recordingTB) Skipf(format string, args ...any) { r.skipped = fmt.Sprintf(format, args...) }
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestSkipOrFailWithoutBinaries(t *testing.T) {
	t.Setenv(BinDirEnv, t.TempDir()) // no binaries there

	t.Setenv(RequireEnv, "")
	tb := &recordingTB{TB: t}
	BinariesForTest(tb)
	if tb.failed != "" || !strings.Contains(tb.skipped, RequireEnv) {
		t.Errorf("without %s: skipped %q, failed %q; want a skip naming the variable", RequireEnv, tb.skipped, tb.failed)
	}

	t.Setenv(RequireEnv, "1")
	tb = &recordingTB{TB: t}
	BinariesForTest(tb)
	if tb.skipped != "" || !strings.Contains(tb.failed, "required") {
		t.Errorf("with %s=1: skipped %q, failed %q; want a failure", RequireEnv, tb.skipped, tb.failed)
	}
}
