package record_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestVerifyUsesTheRunsTable: verify reads back from the table run.json
// names (a run recorded with --table custom_probe), and refuses, before
// writing verify.json, a table that disagrees: every write would look lost.
func TestVerifyUsesTheRunsTable(t *testing.T) {
	srv := sharedServer(t)
	res, _ := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Interval: 50 * time.Millisecond, Duration: 200 * time.Millisecond,
		Kinds: []string{"write"}, Table: "custom_probe", NoVerify: true,
	})
	_, err := record.Verify(context.Background(), res.RunDir, srv.DSN(), record.DefaultTable)
	if !errors.Is(err, record.ErrWrongTable) || !strings.Contains(err.Error(), "custom_probe") {
		t.Errorf("verify with --table %s of a custom_probe run: err = %v, want ErrWrongTable naming custom_probe", record.DefaultTable, err)
	}
	if _, statErr := os.Stat(filepath.Join(res.RunDir, store.VerifyFile)); statErr == nil {
		t.Error("the refused check wrote verify.json")
	}
	v, err := record.Verify(context.Background(), res.RunDir, srv.DSN(), "")
	if err != nil || v.AcknowledgedMissing != 0 || v.AcknowledgedPresent != res.Counts[store.OutcomeOK] || v.AcknowledgedPresent == 0 {
		t.Errorf("verify with the run's table = %v, %v; want %d acknowledged and present, 0 LOST", v, err, res.Counts[store.OutcomeOK])
	}
}
