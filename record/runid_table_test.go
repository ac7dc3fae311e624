package record_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestReusedRunIDIsRefused: a --run-id whose folder was deleted but whose
// rows are still in the probe table is refused before anything is
// written, naming the run id and the table; every write would otherwise
// fail on the duplicate key.
func TestReusedRunIDIsRefused(t *testing.T) {
	srv := sharedServer(t)
	out := t.TempDir()
	id := "reused-" + record.NewRunID(time.Now()) // the shared server outlives a test
	cfg := record.Config{WriteDSN: srv.DSN(), Out: out, RunID: id, Interval: 50 * time.Millisecond,
		Duration: 300 * time.Millisecond, Kinds: []string{"write"}, NoVerify: true}
	res, _ := recordRows(t, cfg)
	if err := os.RemoveAll(res.RunDir); err != nil {
		t.Fatal(err)
	}
	_, err := record.Run(context.Background(), cfg)
	if !errors.Is(err, record.ErrRunIDInTable) || errors.Is(err, record.ErrConfig) ||
		!strings.Contains(err.Error(), `"`+id+`"`) || !strings.Contains(err.Error(), record.DefaultTable) {
		t.Errorf("second recording as %s: err = %v, want ErrRunIDInTable (not a usage error) naming the run id and %s", id, err, record.DefaultTable)
	}
	if _, statErr := os.Stat(res.RunDir); statErr == nil {
		t.Errorf("the refused recording created %s", res.RunDir)
	}
	// another id is fine
	cfg.RunID = "fresh-" + record.NewRunID(time.Now())
	if res, _ := recordRows(t, cfg); res.Counts[store.OutcomeOK] == 0 {
		t.Errorf("recording as %s: %v, want writes", cfg.RunID, res.Counts)
	}
}

// TestDuplicateKeyIsNoVerdict: when the run id could not be checked (the
// endpoint was down at the start) and the table holds an earlier run's
// rows of it, the writes fail on the duplicate key; the lost-write check
// gives a failed write whose key is present no verdict (the row may be the
// earlier run's), not "committed although failed", which it was not: the
// writes refused while the server was down, and those refused on the
// duplicate key. The status says the run id was not checked.
func TestDuplicateKeyIsNoVerdict(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{})
	execSQL(t, srv.DSN(),
		`CREATE TABLE switchwatch_probe (run_id text NOT NULL, conn text NOT NULL, seq bigint NOT NULL,
			written_at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (run_id, conn, seq))`,
		`INSERT INTO switchwatch_probe (run_id, conn, seq) SELECT 'dup-id', 'new', g FROM generate_series(0, 999) g`)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	started := make(chan error, 1)
	go func() {
		waitForRows(t, out, 4, "rows", func(*store.Probe) bool { return true })
		started <- srv.Start(context.Background())
	}()
	var status strings.Builder
	var mu sync.Mutex
	res, rows := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Out: out, RunID: "dup-id", Interval: 50 * time.Millisecond, Duration: 4 * time.Second,
		Kinds: []string{"write"}, Status: lockedWriter{&status, &mu}, StatusEvery: time.Hour,
	})
	if err := <-started; err != nil {
		t.Fatalf("start the server: %v", err)
	}
	// every failed write's key is one of the earlier rows (seq < 1000)
	dups, failed := 0, int64(0)
	for _, p := range rows {
		if p.SQLState == "23505" {
			dups++
		}
		if p.Outcome != store.OutcomeOK {
			failed++
		}
	}
	v := res.Verify
	if dups == 0 || v == nil || v.DuplicateKey != failed || v.FailedPresent != 0 || len(v.CommittedFailed) != 0 {
		t.Errorf("%d writes failed (%d on the duplicate key); verify = %+v (%v), want every failed write counted as duplicate_key, none committed although failed", failed, dups, v, res.VerifyErr)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(status.String(), `could not check whether "switchwatch_probe"`) || !strings.Contains(status.String(), `run id "dup-id"`) {
		t.Errorf("status does not say the run id could not be checked:\n%s", status.String())
	}
}

// TestVerifyNamesTheStream: a lost write is listed with its stream, as two
// write streams (new, pooled) share sequence numbers.
func TestVerifyNamesTheStream(t *testing.T) {
	srv := sharedServer(t)
	res, _ := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Interval: 50 * time.Millisecond, Duration: 300 * time.Millisecond,
		Kinds: []string{"write"}, Conns: []string{"new", "pooled"}, NoVerify: true,
	})
	execSQL(t, srv.DSN(), `DELETE FROM switchwatch_probe WHERE run_id = '`+res.RunID+`' AND conn = 'pooled' AND seq IN (2, 4)`)
	v, err := record.Verify(context.Background(), res.RunDir, srv.DSN(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.StreamSeq{{Stream: "write/pooled/write", Seq: 2}, {Stream: "write/pooled/write", Seq: 4}}
	if len(v.Lost) != 2 || v.Lost[0] != want[0] || v.Lost[1] != want[1] || len(v.LostSeqs) != 2 || v.LostSeqs[0] != 2 || v.LostSeqs[1] != 4 {
		t.Errorf("lost %+v, lost_seqs %v: want %+v and [2 4]", v.Lost, v.LostSeqs, want)
	}
	read, err := store.ReadVerify(res.RunDir)
	if err != nil || len(read.Lost) != 2 || read.Lost[1] != want[1] {
		t.Errorf("verify.json read back: %+v, %v", read, err)
	}
	if s := v.String(); !strings.Contains(s, "lost: write/pooled/write seq 2, 4") {
		t.Errorf("verify line %q does not name the stream of the lost writes", s)
	}
}
