// Package golden compares the output of a test with a golden file in
// testdata, the one way every package's golden tests do it: one -update
// flag rewrites the files, and a difference is reported as the first lines
// that differ.
//
// It is imported by tests only and must not be imported by the program.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files (and stored fixtures) in testdata")

// Updating reports whether the tests run with -update: golden files are
// rewritten, and tests that store fixtures regenerate them.
func Updating() bool { return *update }

// Check compares got with the golden file at path; with -update it writes
// got there first. A difference fails the test with the first lines that
// differ and how to update the file if the change is intended.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if d := Diff(want, got); d != "" {
		t.Errorf("%s differs (run the test with -update if the change is intended):\n%s", path, d)
	}
}

// Diff describes where got differs from want: up to five differing lines,
// each with its line number, or "" when they are equal.
func Diff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(wl), len(gl)); i++ {
		w, g := line(wl, i), line(gl, i)
		if w == g {
			continue
		}
		if shown == 5 {
			b.WriteString("...\n")
			break
		}
		fmt.Fprintf(&b, "line %d:\nwant: %s\n got: %s\n", i+1, w, g)
		shown++
	}
	if len(wl) != len(gl) {
		fmt.Fprintf(&b, "(%d lines wanted, %d got)\n", len(wl), len(gl))
	}
	return b.String()
}

func line(ls []string, i int) string {
	if i < len(ls) {
		return ls[i]
	}
	return "(none)"
}
