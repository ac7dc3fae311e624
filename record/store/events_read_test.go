package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/golden"
)

// eventsGolden holds the events files and their .golden renderings.
const eventsGolden = "../../testdata/import/events"

// TestEventsGolden reads every file under testdata/import/events and
// compares the events, the bad lines and the error with the file's .golden.
// The files are named as "../testdata/import/events/<file>", the name the
// golden files were first written with (by the importer, one folder up).
func TestEventsGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(eventsGolden, "*"))
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			evs, bad, err := parseEvents("../testdata/import/events/"+filepath.Base(f), data)
			golden.Check(t, f+".golden", []byte(renderEvents(evs, bad, err)))
		})
	}
	if n == 0 {
		t.Fatalf("no event files under %s", eventsGolden)
	}
}

func renderEvents(evs []Event, bad []*LineError, err error) string {
	var b strings.Builder
	for _, e := range evs {
		end := "-"
		if e.End != nil {
			end = e.End.Format(time.RFC3339Nano)
		}
		fmt.Fprintf(&b, "event %s end=%s name=%s source=%s message=%q attrs=%v\n", e.Time.Format(time.RFC3339Nano), end, e.Name, e.Source, e.Message, e.Attrs)
	}
	for _, l := range bad {
		fmt.Fprintf(&b, "bad %v\n", l)
	}
	if err != nil {
		fmt.Fprintf(&b, "error %v\n", err)
	}
	return b.String()
}

// TestEventsLabRoundTrip writes events with the lab's writer and reads
// them back through ReadEvents: the lab format must stay readable.
func TestEventsLabRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), EventsFile)
	l, err := CreateEventLog(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 25, 19, 0, 0, 123456789, time.UTC)
	t1 := t0.Add(1500 * time.Millisecond)
	want := []Event{
		{Time: t0, Name: "endpoint_blackhole", Source: "lab", Attrs: map[string]string{"target": "blue"}},
		{Time: t0.Add(time.Second), End: &t1, Name: "promote", Source: "lab", Message: "promote green"},
	}
	for _, e := range want {
		if err := l.Log(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, bad, err := ReadEvents(path)
	if err != nil || len(bad) != 0 || len(got) != len(want) {
		t.Fatalf("got %v, bad %v, err %v", got, bad, err)
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) || got[i].Name != want[i].Name || (want[i].End != nil && !got[i].End.Equal(*want[i].End)) {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReadEventsMissingFile(t *testing.T) {
	if _, _, err := ReadEvents(filepath.Join(t.TempDir(), "nope.csv")); !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("want a not-exist error, got %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// TestEventsOutsideTheCenturyAreRefused: an event in 2999 or 1970 (a unit
// or clock mistake) is a named bad line in every format, never an event
// that stretches a run's timeline; the plausible ones are kept.
func TestEventsOutsideTheCenturyAreRefused(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"events.jsonl": `{"time":"2026-11-25T19:00:00Z","name":"ok_step","source":"lab"}
{"time":"2999-01-01T00:00:00Z","name":"far","source":"user"}
{"time":"1970-01-01T00:00:01Z","name":"epoch","source":"user"}
{"time":"2026-11-25T19:00:00Z","end":"2999-01-01T00:00:00Z","name":"long","source":"user"}
`,
		"events.csv": "time,label\n2026-11-25T19:00:00Z,ok step\n2999-01-01T00:00:00Z,far\n",
		"aws.json":   `{"Events":[{"Date":"2026-11-25T19:00:00Z","Message":"Switchover started","SourceIdentifier":"db"},{"Date":"2999-01-01T00:00:00Z","Message":"Far","SourceIdentifier":"db"}]}`,
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		evs, bad, err := ReadEvents(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(evs) != 1 {
			t.Errorf("%s: %d events kept, want the one plausible: %+v", name, len(evs), evs)
		}
		wantBad := strings.Count(content, "2999") + strings.Count(content, "1970")
		if len(bad) != wantBad {
			t.Errorf("%s: %d bad lines, want %d: %v", name, len(bad), wantBad, bad)
		}
		for _, b := range bad {
			if !strings.Contains(b.Error(), "not between 2000 and 2100") || !strings.Contains(b.Error(), path) {
				t.Errorf("%s: bad line says %q", name, b)
			}
		}
	}
}
