package record

import (
	"context"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// TestTimelineAcrossPromotion checks the timeline column on a real
// PostgreSQL promotion: a standby reads its upstream's timeline, and the
// first answer of the promoted server, once it is out of recovery, reads
// the new timeline, whatever the control file's checkpoint says by then.
func TestTimelineAcrossPromotion(t *testing.T) {
	primary := pgserver.StartForTest(t, pgserver.Options{Name: "tl-primary"})
	standby := pgserver.StartStandbyForTest(t, primary, pgserver.Options{Name: "tl-standby"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sql := connectSQL(prep{systemID: true, checkpoint: true})
	timeline := func(s *pgserver.Server) (int64, bool) {
		t.Helper()
		conn, err := s.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		var id identity
		if err := conn.QueryRow(ctx, sql).Scan(id.dest()...); err != nil {
			t.Fatalf("%s: identity statement: %v", s.Name(), err)
		}
		if id.timeline == nil || id.inRecovery == nil || id.serverTime == nil {
			t.Fatalf("%s: timeline %v, in recovery %v, server time %v: want all", s.Name(), id.timeline, id.inRecovery, id.serverTime)
		}
		return *id.timeline, *id.inRecovery
	}
	if tl, rec := timeline(primary); tl != 1 || rec {
		t.Fatalf("primary: timeline %d in recovery %v, want 1 false", tl, rec)
	}
	// The standby streams from the primary: wait until its receiver runs.
	for {
		var n int
		if err := standby.QueryRow(ctx, "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the standby's WAL receiver never streamed")
		case <-time.After(20 * time.Millisecond):
		}
	}
	if tl, rec := timeline(standby); tl != 1 || !rec {
		t.Fatalf("standby: timeline %d in recovery %v, want 1 true", tl, rec)
	}
	if err := standby.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	// Right away: pg_control_checkpoint() may still say 1 (the
	// end-of-recovery checkpoint runs in the background), the WAL file
	// name must already say 2.
	var checkpointTL int64
	if err := standby.QueryRow(ctx, "SELECT timeline_id::bigint FROM pg_control_checkpoint()").Scan(&checkpointTL); err != nil {
		t.Fatal(err)
	}
	tl, rec := timeline(standby)
	t.Logf("right after the promotion: identity timeline %d, pg_control_checkpoint() timeline %d", tl, checkpointTL)
	if tl != 2 || rec {
		t.Fatalf("promoted: timeline %d in recovery %v, want 2 false", tl, rec)
	}
	// Without the privilege for pg_control_checkpoint() the statement
	// still runs on a primary (and on a standby reads NULL at worst).
	var id identity
	if err := standby.QueryRow(ctx, connectSQL(prep{})).Scan(id.dest()...); err != nil || id.timeline == nil || *id.timeline != 2 {
		t.Fatalf("unprivileged statement: timeline %v, %v; want 2", id.timeline, err)
	}
}
