package analyze

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
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

// PhaseRow is one row of phases.parquet: one phase of one run.
type PhaseRow struct {
	RunID        string `parquet:"run_id,dict,zstd"`
	Index        int32  `parquet:"index,zstd"`
	State        string `parquet:"state,dict,zstd"`
	Label        string `parquet:"label,dict,zstd"`
	Start        int64  `parquet:"start,timestamp(nanosecond),zstd"`
	End          int64  `parquet:"end,timestamp(nanosecond),zstd"`
	DurationNS   int64  `parquet:"duration_ns,zstd"`
	ResolutionNS int64  `parquet:"resolution_ns,zstd"`
	Server       string `parquet:"server,optional,dict,zstd"`
	NewServer    bool   `parquet:"new_server"`
	Cause        string `parquet:"cause,optional,dict,zstd"`
	ErrorClass   string `parquet:"error_class,optional,dict,zstd"`
	// Labels are the run's labels as a JSON object.
	Labels string `parquet:"labels,dict,zstd"`
}

// PhaseRows flattens the phases of every run.
func PhaseRows(s *Summary) []PhaseRow {
	var rows []PhaseRow
	for _, r := range s.Runs {
		labels, _ := json.Marshal(r.Labels)
		if r.Labels == nil {
			labels = []byte("{}")
		}
		for _, p := range r.Phases {
			rows = append(rows, PhaseRow{
				RunID: r.RunID, Index: int32(p.Index), State: string(p.State), Label: p.Label,
				Start: p.Start.UnixNano(), End: p.End.UnixNano(), DurationNS: p.DurationNS, ResolutionNS: p.ResolutionNS,
				Server: p.Server, NewServer: p.NewServer, Cause: p.Cause, ErrorClass: p.ErrorClass,
				Labels: string(labels),
			})
		}
	}
	return rows
}

// WritePhases writes the phases of every run as a Parquet file at path.
func WritePhases(path string, s *Summary) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create phases file: %w", err)
	}
	w := parquet.NewGenericWriter[PhaseRow](f, parquet.Compression(&parquet.Zstd),
		parquet.CreatedBy("switchwatch", store.Version(), ""))
	if _, err := w.Write(PhaseRows(s)); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}
