package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/importer"
	"github.com/switchwatch/switchwatch/internal/otlpgen"
	"github.com/switchwatch/switchwatch/internal/synth"
)

// tracesSummary imports the traces of two services through a switchover
// from 10.0.1.7 to 10.0.2.9 and analyzes them: checkout writes every
// 100 ms and sees read-only errors from 10 s to 15 s, then a 2 s gap
// before its first success; billing writes every 200 ms, times out from
// 12 s to 16 s, and stops sending for 12 s from 20 s on.
func tracesSummary(t *testing.T) *analyze.Summary {
	t.Helper()
	var spans []otlpgen.Span
	id := uint64(0)
	add := func(svc string, from, to, every time.Duration, switched time.Duration, fail func(time.Duration) string) {
		for at := from; at < to; at += every {
			id++
			addr := "10.0.1.7"
			if at >= switched {
				addr = "10.0.2.9"
			}
			sp := otlpgen.PG(svc, id, at, 2*time.Millisecond, map[string]any{"db.operation.name": "INSERT",
				"network.peer.address": addr, "network.peer.port": 5432})
			switch fail(at) {
			case "read_only":
				sp.Attrs["db.response.status_code"], sp.Attrs["error.type"] = "25006", "25006"
				sp.Status, sp.Message = ptrace.StatusCodeError, "ERROR: cannot execute INSERT in a read-only transaction"
			case "timeout":
				sp.Attrs["error.type"] = "timeout"
				sp.Status, sp.Message, sp.Dur = ptrace.StatusCodeError, "timeout: context deadline exceeded", time.Second
			}
			spans = append(spans, sp)
		}
	}
	never := func(time.Duration) string { return "" }
	add("checkout", 0, 15*time.Second, 100*time.Millisecond, time.Hour, func(at time.Duration) string {
		if at >= 10*time.Second {
			return "read_only"
		}
		return ""
	})
	add("checkout", 17*time.Second, 40*time.Second, 100*time.Millisecond, 0, never)
	add("billing", 50*time.Millisecond, 20*time.Second, 200*time.Millisecond, 16*time.Second, func(at time.Duration) string {
		if at >= 12*time.Second && at < 16*time.Second {
			return "timeout"
		}
		return ""
	})
	add("billing", 32050*time.Millisecond, 40*time.Second, 200*time.Millisecond, 0, never)
	dir := t.TempDir()
	file := filepath.Join(dir, "traces.json")
	if err := os.WriteFile(file, otlpgen.JSONLines(spans), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := importer.ImportOTLP(context.Background(), []string{file}, importer.OTLPOptions{Options: importer.Options{Out: filepath.Join(dir, "runs")}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := analyze.Analyze(context.Background(), []string{res.RunDir}, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// The --runs text and report.md say which service saw what, each edge of
// the traces with its own ±, and the stretch nobody sent in.
func TestReportServicesAndEdges(t *testing.T) {
	sum := tracesSummary(t)
	var text bytes.Buffer
	if err := WriteText(&text, sum, TextOptions{Runs: true}); err != nil {
		t.Fatal(err)
	}
	rep, err := Build(sum, Options{})
	if err != nil {
		t.Fatal(err)
	}
	md := string(markdown(t, rep))
	want := []string{
		"service checkout (1 stream, 380 requests): first failure 19:00:10.000, last 19:00:14.900, read_only 50; server 10.0.1.7:5432 before, 10.0.2.9:5432 after",
		"service billing (1 stream, 140 requests): first failure 19:00:12.050, last 19:00:15.850, query_timeout 20; server 10.0.1.7:5432 before, 10.0.2.9:5432 after; no traffic",
		// checkout's last ok at 9.9 s, its first failure at 10 s
		"edge 19:00:09.950 ± 50 ms: healthy → read-only",
		// billing's last timeout at 15.85 s, its next request (ok) at
		// 16.05 s: 15.95 s ± 100 ms; checkout's last failure at 14.9 s,
		// its next request at 17 s: 15.95 s ± 1.05 s too. The run is
		// healthy once both are, and the edge takes the larger ±.
		"edge 19:00:15.950 ± 1.05 s: unavailable → healthy (new server)",
	}
	for _, w := range want {
		if !strings.Contains(text.String(), w) {
			t.Errorf("--runs text lacks %q:\n%s", w, text.String())
		}
		if !strings.Contains(md, Escape(w)) {
			t.Errorf("report.md lacks %q", Escape(w))
		}
	}
	for _, unwanted := range []string{"a gap or a clock step", "says interval"} {
		if strings.Contains(text.String(), unwanted) {
			t.Errorf("--runs text warns %q of closed-loop traffic", unwanted)
		}
	}
	if !strings.Contains(text.String(), "closed-loop traffic without a grid") {
		t.Errorf("--runs text does not say the run has no grid:\n%s", text.String())
	}
	if !strings.Contains(md, "**Missing data and closed-loop traffic.**") {
		t.Errorf("report.md's method does not explain unknown time")
	}
}

// A recording with a 3 s hole of missing write rows: the --runs text and
// report.md say the write downtime is unknown and how much time had no
// data, never "0 s".
func TestReportNoData(t *testing.T) {
	r := &synth.Run{ID: "hole", Interval: 100 * time.Millisecond, Seed: 7,
		Phases: []synth.Phase{{State: synth.Healthy, Duration: 20 * time.Second}}}
	rows, truth := r.Probes()
	t0 := rows[0].Intended
	kept := rows[:0]
	for _, p := range rows {
		if d := time.Duration(p.Intended - t0); p.Kind == "write" && d >= 8*time.Second && d < 11*time.Second {
			continue
		}
		kept = append(kept, p)
	}
	dir, err := r.WriteRows(t.TempDir(), kept, truth, synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := analyze.Analyze(context.Background(), []string{dir}, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := WriteText(&text, sum, TextOptions{Runs: true}); err != nil {
		t.Fatal(err)
	}
	rep, err := Build(sum, Options{})
	if err != nil {
		t.Fatal(err)
	}
	md := string(markdown(t, rep))
	for _, w := range []string{"write down unknown (at least 0 s", "unknown time: no data 3.0 s", "no data 3.0 s →"} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("--runs text lacks %q:\n%s", w, text.String())
		}
	}
	for _, w := range []string{"| unknown (≥ 0 s) |", "no data at ", "write_downtime, longest_write_outage unknown: the write streams have 3s without data"} {
		if !strings.Contains(md, w) && !strings.Contains(md, Escape(w)) {
			t.Errorf("report.md lacks %q", w)
		}
	}
}
