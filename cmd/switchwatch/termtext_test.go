package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What reaches the terminal carries no control character from the data: a
// file name that retitles the window and rings the bell is shown escaped
// in the error, and in the import summary.
func TestNoControlCharactersReachTheTerminal(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a\x1b]0;pwned\x07.jsonl")
	if err := os.WriteFile(name, []byte("\x1b[2Jnot a request\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"import", "jsonl", name, "--out", filepath.Join(dir, "out")},
		{"analyze", filepath.Join(dir, "run=\x1b[31mred")},
	} {
		stdout, stderr, code := invoke(t, args...)
		if code == 0 {
			t.Errorf("%q: exit 0, want an error", args)
		}
		if strings.ContainsAny(stdout+stderr, "\x1b\x07") {
			t.Errorf("%q: control characters reach the terminal: stdout %q, stderr %q", args, stdout, stderr)
		}
		if !strings.Contains(stderr, `\x1b`) {
			t.Errorf("%q: stderr %q does not show the name escaped", args, stderr)
		}
	}
}
