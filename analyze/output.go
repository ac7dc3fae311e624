package analyze

import (
	"encoding/json"
	"fmt"
	"io"

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

// ReadJSON reads a summary written by WriteJSON, refusing another version.
func ReadJSON(r io.Reader) (*Summary, error) {
	var s Summary
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("decode summary: %w", err)
	}
	if s.Version != SummaryVersion {
		return nil, fmt.Errorf("summary version %d, this switchwatch reads version %d", s.Version, SummaryVersion)
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
