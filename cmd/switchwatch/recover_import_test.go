package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/record/store"
)

// recover removes what a killed import left in the folder, not what a live
// import holds.
func TestRecoverCleansInterruptedImports(t *testing.T) {
	out := t.TempDir()
	crashed, live := filepath.Join(out, ".import-1"), filepath.Join(out, ".import-2")
	for _, d := range []string{crashed, live} {
		os.MkdirAll(filepath.Join(d, "run=x"), 0o755)
	}
	unlock, err := store.LockDir(live)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	stdout, stderr, code := invoke(t, "recover", out)
	if code != 0 || !strings.Contains(stdout, crashed+": removed") {
		t.Errorf("recover: exit %d, stdout %q, stderr %q; want %s removed", code, stdout, stderr, crashed)
	}
	if _, err := os.Stat(crashed); !os.IsNotExist(err) {
		t.Errorf("%s still there", crashed)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the live import's folder was removed: %v", err)
	}
}
