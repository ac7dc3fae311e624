package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRecord(t *testing.T) {
	p := filepath.Join(t.TempDir(), "perf.md")
	os.WriteFile(p, []byte("# Perf\n\n"+recordBegin+"\nold figures\n"+recordEnd+"\n\nafter\n"), 0o644)
	for range 2 { // twice: the second replaces the first
		if err := record(p, "duckbench --short", []byte("table\nrows\n")); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(p)
	want := "# Perf\n\n" + recordBegin + "\n```\n$ duckbench --short\ntable\nrows\n```\n" + recordEnd + "\n\nafter\n"
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
	os.WriteFile(p, []byte("no markers\n"), 0o644)
	if err := record(p, "x", nil); err == nil || !strings.Contains(err.Error(), "once each") {
		t.Errorf("without markers: %v", err)
	}
}

func TestCommandLine(t *testing.T) {
	got := commandLine([]string{"--dir", "/tmp/x", "--short", "--record=docs/performance.md", "--duckdb-node=/c", "--rows", "5"})
	if want := "go run ./internal/duckbench/cmd/duckbench --short --rows 5"; got != want {
		t.Errorf("commandLine = %q, want %q", got, want)
	}
}
