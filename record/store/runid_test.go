package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A run id in use is refused before anything in its folder changes: a live
// run by its lock, a finished one because recording into it again would
// restart seq at 0 (every write a duplicate key) and rewrite its run.json.
func TestCreateRunRefusesARunIDInUse(t *testing.T) {
	out := t.TempDir()
	first := &RunInfo{RunID: "x", Labels: map[string]string{"try": "first"}, Start: time.Now().UTC()}
	w := startRun(t, out, first, WriterOptions{}, sampleProbes("x", 10))
	runJSON := filepath.Join(out, RunDirName("x"), RunInfoFile)
	before, _ := os.ReadFile(runJSON)

	again := func() error {
		_, err := CreateRun(out, &RunInfo{RunID: "x", Labels: map[string]string{"try": "second"}, Start: time.Now().UTC()}, WriterOptions{})
		return err
	}
	if err := again(); !errors.Is(err, ErrRunActive) {
		t.Errorf("second CreateRun on a live run: err = %v, want ErrRunActive", err)
	}
	if after, _ := os.ReadFile(runJSON); string(after) != string(before) {
		t.Errorf("the refused CreateRun rewrote run.json of the live run:\n%s", after)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	before, _ = os.ReadFile(runJSON)
	if err := again(); !errors.Is(err, ErrRunExists) {
		t.Errorf("CreateRun on a finished run: err = %v, want ErrRunExists", err)
	}
	if after, _ := os.ReadFile(runJSON); string(after) != string(before) {
		t.Errorf("the refused CreateRun rewrote run.json of the finished run:\n%s", after)
	}
	segs, _ := Segments(filepath.Join(out, RunDirName("x")))
	if len(segs) != 1 {
		t.Errorf("segments after the refusals: %v, want the first run's one", segs)
	}
}
