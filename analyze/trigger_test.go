package analyze

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

// shippedRun is a lab run shipped in testdata/runs (the aurora scenario:
// blue read-only, killed, the endpoint moved): its events are the lab's
// steps, the first 5 s into the recording.
const shippedRun = "../testdata/runs/run=20261202T003121Z-464017"

// copyRunWith copies the shipped run into a temporary folder and appends
// events to its events.jsonl.
func copyRunWith(t *testing.T, events ...store.Event) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), filepath.Base(shippedRun))
	if err := os.CopyFS(dir, os.DirFS(shippedRun)); err != nil {
		t.Fatalf("copy %s: %v", shippedRun, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, store.EventsFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func triggerMetrics(t *testing.T, dir string) Metrics {
	t.Helper()
	sum, err := Analyze(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatalf("analyze %s: %v", dir, err)
	}
	if len(sum.Runs) != 1 {
		t.Fatalf("analyze %s: %d runs, want 1", dir, len(sum.Runs))
	}
	return sum.Runs[0].Metrics
}

// eventTo is the event_to_* metrics of m, by name.
func eventTo(m Metrics) map[string]*Duration {
	return map[string]*Duration{
		"event_to_first_error": m.EventToFirstError, "event_to_recovery": m.EventToRecovery,
		"event_to_server_change": m.EventToServerChange, "event_to_dns_change": m.EventToDNSChange,
		"event_to_timeline_change": m.EventToTimelineChange,
	}
}

// firstLabEvent is the time of the shipped run's first lab step.
func firstLabEvent(t *testing.T) time.Time {
	t.Helper()
	events, _, err := store.ReadEvents(filepath.Join(shippedRun, store.EventsFile))
	if err != nil || len(events) == 0 {
		t.Fatalf("events of %s: %v, %d events", shippedRun, err, len(events))
	}
	first := events[0].Time
	for _, e := range events {
		if e.Time.Before(first) {
			first = e.Time
		}
	}
	return first
}

// TestEarlyMarkIsNotTheTrigger: "switchwatch mark 'change window opened'"
// two seconds before the switchover, inside the recording, is an
// annotation: the trigger stays the lab's first step and every event_to_*
// metric is what it is without the mark (it used to be the first event
// after the start, and so the trigger). With --trigger the mark is the
// trigger; a --switchover command's event is chosen before the lab's
// steps; and the JSON says which rule chose.
func TestEarlyMarkIsNotTheTrigger(t *testing.T) {
	before := triggerMetrics(t, copyRunWith(t))
	if before.Trigger == "" || before.TriggerRule != TriggerByProvider {
		t.Fatalf("shipped run: trigger %q chosen by %q, want a lab step (%s)", before.Trigger, before.TriggerRule, TriggerByProvider)
	}
	first := firstLabEvent(t)
	mark := store.UserEvent(first.Add(-2*time.Second), "change window opened")

	after := triggerMetrics(t, copyRunWith(t, mark))
	if after.Trigger != before.Trigger || after.TriggerRule != TriggerByProvider {
		t.Errorf("with an early mark: trigger %q chosen by %q, want %q (%s)", after.Trigger, after.TriggerRule, before.Trigger, TriggerByProvider)
	}
	if len(after.Events) != len(before.Events)+1 || after.Events[0].Name != mark.Name {
		t.Errorf("with an early mark: events %+v, want the mark first and the others", after.Events)
	}
	b, a := eventTo(before), eventTo(after)
	for name := range b {
		if (b[name] == nil) != (a[name] == nil) || b[name] != nil && *b[name] != *a[name] {
			t.Errorf("%s: %+v with an early mark, %+v without", name, a[name], b[name])
		}
	}
	if b["event_to_first_error"] == nil {
		t.Error("the shipped run has no event_to_first_error: the comparison above shows nothing")
	}

	// mark --trigger: the mark is the trigger
	marked := mark
	marked.Attrs = map[string]string{event.AttrTrigger: "true"}
	m := triggerMetrics(t, copyRunWith(t, marked))
	if m.Trigger != mark.Name || m.TriggerRule != TriggerMarked {
		t.Errorf("with a mark --trigger: trigger %q chosen by %q, want %q (%s)", m.Trigger, m.TriggerRule, mark.Name, TriggerMarked)
	}
	if d := m.EventToFirstError; d == nil || b["event_to_first_error"] == nil || d.NS < b["event_to_first_error"].NS+int64(time.Second) {
		t.Errorf("with a mark --trigger 2 s early: event_to_first_error %+v, want 2 s more than %+v", d, b["event_to_first_error"])
	}

	// a --switchover command recorded before commands were marked as the
	// trigger: chosen before the lab's steps, not before a marked event
	end := first.Add(-500 * time.Millisecond)
	command := store.Event{Time: first.Add(-time.Second), End: &end, Name: event.SwitchoverCommand, Source: event.SourceRecord,
		Attrs: map[string]string{"command": "switchwatch lab play pgbouncer", "exit_status": "0"}}
	m = triggerMetrics(t, copyRunWith(t, mark, command))
	if m.Trigger != event.SwitchoverCommand || m.TriggerRule != TriggerByCommand {
		t.Errorf("with a mark and a --switchover command: trigger %q chosen by %q, want %s (%s)", m.Trigger, m.TriggerRule, event.SwitchoverCommand, TriggerByCommand)
	}
	m = triggerMetrics(t, copyRunWith(t, command, marked))
	if m.Trigger != mark.Name || m.TriggerRule != TriggerMarked {
		t.Errorf("with a mark --trigger and a --switchover command: trigger %q chosen by %q, want %q (%s)", m.Trigger, m.TriggerRule, mark.Name, TriggerMarked)
	}
}

// TestServerLogTrigger: events read from server logs become the trigger
// only when one names the switchover (a promote request); a shutdown, a
// reload or a burst of errors logged first is never the trigger.
func TestServerLogTrigger(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
	spans := []span{{start: t0.UnixNano()}}
	ev := func(sec int, name, source string) store.Event {
		return store.Event{Time: t0.Add(time.Duration(sec) * time.Second), Name: name, Source: source}
	}
	terminated := ev(1, event.PGSessionsTerminated, event.SourcePostgreSQL)
	pause := ev(2, event.PgBouncerPauseIssued, event.SourcePgBouncer)
	promote := ev(3, event.PGPromoteRequested, event.SourcePostgreSQL)
	mark := ev(4, "change_window", event.SourceUser)
	for _, c := range []struct {
		name   string
		events []store.Event
		want   string // the trigger's name, "" for none
		rule   string
	}{
		{"logs with a promote request", []store.Event{terminated, pause, promote}, event.PGPromoteRequested, TriggerByProvider},
		{"logs without one", []store.Event{terminated, pause}, "", ""},
		{"logs and a later annotation", []store.Event{terminated, pause, mark}, "change_window", TriggerByFirstEvent},
		{"a promote request logged by something else", []store.Event{ev(3, event.PGPromoteRequested, event.SourceUser)}, event.PGPromoteRequested, TriggerByFirstEvent},
	} {
		i, rule := chooseTrigger(c.events, "", spans)
		got := ""
		if i >= 0 {
			got = c.events[i].Name
		}
		if got != c.want || rule != c.rule {
			t.Errorf("%s: trigger %q by %q, want %q by %q", c.name, got, rule, c.want, c.rule)
		}
	}
}
