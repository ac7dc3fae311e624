package lab

import (
	"path/filepath"
	"testing"

	"github.com/switchwatch/switchwatch/record/store"
)

// TestShippedRuns checks that the recorded runs in testdata/runs and
// testdata/profile-runs still read with this schema and carry their ground
// truth; when the run format changes, regenerate them (the scripts beside).
func TestShippedRuns(t *testing.T) {
	for _, d := range []struct{ dir, script string }{
		{"runs", "regenerate-runs.sh"}, {"profile-runs", "regenerate-profile-runs.sh"},
	} {
		checkShippedRuns(t, d.dir, "sh testdata/"+d.script)
	}
}

func checkShippedRuns(t *testing.T, name, regenerate string) {
	runs, err := store.FindRuns("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == 0 {
		t.Fatalf("no shipped runs in testdata/%s (regenerate: %s)", name, regenerate)
	}
	for _, dir := range runs {
		info, err := store.ReadRunInfo(dir)
		if err != nil {
			t.Errorf("%v (regenerate: %s)", err, regenerate)
			continue
		}
		if info.Labels["scenario"] == "" {
			t.Errorf("%s: no scenario label", dir)
		}
		rows := 0
		err = store.ReadRun(dir, func(*store.Probe) error { rows++; return nil },
			func(s store.SkippedFile) { t.Errorf("%s: %s", s.Path, s.Reason) })
		if err != nil || rows == 0 {
			t.Errorf("%s: %d rows, %v", dir, rows, err)
		}
		events, bad, err := store.ReadEvents(filepath.Join(dir, store.EventsFile))
		if err != nil || len(bad) > 0 {
			t.Errorf("%s: events: %v %v", dir, err, bad)
		}
		found := false
		for _, e := range events {
			found = found || e.Name == EvScenario
		}
		if !found {
			t.Errorf("%s: no scenario event", dir)
		}
		if v, err := store.ReadVerify(dir); err != nil || v == nil {
			t.Errorf("%s: no lost-write check (%v)", dir, err)
		}
	}
}
