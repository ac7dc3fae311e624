package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
