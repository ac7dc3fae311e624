package store

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/lines"
)

// maxEventsFile bounds the size of an events file read into memory.
const maxEventsFile = 64 << 20

// ErrNotEvents is wrapped by ReadEvents' error for a file in none of the
// event formats.
var ErrNotEvents = errors.New("not an events file")

// ReadEvents reads a file of events in any of the formats switchwatch
// knows, told apart by content:
//
//   - events.jsonl, one Event per line (the lab's ground truth, or
//     anyone's annotations, as EventLog writes them): a line starting
//     with "{" that is not an AWS document.
//   - the JSON printed by "aws rds describe-events --output json": an
//     object with an "Events" array (or the array alone, as from
//     --query Events) of objects with Date, Message, SourceIdentifier,
//     SourceType, SourceArn and EventCategories. Each becomes an event
//     of source "aws" named after its message (switchover_started,
//     switchover_completed, failover_started, failover_completed, else the
//     message in snake case) for matching, its message kept as written in
//     Message (event.Label, what people are shown), the other fields as
//     attributes.
//   - CSV with a header naming the columns time and label, and optionally
//     end (any order, any case): one event of source "user" per row,
//     named after the label in snake case for matching, the label as
//     written in Message (event.Label). Times are RFC 3339 with a zone
//     ("T" or a space between date and time).
//
// Lines that cannot be used are returned as LineErrors naming file and line
// beside the events that could, so one bad line costs one event, not the
// file; blank lines are ignored. The error is for a file that cannot be
// read or is in no known format.
//
// Formats registered with RegisterEventsFormat are asked first; a file one
// of them claims is read by it.
func ReadEvents(path string) ([]Event, []*LineError, error) {
	reg, err := sniffRegistered(path)
	if err != nil {
		return nil, nil, err
	}
	if reg != nil {
		return reg.Read(path)
	}
	events, bad, err := readOwnEvents(path)
	if errors.Is(err, ErrNotEvents) {
		if names := registeredNames(); names != "" {
			err = fmt.Errorf("%w; nor is it any of: %s", err, names)
		}
	}
	return events, bad, err
}

// readOwnEvents is ReadEvents for store's own formats.
func readOwnEvents(path string) ([]Event, []*LineError, error) {
	f, err := OpenFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open events file: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxEventsFile+1))
	f.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxEventsFile {
		return nil, nil, fmt.Errorf("%s: larger than %d bytes, too large for an events file", path, maxEventsFile)
	}
	return parseEvents(path, data)
}

// parseEvents is ReadEvents on the content of a file.
func parseEvents(path string, data []byte) ([]Event, []*LineError, error) {
	// A byte order mark (Windows editors write one) is not content; it
	// holds no newline, so lines keep their numbers.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return nil, nil, nil
	case trimmed[0] == '[':
		return parseAWS(path, data)
	case trimmed[0] == '{':
		if isAWSDocument(trimmed) {
			return parseAWS(path, data)
		}
		return parseEventLines(path, data)
	}
	return parseEventsCSV(path, data)
}

// isAWSDocument reports whether a JSON document starting with "{" is an
// object with an "Events" key (rather than the first line of events.jsonl).
func isAWSDocument(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return false
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return false
		}
		if k == "Events" {
			return true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}

// parseEventLines reads events.jsonl content.
func parseEventLines(path string, data []byte) ([]Event, []*LineError, error) {
	var events []Event
	var bad []*LineError
	err := lines.Scan(bytes.NewReader(data), func(line int, text string, terminated, tooLong bool) error {
		text = strings.TrimSpace(text)
		if text == "" && !tooLong {
			return nil
		}
		if tooLong {
			bad = append(bad, &LineError{File: path, Line: line, Err: lines.ErrTooLong})
			return nil
		}
		var e Event
		if err := json.Unmarshal([]byte(text), &e); err != nil {
			bad = append(bad, &LineError{File: path, Line: line, Err: err})
			return nil
		}
		if e.Name == "" || e.Time.IsZero() {
			bad = append(bad, &LineError{File: path, Line: line, Err: errors.New(`event needs "name" and "time"`)})
			return nil
		}
		if e.End != nil && e.End.Before(e.Time) {
			bad = append(bad, &LineError{File: path, Line: line, Err: errors.New(`"end" is before "time"`)})
			return nil
		}
		if err := CheckEventTimes(e); err != nil {
			bad = append(bad, &LineError{File: path, Line: line, Err: err})
			return nil
		}
		events = append(events, e)
		return nil
	})
	return events, bad, err
}

// awsEvent is one element of describe-events' Events array.
type awsEvent struct {
	SourceIdentifier string   `json:"SourceIdentifier"`
	SourceType       string   `json:"SourceType"`
	Message          string   `json:"Message"`
	EventCategories  []string `json:"EventCategories"`
	Date             string   `json:"Date"`
	SourceArn        string   `json:"SourceArn"`
}

// parseAWS reads describe-events JSON, giving each event the line its
// object starts on.
func parseAWS(path string, data []byte) ([]Event, []*LineError, error) {
	// lineAt counts the newlines up to off from where it last counted, so
	// that numbering every event of a large document stays linear (it
	// counted from the start each time: 200,000 events took 87 s).
	var countedTo int64
	countedLines := 1
	lineAt := func(off int64) int {
		off = min(max(off, 0), int64(len(data)))
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
			off++
		}
		if off < countedTo {
			return 1 + bytes.Count(data[:off], []byte{'\n'})
		}
		countedLines += bytes.Count(data[countedTo:off], []byte{'\n'})
		countedTo = off
		return countedLines
	}
	syntax := func(err error, dec *json.Decoder) error {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		return &LineError{File: path, Line: lineAt(off), Err: fmt.Errorf("not valid describe-events JSON: %w", err)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, syntax(err, dec)
	}
	tok0 := tok
	if tok == json.Delim('{') {
		found := false
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, nil, syntax(err, dec)
			}
			if k == "Events" {
				found = true
				if tok, err = dec.Token(); err != nil {
					return nil, nil, syntax(err, dec)
				}
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, nil, syntax(err, dec)
			}
		}
		if !found {
			return nil, nil, fmt.Errorf("%s: %w: a JSON object without an \"Events\" array", path, ErrNotEvents)
		}
	}
	if tok != json.Delim('[') {
		return nil, nil, &LineError{File: path, Line: lineAt(dec.InputOffset()), Err: errors.New(`"Events" is not an array`)}
	}
	var events []Event
	var bad []*LineError
	for dec.More() {
		line := lineAt(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return events, bad, syntax(err, dec)
		}
		e, err := awsToEvent(raw)
		if err != nil {
			bad = append(bad, &LineError{File: path, Line: line, Err: err})
			continue
		}
		events = append(events, e)
	}
	if err := awsRest(dec, tok0); err != nil {
		return events, bad, syntax(err, dec)
	}
	return events, bad, nil
}

// errTrailing is the detail of content after the describe-events document.
var errTrailing = errors.New("content after the end of the document (a second document, or garbage)")

// awsRest reads what follows the Events array: the closing "]", the rest
// of the object the array was in (first is its first token, "{" or "["),
// and then nothing but white space. A second document or trailing
// garbage is an error, not something to ignore silently.
func awsRest(dec *json.Decoder, first json.Token) error {
	if _, err := dec.Token(); err != nil { // the array's "]"
		return err
	}
	if first == json.Delim('{') {
		for dec.More() {
			if _, err := dec.Token(); err != nil { // a key
				return err
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the object's "}"
			return err
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return errTrailing
		}
		return fmt.Errorf("%w: %v", errTrailing, err)
	}
	return nil
}

func awsToEvent(raw json.RawMessage) (Event, error) {
	var a awsEvent
	if err := json.Unmarshal(raw, &a); err != nil {
		return Event{}, fmt.Errorf("not a describe-events event: %w", err)
	}
	if a.Date == "" || a.Message == "" {
		return Event{}, errors.New(`event needs "Date" and "Message"`)
	}
	t, err := time.Parse(time.RFC3339Nano, a.Date)
	if err != nil {
		return Event{}, fmt.Errorf("Date %q is not an RFC 3339 time", a.Date)
	}
	attrs := map[string]string{}
	for k, v := range map[string]string{
		"source_identifier": a.SourceIdentifier, "source_type": a.SourceType,
		"source_arn": a.SourceArn, "categories": strings.Join(a.EventCategories, ","),
	} {
		if v != "" {
			attrs[k] = v
		}
	}
	e := Event{Time: t.UTC(), Name: event.AWSName(a.Message), Source: event.SourceAWS, Message: a.Message, Attrs: attrs}
	return e, CheckEventTimes(e)
}

// parseEventsCSV reads the CSV format: a header with time and label (and
// optionally end), then one event per row.
func parseEventsCSV(path string, data []byte) ([]Event, []*LineError, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.Comment = '#'
	header, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w: want events.jsonl, AWS describe-events JSON, or CSV with a header time,label[,end]: %v", path, ErrNotEvents, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	ti, okT := col["time"]
	li, okL := col["label"]
	ei, okE := col["end"]
	if !okT || !okL {
		line, _ := r.FieldPos(0)
		return nil, nil, fmt.Errorf("%s:%d: %w: want events.jsonl, AWS describe-events JSON, or CSV whose header names the columns time and label (and optionally end), got %q",
			path, line, ErrNotEvents, strings.Join(header, ","))
	}
	var events []Event
	var bad []*LineError
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return events, bad, nil
		}
		if err != nil {
			// FieldPos panics without a record: take the line from the error.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, &LineError{File: path, Line: pe.StartLine, Err: pe.Err})
				if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
					continue
				}
			}
			return events, bad, fmt.Errorf("read %s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		get := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		e, err := csvEvent(get(ti), get(li), get(ei), okE)
		if err != nil {
			bad = append(bad, &LineError{File: path, Line: line, Err: err})
			continue
		}
		events = append(events, e)
	}
}

func csvEvent(ts, label, end string, hasEnd bool) (Event, error) {
	t, err := parseEventTime(ts)
	if err != nil {
		return Event{}, fmt.Errorf("time: %w", err)
	}
	if label == "" {
		return Event{}, errors.New("empty label")
	}
	e := UserEvent(t, label)
	if hasEnd && end != "" {
		te, err := parseEventTime(end)
		if err != nil {
			return Event{}, fmt.Errorf("end: %w", err)
		}
		if te.Before(t) {
			return Event{}, errors.New("end is before time")
		}
		e.End = &te
	}
	return e, CheckEventTimes(e)
}

// Events dated outside these years are refused: no switchover happened
// in 1970 or will in 2999, and such a date is a unit or clock mistake
// that would otherwise stretch a run's timeline over centuries ("first
// error +6217515633.5 s").
var (
	eventsFrom  = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	eventsUntil = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// CheckEventTimes says why an event's times are not plausible, or nil:
// each must lie in the years 2000 to 2099.
func CheckEventTimes(e Event) error {
	for _, t := range []*time.Time{&e.Time, e.End} {
		if t != nil && (t.Before(eventsFrom) || !t.Before(eventsUntil)) {
			return fmt.Errorf("time %s is not between 2000 and 2100", t.UTC().Format(time.RFC3339Nano))
		}
	}
	return nil
}

// parseEventTime parses RFC 3339 with a zone, with "T" or a space between
// date and time.
func parseEventTime(s string) (time.Time, error) {
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time with a zone (2006-01-02T15:04:05.999Z)", s)
	}
	return t.UTC(), nil
}
