package store

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
)

// Event is one line of events.jsonl: a step of a switchover as somebody who
// knows saw it. The lab writes one for every step it takes (ground truth);
// users and importers write annotations or provider events in the same form.
//
// A step that takes time has Time (its start) and End; an instant has only
// Time. Times are UTC with nanoseconds (RFC 3339).
type Event struct {
	Time    time.Time         `json:"time"`
	End     *time.Time        `json:"end,omitempty"`
	Name    string            `json:"name"`              // machine-readable, e.g. "endpoint_blackhole"
	Source  string            `json:"source"`            // "lab", "aws", "user", ...
	Message string            `json:"message,omitempty"` // for people
	Attrs   map[string]string `json:"attrs,omitempty"`   // step parameters
}

// EventLog appends events to an events.jsonl file, one line per event, each
// written through to the kernel at once so a crash keeps every event logged.
type EventLog struct {
	f    *os.File
	path string
}

// CreateEventLog creates (or appends to) the events file at path.
func CreateEventLog(path string) (*EventLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open events file: %w", err)
	}
	return &EventLog{f: f, path: path}, nil
}

// Log appends one event.
func (l *EventLog) Log(e Event) error {
	e.Time = e.Time.UTC()
	if e.End != nil {
		end := e.End.UTC()
		e.End = &end
	}
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode event %q: %w", e.Name, err)
	}
	if _, err := l.f.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", l.path, err)
	}
	return nil
}

// Close syncs and closes the file.
func (l *EventLog) Close() error {
	if err := l.f.Sync(); err != nil {
		l.f.Close()
		return fmt.Errorf("sync %s: %w", l.path, err)
	}
	return l.f.Close()
}

// LineError is a line of an input file that could not be used.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// UserEvent is a user's annotation at t, as a CSV of annotations and
// "switchwatch mark" give it: named after its label (event.UserName), the
// label as given its Message.
func UserEvent(t time.Time, label string) Event {
	return Event{Time: t.UTC(), Name: event.UserName(label), Source: event.SourceUser, Message: label}
}
