package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// copyRuns copies the run folders of testdata/runs named in ids (all with
// none) into a new folder and returns it.
func copyRuns(t *testing.T, ids ...string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "runs")
	src := "../../testdata/runs"
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if len(ids) > 0 {
		ents, err := os.ReadDir(dst)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if !slices.Contains(ids, e.Name()) {
				os.RemoveAll(filepath.Join(dst, e.Name()))
			}
		}
	}
	return dst
}

// pictures lists the pictures in dir.
func pictures(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if ext := filepath.Ext(e.Name()); ext == ".png" || ext == ".svg" {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestReportFromSummaryAlone is issue 21's must-show: after analyze -o the
// run folders are deleted, and switchwatch report renders the same
// report.md (byte for byte: it names no source of its own), the same set
// of pictures and the same text from summary.json alone.
func TestReportFromSummaryAlone(t *testing.T) {
	runs := copyRuns(t)
	out := filepath.Join(t.TempDir(), "out")
	text, stderr, code := invoke(t, "analyze", "--by", "scenario", "-o", out, runs)
	if code != 0 {
		t.Fatalf("analyze -o: exit %d\n%s", code, stderr)
	}
	if err := os.RemoveAll(runs); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "again")
	text2, stderr, code := invoke(t, "report", "-o", again, filepath.Join(out, "summary.json"))
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, "warning") {
		t.Errorf("report warns:\n%s", stderr)
	}
	want, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(again, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("report.md from the summary differs from analyze's (%d and %d bytes)", len(got), len(want))
	}
	a, b := pictures(t, out), pictures(t, again)
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Errorf("pictures: analyze wrote %v, report %v", a, b)
	}
	if !slices.ContainsFunc(a, func(n string) bool { return strings.HasPrefix(n, "latency-") }) {
		t.Errorf("no latency picture among %v: the test sees no per-run picture", a)
	}
	for _, n := range a {
		if strings.HasSuffix(n, ".svg") {
			x, _ := os.ReadFile(filepath.Join(out, n))
			y, _ := os.ReadFile(filepath.Join(again, n))
			if !bytes.Equal(x, y) {
				t.Errorf("%s differs", n)
			}
		}
	}
	if text2 != text {
		t.Errorf("the text from the summary differs from analyze's:\n%s\n---\n%s", text2, text)
	}
}

// TestReportComparesSummaries: two stored summaries are compared as two
// groups named by their folders, on stdout and in report.md; analyze
// --baseline OLD/summary.json compares fresh runs with a stored summary
// the same way.
func TestReportComparesSummaries(t *testing.T) {
	ents, err := os.ReadDir("../../testdata/runs")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range ents {
		ids = append(ids, e.Name())
	}
	root := t.TempDir()
	for i, half := range [][]string{ids[:len(ids)/2], ids[len(ids)/2:]} {
		runs := copyRuns(t, half...)
		name := filepath.Join(root, []string{"old", "new"}[i])
		if _, stderr, code := invoke(t, "analyze", "-o", name, "--no-report", runs); code != 0 {
			t.Fatalf("analyze: exit %d\n%s", code, stderr)
		}
		os.RemoveAll(runs)
	}
	old, nu := filepath.Join(root, "old", "summary.json"), filepath.Join(root, "new", "summary.json")
	out := filepath.Join(root, "cmp")
	stdout, stderr, code := invoke(t, "report", "-o", out, old, nu)
	if code != 0 {
		t.Fatalf("report old new: exit %d\n%s", code, stderr)
	}
	oldName, newName := filepath.ToSlash(filepath.Join(root, "old")), filepath.ToSlash(filepath.Join(root, "new"))
	for _, w := range []string{"2 groups", "vs base"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{oldName, newName} {
		if !strings.Contains(string(md), w) {
			t.Errorf("report.md does not name the group %s", w)
		}
	}
	if len(pictures(t, out)) == 0 {
		t.Error("no pictures")
	}
	// analyze --baseline: the new half's runs against the old summary.
	runs := copyRuns(t, ids[len(ids)/2:]...)
	stdout2, stderr, code := invoke(t, "analyze", "--baseline", old, runs)
	if code != 0 {
		t.Fatalf("analyze --baseline: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout2, "2 groups") || !strings.Contains(stdout2, oldName) {
		t.Errorf("analyze --baseline OLD does not compare two groups:\n%s", stdout2)
	}
}

// TestReportRefusesNewerSummary: a summary of a newer major version is
// refused with an error that says so.
func TestReportRefusesNewerSummary(t *testing.T) {
	p := filepath.Join(t.TempDir(), "summary.json")
	os.WriteFile(p, []byte(`{"version": 2, "schema_version": "2.0", "tool": "switchwatch analyze", "tool_version": "v9", "runs": []}`), 0o644)
	_, stderr, code := invoke(t, "report", p)
	if code == 0 || !strings.Contains(stderr, "schema 2") || !strings.Contains(stderr, "newer switchwatch") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
