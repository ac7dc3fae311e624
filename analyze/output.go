package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/switchwatch/switchwatch/record/store"
)

// WriteJSON writes the summary as indented JSON: the documented, stable
// form for automation (see package result; SummaryVersion). An array of
// numbers inside an array (a series' [start, end, state] and [intended,
// latency, state]; nothing else in a summary is one) is written on one
// line: one number a line, the series alone doubled the file.
func WriteJSON(w io.Writer, s *Summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	if _, err := w.Write(append(inlineTuples(b), '\n')); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// inlineTuples puts every array of numbers that is an element of an array
// of indented JSON on one line, "[1, 2, 3]"; the rest is left as it is.
func inlineTuples(b []byte) []byte {
	out := make([]byte, 0, len(b))
	inString, escaped := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			inString = !(c == '"' && !escaped)
			escaped = c == '\\' && !escaped
		case c == '"':
			inString = true
		case c == '[' && inArray(out):
			if j, nums, ok := numbers(b, i+1); ok {
				out = append(out, '[')
				out = append(out, strings.Join(nums, ", ")...)
				out = append(out, ']')
				i = j
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// inArray reports whether what follows out is an element of an array:
// its last byte that is not white space opens the array or separates
// elements (a value in an object follows a colon).
func inArray(out []byte) bool {
	t := bytes.TrimRight(out, " \n\t\r")
	return len(t) > 0 && (t[len(t)-1] == '[' || t[len(t)-1] == ',')
}

// numbers reads the elements of an array of numbers that starts at b[i]
// (after its '['), and the index of its ']'; false when it holds anything
// else or nothing.
func numbers(b []byte, i int) (end int, nums []string, ok bool) {
	start := i
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c == ']':
			for _, f := range strings.Split(string(b[start:i]), ",") {
				if f = strings.TrimSpace(f); f == "" {
					return 0, nil, false
				}
				nums = append(nums, strings.TrimSpace(f))
			}
			return i, nums, true
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E', c == ',', c == ' ', c == '\n', c == '\t', c == '\r':
		default:
			return 0, nil, false
		}
	}
	return 0, nil, false
}

// ErrSummaryVersion is wrapped by ReadJSON's error for a summary of a
// major version this switchwatch does not read.
var ErrSummaryVersion = errors.New("unsupported summary version")

// ReadJSON reads a summary written by WriteJSON. It refuses a summary of
// another major version (a newer one may mean its fields otherwise) and
// reads one of any minor version of its own (SummarySchema).
func ReadJSON(r io.Reader) (*Summary, error) {
	var s Summary
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("decode summary: %w", err)
	}
	major := s.Version
	if s.Schema != "" {
		m, _, _ := strings.Cut(s.Schema, ".")
		n, err := strconv.Atoi(m)
		if err != nil {
			return nil, fmt.Errorf("summary schema_version %q: want major.minor", s.Schema)
		}
		major = n
	}
	if major > SummaryVersion {
		return nil, fmt.Errorf("%w: the summary is of schema %d (written by %s %s), this switchwatch reads schema %d and older: use a newer switchwatch",
			ErrSummaryVersion, major, s.Tool, s.ToolVersion, SummaryVersion)
	}
	if major != SummaryVersion || s.Version != major {
		return nil, fmt.Errorf("%w: summary version %d (schema %q), this switchwatch reads version %d", ErrSummaryVersion, s.Version, s.Schema, SummaryVersion)
	}
	for i := range s.Runs {
		if sr := s.Runs[i].Series; sr != nil {
			if err := sr.Check(); err != nil {
				return nil, fmt.Errorf("run %s: %w", s.Runs[i].RunID, err)
			}
		}
	}
	return &s, nil
}

// PhaseRows flattens the phases of every run.
func PhaseRows(s *Summary) []store.PhaseRow {
	var rows []store.PhaseRow
	for _, r := range s.Runs {
		labels, _ := json.Marshal(r.Labels)
		if r.Labels == nil {
			labels = []byte("{}")
		}
		for _, p := range r.Phases {
			rows = append(rows, store.PhaseRow{
				RunID: r.RunID, Index: int32(p.Index), State: string(p.State), Label: p.Label,
				Start: p.Start.UnixNano(), End: p.End.UnixNano(), DurationNS: p.DurationNS, ResolutionNS: p.ResolutionNS,
				Server: p.Server, NewServer: p.NewServer, Cause: p.Cause, ErrorClass: p.ErrorClass,
				Labels: string(labels),
			})
		}
	}
	return rows
}
