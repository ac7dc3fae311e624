package store

import (
	"github.com/parquet-go/parquet-go"
)

// PhasesFile is the default name of the phases file the analyzer writes
// beside its report.
const PhasesFile = "phases.parquet"

// PhaseRow is one row of phases.parquet: one phase of one run, as the
// analyzer found it (package analyze builds the rows from its summary).
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

// WritePhases writes phase rows as a Parquet file at path.
func WritePhases(path string, rows []PhaseRow) error {
	return writeParquet(path, false, rows, parquet.Compression(&parquet.Zstd),
		parquet.CreatedBy("switchwatch", Version(), ""))
}
