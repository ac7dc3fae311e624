package analyze

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/switchwatch/switchwatch/record/store"
)

// WriteJSON writes the summary as indented JSON: the documented, stable
// form for automation (see result.go; SummaryVersion).
func WriteJSON(w io.Writer, s *Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	return nil
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
