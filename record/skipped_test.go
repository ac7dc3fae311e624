package record_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// A run that mostly skipped its slots (the grid far faster than a probe)
// says so: on the status writer (stderr), in the result the summary prints,
// and in run.json. A connect over a new connection cannot finish in 10 µs,
// so with one in-flight slot nearly every slot is skipped.
func TestMostlySkippedRunSaysSo(t *testing.T) {
	srv := sharedServer(t)
	var status bytes.Buffer
	res, _ := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Interval: 10 * time.Microsecond, Duration: 200 * time.Millisecond,
		Kinds: []string{"connect"}, Conns: []string{"new"}, MaxInflight: 1, Status: &status, StatusEvery: time.Hour,
	})
	var total int64
	for _, n := range res.Counts {
		total += n
	}
	if share := float64(res.Counts[store.OutcomeSkipped]) / float64(total); share <= record.SkippedWarnShare {
		t.Fatalf("only %.2f%% skipped: the test's premise fails", 100*share)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "skipped") {
		t.Errorf("result warnings = %q, want one about skipped slots", res.Warnings)
	}
	if !strings.Contains(status.String(), "warning: ") || !strings.Contains(status.String(), "were skipped") {
		t.Errorf("status (stderr) does not warn about skipped slots:\n%s", status.String())
	}
	info, err := store.ReadRunInfo(res.RunDir)
	if err != nil || len(info.Warnings) != 1 || info.Warnings[0] != res.Warnings[0] {
		t.Errorf("run.json warnings = %q (%v), want %q", info.Warnings, err, res.Warnings)
	}
}
