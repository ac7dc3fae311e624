package store_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/switchwatch/switchwatch/record/store"
)

// TestAbsentNamesTheMissingOptionalColumns: a segment without error_class
// and the server columns reads them as NULL, and Absent says so, for the
// columns asked for only.
func TestAbsentNamesTheMissingOptionalColumns(t *testing.T) {
	type reduced struct {
		RunID     string `parquet:"run_id"`
		Kind      string `parquet:"kind"`
		Conn      string `parquet:"conn"`
		Endpoint  string `parquet:"endpoint"`
		Seq       int64  `parquet:"seq"`
		Intended  int64  `parquet:"intended,timestamp(nanosecond)"`
		LatencyNS int64  `parquet:"latency_ns"`
		Outcome   string `parquet:"outcome"`
	}
	path := filepath.Join(t.TempDir(), "p.parquet")
	if err := store.WriteRowsFile(path, []reduced{{"r", "write", "new", "write", 0, 1.8e18, 1e6, "ok"}}); err != nil {
		t.Fatal(err)
	}
	r := store.NewProbeReader(path, store.ReadOptions{Columns: []string{store.ColKind, store.ColErrorClass, store.ColServerAddr}})
	defer r.Close()
	if got := r.Absent(); got != nil {
		t.Errorf("Absent before the first Next = %v, want nil", got)
	}
	if !r.Next() {
		t.Fatal(r.Err())
	}
	if got, want := r.Absent(), []string{store.ColErrorClass, store.ColServerAddr}; !slices.Equal(got, want) {
		t.Errorf("Absent = %v, want %v", got, want)
	}
}
