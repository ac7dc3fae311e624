package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/switchwatch/switchwatch/internal/otlpgen"
)

// TestPostmortem: traces and a server's jsonlog in, one report out, with
// the server's promote request as the trigger (not the sessions its log
// ended first) and the method's note on imported traces.
func TestPostmortem(t *testing.T) {
	dir := t.TempDir()
	var spans []otlpgen.Span
	for i := range 100 {
		s := pg(uint64(i+1), time.Duration(i)*100*otlpMS, map[string]any{"db.operation.name": "INSERT"})
		if i >= 40 && i < 60 {
			s = withStatus(s, ptrace.StatusCodeError, "ERROR: cannot execute INSERT in a read-only transaction")
			s.Attrs["db.response.status_code"] = "25006"
		}
		spans = append(spans, s)
		// A read after each write, which says nothing of what it saw.
		spans = append(spans, pg(uint64(1000+i), time.Duration(i)*100*otlpMS+2*otlpMS, map[string]any{"db.operation.name": "SELECT"}))
	}
	traces := filepath.Join(dir, "traces.json")
	if err := os.WriteFile(traces, otlpgen.JSONLines(spans), 0o644); err != nil {
		t.Fatal(err)
	}
	line := func(at time.Duration, sev, state, msg string) string {
		return fmt.Sprintf(`{"timestamp":"%s","pid":4242,"error_severity":"%s","state_code":"%s","message":%q,"backend_type":"postmaster"}`+"\n",
			otlpgen.T0.Add(at).Format("2006-01-02 15:04:05.000 UTC"), sev, state, msg)
	}
	log := filepath.Join(dir, "green.json")
	if err := os.WriteFile(log, []byte(line(3*time.Second, "FATAL", "57P01", "terminating connection due to administrator command")+
		line(5900*time.Millisecond, "LOG", "00000", "received promote request")+
		line(5950*time.Millisecond, "LOG", "00000", "selected new timeline ID: 2")), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "pm")
	stdout, stderr, err := runImportCmd(t, "postmortem", "--traces", traces, "--logs", log, "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, w := range []string{"read-only 2.0 s", "event postgresql_promote_requested", "[trigger]", "report: " + filepath.Join(out, "report.md")} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	// Spans do not say what a read saw: no staleness is measured.
	if strings.Contains(stdout, "reader staleness") {
		t.Errorf("stdout measures the staleness of reads that do not say what they saw:\n%s", stdout)
	}
	for _, l := range strings.Split(stdout, "\n") {
		if strings.Contains(l, "event ") && strings.Contains(l, "[trigger]") && !strings.Contains(l, "postgresql_promote_requested") {
			t.Errorf("another event than the promote request is the trigger: %s", l)
		}
	}
	if want := "read 200 spans in 1 lines of 1 files, took 200 rows, skipped 0\n"; !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr %q, want it to begin %q", stderr, want)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"**Missing data and closed-loop traffic.**", "a pool's wait and the connections it opened that worked are not requests", `event postgresql\_promote\_requested (postgresql)`} {
		if !strings.Contains(string(md), w) {
			t.Errorf("report.md lacks %q", w)
		}
	}

	// Usage errors name the flag.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"postmortem", "--out", out}, "no trace files: give them with --traces or as arguments"},
		{[]string{"postmortem", "--traces", traces}, "--out is empty"},
		{[]string{"postmortem", "--traces", traces, "--logs", filepath.Join(dir, "missing.json"), "--out", filepath.Join(dir, "pm2")}, "missing.json"},
	} {
		_, stderr, err := runImportCmd(t, c.args...)
		if err == nil || !strings.Contains(err.Error()+stderr, c.want) {
			t.Errorf("%v: error %v (%s), want %q", c.args, err, stderr, c.want)
		}
	}
}
