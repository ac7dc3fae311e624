package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

func TestMark(t *testing.T) {
	out := t.TempDir()
	// A folder that is not a run is refused, and nothing is written there.
	_, stderr, code := invoke(t, "mark", out, "switchover started")
	if code != 1 || !strings.Contains(stderr, "not a run folder") {
		t.Errorf("mark on a non-run: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, store.EventsFile)); err == nil {
		t.Error("mark wrote an events file into a folder that is not a run")
	}
	dir := filepath.Join(out, store.RunDirName("m"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	info := &store.RunInfo{SchemaVersion: store.SchemaVersion, RunID: "m", Start: time.Now().UTC()}
	if err := store.WriteRunInfo(dir, info); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := invoke(t, "mark", dir, "Patroni switchover started")
	if code != 0 || !strings.Contains(stdout, "(recording)") {
		t.Fatalf("mark on a live run: exit %d, %q %q", code, stdout, stderr)
	}
	end := time.Now().UTC()
	info.End = &end
	if err := store.WriteRunInfo(dir, info); err != nil {
		t.Fatal(err)
	}
	stdout, _, code = invoke(t, "mark", dir, "--at", "2026-03-14T09:00:00Z", "done")
	if code != 0 || !strings.Contains(stdout, "finished run") {
		t.Errorf("mark on a finished run: exit %d, %q: want it to say the run is finished", code, stdout)
	}
	events, _, err := store.ReadEvents(filepath.Join(dir, store.EventsFile))
	if err != nil || len(events) != 2 {
		t.Fatalf("events %v, %v: want the two marks", events, err)
	}
	for _, e := range events {
		if e.Source != event.SourceUser {
			t.Errorf("mark %s: source %q, want user", e.Name, e.Source)
		}
	}
	if events[0].Name != "patroni_switchover_started" || events[0].Message != "Patroni switchover started" ||
		!events[1].Time.Equal(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("marks %+v", events)
	}
}

// TestMarkTrigger: a mark is an annotation; "mark --trigger" marks the
// event as the trigger (event.AttrTrigger), and says so.
func TestMarkTrigger(t *testing.T) {
	dir := filepath.Join(t.TempDir(), store.RunDirName("m"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := store.WriteRunInfo(dir, &store.RunInfo{SchemaVersion: store.SchemaVersion, RunID: "m", Start: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := invoke(t, "mark", dir, "change window opened"); code != 0 {
		t.Fatalf("mark: exit %d, %s", code, stderr)
	}
	stdout, stderr, code := invoke(t, "mark", "--trigger", dir, "switchover started")
	if code != 0 || !strings.Contains(stdout, "marked the trigger switchover_started") {
		t.Fatalf("mark --trigger: exit %d, %q %q", code, stdout, stderr)
	}
	events, _, err := store.ReadEvents(filepath.Join(dir, store.EventsFile))
	if err != nil || len(events) != 2 {
		t.Fatalf("events %v, %v: want the two marks", events, err)
	}
	if event.IsTrigger(events[0].Attrs) || !event.IsTrigger(events[1].Attrs) {
		t.Errorf("marks %+v: want only the second (--trigger) marked as the trigger", events)
	}
}
