package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// verify --table that disagrees with run.json is a usage error, before any
// connection (the DSN points nowhere) and without writing verify.json.
func TestVerifyRefusesAnotherTable(t *testing.T) {
	out := t.TempDir()
	w, err := store.CreateRun(out, &store.RunInfo{RunID: "t", Start: time.Now().UTC(),
		Settings: map[string]any{"table": "custom_probe"}}, store.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	dir := filepath.Join(out, store.RunDirName("t"))
	_, stderr, code := invoke(t, "verify", "--write-dsn", "host=127.0.0.1 port=1", "--table", "switchwatch_probe", dir)
	if code != 2 || !strings.Contains(stderr, "custom_probe") || !strings.Contains(stderr, "--force-table") {
		t.Errorf("verify --table switchwatch_probe of a custom_probe run: exit %d, stderr %q; want exit 2 naming custom_probe and --force-table", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, store.VerifyFile)); err == nil {
		t.Error("the refused check wrote verify.json")
	}
}
