package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzEvents runs briefly in CI:
//
//	go test -run '^$' -fuzz '^FuzzEvents$' -fuzztime 10s ./record/store
//
// It checks that the events reader never panics, that every event has a
// name and a time and ends no earlier than it starts, and that every bad
// line and every error names the file (and a line that exists). Inputs it
// found are kept under testdata/fuzz/FuzzEvents.
func FuzzEvents(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(eventsGolden, "*"))
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden") {
			continue
		}
		if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Add([]byte("time,label\n2026-11-25T19:00:00Z,x\n"))
	f.Add([]byte(`{"Events":[{"Date":"2026-11-25T19:00:00Z","Message":"m"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.events"
		evs, bad, err := parseEvents(name, data)
		lines := max(lineCount(data), 1)
		for _, e := range bad {
			if e.File != name || e.Line < 1 || e.Line > lines {
				t.Fatalf("line error %q names %s:%d, the input is %s with %d lines", e, e.File, e.Line, name, lines)
			}
			if !strings.HasPrefix(e.Error(), fmt.Sprintf("%s:%d: ", name, e.Line)) {
				t.Fatalf("line error %q does not start with file:line", e)
			}
		}
		if err != nil && !strings.HasPrefix(err.Error(), name) && !strings.Contains(err.Error(), " "+name) {
			t.Fatalf("error %q does not name the file", err)
		}
		for _, e := range evs {
			if e.Name == "" || e.Time.IsZero() {
				t.Fatalf("event without name or time: %+v", e)
			}
			if e.End != nil && e.End.Before(e.Time) {
				t.Fatalf("event ends before it starts: %+v", e)
			}
		}
	})
}

// lineCount is the number of lines lines.Scan sees in data.
func lineCount(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// FuzzJournal runs briefly in CI:
//
//	go test -run '^$' -fuzz '^FuzzJournal$' -fuzztime 10s ./record/store
//
// It checks that the journal reader never panics, that every row it
// returns passes Probe.Check, that every bad line names the file and a
// line that exists, and that rows plus bad lines account for every
// non-blank line: one bad line never costs the lines after it.
func FuzzJournal(f *testing.F) {
	rows := sampleProbes("fuzz", 3)
	var good []byte
	for i := range rows {
		b, _ := json.Marshal(&rows[i])
		good = append(append(good, b...), '\n')
	}
	f.Add(good)
	f.Add([]byte("{}\n" + `{"kind":"write","intended":-5}` + "\n"))
	f.Add(append([]byte(`{"run_id":"fuzz","kind":"wri`+"\n"), good...))
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "_journal-000001.jsonl"
		got, bad, err := readJournal(path, bytes.NewReader(data))
		if err != nil {
			t.Fatalf("error on a readable file: %v", err)
		}
		for i := range got {
			if err := got[i].Check(); err != nil {
				t.Fatalf("row %d passed on although %v: %+v", i, err, got[i])
			}
		}
		lines := max(lineCount(data), 1)
		for _, e := range bad {
			if e.File != path || e.Line < 1 || e.Line > lines {
				t.Fatalf("line error %q names %s:%d, the input is %s with %d lines", e, e.File, e.Line, path, lines)
			}
		}
		if n := nonBlankLines(data); len(got)+len(bad) != n {
			t.Fatalf("%d rows and %d bad lines from %d non-blank lines", len(got), len(bad), n)
		}
	})
}

// nonBlankLines counts the lines of data that hold anything.
func nonBlankLines(data []byte) int {
	n := 0
	for _, l := range bytes.Split(data, []byte{'\n'}) {
		if len(bytes.TrimRight(l, "\r")) > 0 {
			n++
		}
	}
	return n
}

// FuzzRunInfo runs briefly in CI:
//
//	go test -run '^$' -fuzz '^FuzzRunInfo$' -fuzztime 10s ./record/store
//
// It checks that reading run.json never panics, that every error names
// the file, and that a run.json it accepts encodes (as WriteRunInfo
// does) and reads again as the same run.
func FuzzRunInfo(f *testing.F) {
	end := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	good, _ := json.Marshal(&RunInfo{SchemaVersion: SchemaVersion, RunID: "r", Labels: map[string]string{"a": "b"},
		Settings: map[string]any{"interval": "100ms"}, Start: end.Add(-time.Minute), End: &end})
	f.Add(good)
	f.Add([]byte(`{"schema_version":1,"settings":{"interval":9.3e18}}`))
	f.Add([]byte(`{"schema_version":99}`))
	f.Add([]byte(`{"schema_version":1,"start":"yesterday"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "run=fuzz/" + RunInfoFile
		info, err := parseRunInfo(path, data)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name %s", err, path)
			}
			return
		}
		back, err := json.Marshal(info)
		if err != nil {
			t.Fatalf("an accepted run.json does not write back: %v", err)
		}
		again, err := parseRunInfo(path, back)
		if err != nil || again.RunID != info.RunID || again.SchemaVersion != info.SchemaVersion || !again.Start.Equal(info.Start) {
			t.Fatalf("written back, run.json reads as %+v, %v; was %+v", again, err, info)
		}
	})
}
