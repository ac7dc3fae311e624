package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record/store"
)

// record --run-id of a run that exists is a usage error, refused before it
// touches the run: no server is needed, the folder is checked first.
func TestRecordRefusesAnExistingRunID(t *testing.T) {
	out := t.TempDir()
	w, err := store.CreateRun(out, &store.RunInfo{RunID: "x", Start: time.Now().UTC()}, store.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	runJSON := filepath.Join(out, store.RunDirName("x"), store.RunInfoFile)
	before, _ := os.ReadFile(runJSON)
	_, stderr, code := invoke(t, "record", "--write-dsn", "host=127.0.0.1 port=1", "--out", out, "--run-id", "x", "--label", "try=2", "--duration", "300ms", "--no-verify")
	if code != 2 || !strings.Contains(stderr, "already exists") || !strings.Contains(stderr, "--run-id") {
		t.Errorf("record --run-id of a finished run: exit %d, stderr %q; want exit 2 and a hint to pick another --run-id", code, stderr)
	}
	if after, _ := os.ReadFile(runJSON); string(after) != string(before) {
		t.Errorf("the refused record rewrote run.json:\n%s", after)
	}
}

// record --run-id of a run whose folder was deleted but whose rows are
// still in the probe table exits 1 (not a usage error: the flags are
// fine, the database is not), naming the run id and the table, and
// creates no folder.
func TestRecordRefusesARunIDInTheTable(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{})
	out := t.TempDir()
	args := []string{"record", "--write-dsn", srv.DSN(), "--out", out, "--run-id", "again",
		"--interval", "50ms", "--duration", "300ms", "--probes", "write", "--quiet", "--no-verify"}
	if _, stderr, code := invoke(t, args...); code != 0 {
		t.Fatalf("first recording: exit %d, %s", code, stderr)
	}
	dir := filepath.Join(out, store.RunDirName("again"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := invoke(t, args...)
	if code != 1 || !strings.Contains(stderr, `run id "again"`) || !strings.Contains(stderr, `"switchwatch_probe"`) {
		t.Errorf("second recording as again: exit %d, stderr %q; want exit 1 naming the run id and the table", code, stderr)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("the refused recording created %s", dir)
	}
}
