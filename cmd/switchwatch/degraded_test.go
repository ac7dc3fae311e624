package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// TestOneMillisecondRecordingIsDegraded records at a 1 ms interval against
// a real local PostgreSQL, as the issue did (issue 20 item 6): on a
// 2-core machine the recorder cannot keep that schedule (a new connection
// a millisecond, where the server finishes some 25 logins a second), so
// slots are skipped and probes start late. Judged by its own steady state
// the run read healthy; analyze must report it as degraded, in the text
// and in the JSON.
func TestOneMillisecondRecordingIsDegraded(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{})
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), &stdout, &stderr, []string{"record", "--write-dsn", srv.DSN(), "--out", out,
		"--interval", "1ms", "--duration", "2s", "--quiet", "--no-verify", "--run-id", "fast"})
	if err != nil {
		t.Fatalf("record: %v\n%s", err, stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	jsonPath := filepath.Join(out, "summary.json")
	if err := run(t.Context(), &stdout, &stderr, []string{"analyze", "--runs", "--json", jsonPath, filepath.Join(out, "run=fast")}); err != nil {
		t.Fatalf("analyze: %v\n%s", err, stderr.String())
	}
	output := stdout.String() + stderr.String()
	if !strings.Contains(output, "warning: RECORDER DEGRADED: ") {
		t.Errorf("the 1 ms run is not reported as degraded:\n%s", output)
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := analyze.ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Runs) != 1 || sum.Runs[0].Recorder == nil {
		t.Fatalf("no recorder health in the JSON:\n%s", data)
	}
	h := sum.Runs[0].Recorder
	if !h.Degraded || len(h.Reasons) == 0 {
		t.Errorf("recorder health %+v: not degraded", *h)
	}
	t.Logf("1 ms run: %d slots, %.1f%% skipped, schedule lag p50 %d ns p99 %d ns, steady median %d ns (%s); %s",
		h.Slots, 100*h.SkippedShare, h.ScheduleLagP50NS, h.ScheduleLagP99NS, h.SteadyMedianNS, h.SteadyStream, strings.Join(h.Reasons, "; "))
}
