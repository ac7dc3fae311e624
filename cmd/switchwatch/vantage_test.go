package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestVantagesThroughTheCommands: two lab runs relabelled as two vantages
// of one switchover: the default analyze output puts them side by side,
// analyze -o writes the Vantage points section and its picture, and
// report SUMMARY.json draws the same from the summary alone.
func TestVantagesThroughTheCommands(t *testing.T) {
	runs := copyRuns(t, "run=20261202T003121Z-464017", "run=20261202T003145Z-6ca3ac")
	for i, id := range []string{"run=20261202T003121Z-464017", "run=20261202T003145Z-6ca3ac"} {
		dir := filepath.Join(runs, id)
		info, err := store.ReadRunInfo(dir)
		if err != nil {
			t.Fatal(err)
		}
		info.Vantage, info.SwitchoverID = []string{"zone-a", "zone-b"}[i], "sw-test"
		if err := store.WriteRunInfo(dir, info); err != nil {
			t.Fatal(err)
		}
	}
	text, stderr, code := invoke(t, "analyze", runs)
	if code != 0 {
		t.Fatalf("analyze: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"switchover sw-test seen from 2 vantages", "zone-a", "zone-b", "spread of recovery:"} {
		if !strings.Contains(text, want) {
			t.Errorf("analyze's text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "own clock") {
		t.Errorf("a vantage is on its own clock though the lab's probes read the servers' clock:\n%s", text)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, stderr, code := invoke(t, "analyze", "-o", out, runs); code != 0 {
		t.Fatalf("analyze -o: exit %d\n%s", code, stderr)
	}
	again := filepath.Join(t.TempDir(), "again")
	if _, stderr, code := invoke(t, "report", "-o", again, filepath.Join(out, "summary.json")); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	for _, dir := range []string{out, again} {
		md, err := os.ReadFile(filepath.Join(dir, "report.md"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(md), "## Vantage points") || !strings.Contains(string(md), "(vantages-1.png)") {
			t.Errorf("%s/report.md has no Vantage points section with its picture", dir)
		}
		pics := pictures(t, dir)
		if !slices.Contains(pics, "vantages-1.png") || !slices.Contains(pics, "vantages-1.svg") {
			t.Errorf("%s: pictures %v, want vantages-1.png and .svg", dir, pics)
		}
	}
}

// TestRecordVantageReachesRunJSON: record --vantage and --switchover-id
// are what run.json says; without --vantage it is the host name.
func TestRecordVantageReachesRunJSON(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{})
	out := t.TempDir()
	host, _ := os.Hostname()
	for _, c := range []struct{ id, vantage string }{{"given", "zone-a"}, {"default", ""}} {
		args := []string{"record", "--write-dsn", srv.DSN(), "--out", out, "--run-id", c.id, "--duration", "1s", "--interval", "200ms",
			"--probes", "write", "--conn", "pooled", "--quiet", "--no-verify", "--switchover-id", "sw-2026-12-06"}
		if c.vantage != "" {
			args = append(args, "--vantage", c.vantage)
		}
		if _, stderr, code := invoke(t, args...); code != 0 {
			t.Fatalf("record %s: exit %d\n%s", c.id, code, stderr)
		}
		info, err := store.ReadRunInfo(filepath.Join(out, store.RunDirName(c.id)))
		if err != nil {
			t.Fatal(err)
		}
		want := c.vantage
		if want == "" {
			want = host
		}
		if info.Vantage != want || info.SwitchoverID != "sw-2026-12-06" {
			t.Errorf("run %s: run.json vantage %q, switchover_id %q; want %q, sw-2026-12-06", c.id, info.Vantage, info.SwitchoverID, want)
		}
	}
}

// TestImportVantageReachesRunJSON: an import's --vantage and
// --switchover-id are what run.json says (traces come from the
// application's host: no default).
func TestImportVantageReachesRunJSON(t *testing.T) {
	logs, _ := filepath.Glob(filepath.Join(importTestdata, "pgbench", "outage", "pgbench_log_*"))
	if len(logs) == 0 {
		t.Fatal("no pgbench logs in testdata")
	}
	for _, c := range []struct{ vantage, id string }{{"app-zone-b", "sw-2026-12-06"}, {"", ""}} {
		out := t.TempDir()
		args := append([]string{"import", "pgbench", "--out", out}, logs...)
		if c.vantage != "" {
			args = append(args, "--vantage", c.vantage, "--switchover-id", c.id)
		}
		if _, stderr, code := invoke(t, args...); code != 0 {
			t.Fatalf("import: exit %d\n%s", code, stderr)
		}
		runs, err := store.FindRuns(out)
		if err != nil || len(runs) != 1 {
			t.Fatalf("runs in %s: %v %v", out, runs, err)
		}
		info, err := store.ReadRunInfo(runs[0])
		if err != nil {
			t.Fatal(err)
		}
		if info.Vantage != c.vantage || info.SwitchoverID != c.id {
			t.Errorf("run.json vantage %q, switchover_id %q; want %q, %q", info.Vantage, info.SwitchoverID, c.vantage, c.id)
		}
	}
}
