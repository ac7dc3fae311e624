package importer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchwatch/switchwatch/record/store"
)

// TestInterruptedImportIsCleaned: the next import removes the hidden folder
// a killed import left, and leaves alone one a live import holds.
func TestInterruptedImportIsCleaned(t *testing.T) {
	out := t.TempDir()
	crashed := filepath.Join(out, ".import-111")
	live := filepath.Join(out, ".import-222")
	for _, d := range []string{crashed, live} {
		if err := os.MkdirAll(filepath.Join(d, "run=x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	unlock, err := store.LockDir(live) // as the live import holds it
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	var notes []string
	file := filepath.Join(goldenRoot, "jsonl", "two-files", "app-1.jsonl")
	if _, err := ImportJSONL(context.Background(), []string{file}, Options{Out: out, Warn: func(s string) { notes = append(notes, s) }}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(crashed); !os.IsNotExist(err) {
		t.Errorf("the interrupted import's folder %s is still there (%v)", crashed, err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the live import's folder was removed: %v", err)
	}
	if len(notes) != 1 {
		t.Errorf("notes = %q, want one saying %s was removed", notes, crashed)
	}
	left, _ := filepath.Glob(filepath.Join(out, ".import-*"))
	if len(left) != 1 {
		t.Errorf("hidden folders after the import: %v, want only the live one", left)
	}
}
