package record_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
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

// TestVerifyNamesTheResolvedEndpoint: with the write endpoint given by the
// PG* variables (an empty --write-dsn), a check that cannot connect names
// where it tried, not an empty DSN ("via :"), and no password. Nothing
// listens on the port; the context ends the retries.
func TestVerifyNamesTheResolvedEndpoint(t *testing.T) {
	out := t.TempDir()
	w, err := store.CreateRun(out, &store.RunInfo{RunID: "pgvars", Start: time.Now().UTC()}, store.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	port, err := pgserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PGHOST", "127.0.0.1")
	t.Setenv("PGPORT", strconv.Itoa(port))
	t.Setenv("PGUSER", "probe_user")
	t.Setenv("PGDATABASE", "probe_db")
	t.Setenv("PGPASSWORD", "pgvars-secret-pw")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = record.Verify(ctx, filepath.Join(out, store.RunDirName("pgvars")), "", "")
	want := "lost-write check via probe_user@127.0.0.1:" + strconv.Itoa(port) + "/probe_db:"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "pgvars-secret-pw") {
		t.Errorf("verify through the PG* variables, nothing listening: err = %v, want it to contain %q and no password", err, want)
	}
}
