package store

import (
	"path/filepath"
	"testing"
)

// TestRowCopiesKeepTheirPointerFields: a caller that keeps rows by copying
// *Probe (rows = append(rows, *p)) keeps each row's in_recovery and
// seen_seq. The row view once aimed every row's pointers at one reused
// value, and the lab's aurora test saw green's standby reads as answered
// by a primary.
func TestRowCopiesKeepTheirPointerFields(t *testing.T) {
	tr, fa := true, false
	var rows []Probe
	for i := int64(0); i < 4; i++ {
		seen := i * 10
		rec := &tr
		if i%2 == 1 {
			rec = &fa
		}
		rows = append(rows, Probe{RunID: "r", Kind: KindRead, Conn: ConnNew, Endpoint: EndpointRead, Seq: i,
			Intended: 1e18 + i*1e8, Outcome: OutcomeOK, InRecovery: rec, SeenSeq: &seen})
	}
	path := filepath.Join(t.TempDir(), "probes-000001.parquet")
	if err := WriteProbesFile(path, rows); err != nil {
		t.Fatal(err)
	}
	var got []Probe
	if err := ReadSegment(path, func(p *Probe) error { got = append(got, *p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("%d rows read, %d written", len(got), len(rows))
	}
	for i := range rows {
		if got[i].InRecovery == nil || *got[i].InRecovery != *rows[i].InRecovery || got[i].SeenSeq == nil || *got[i].SeenSeq != *rows[i].SeenSeq {
			t.Errorf("row %d: in_recovery %v seen_seq %v, want %v %v", i, got[i].InRecovery, got[i].SeenSeq, *rows[i].InRecovery, *rows[i].SeenSeq)
		}
	}
}
