package pgbouncer

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// The PAUSE / RELOAD / RESUME switchover's hazard, on a real PgBouncer: a
// client that logs in after RELOAD pointed the paused database at another
// server makes PgBouncer open a server connection for the new pool's
// parameters and close it "because: pause mode", a failed login to it; no
// client gets a server connection until server_login_retry has passed,
// though RESUME came long before.
func TestLoginAfterRepointWhilePausedWaitsLoginRetry(t *testing.T) {
	bin := FindForTest(t)
	blue := pgserver.StartForTest(t, pgserver.Options{Name: "blue"})
	green := pgserver.StartForTest(t, pgserver.Options{Name: "green"})
	const retry = 3 * time.Second
	b := StartForTest(t, Options{Server: blue.Addr(), Binary: bin, PoolMode: ModeTransaction,
		Settings: map[string]string{"server_login_retry": "3"}})
	ctx := context.Background()
	if got, err := b.LoginRetry(ctx); err != nil || got != retry {
		t.Fatalf("LoginRetry = %v, %v; want %v", got, err, retry)
	}
	if _, err := serverPort(ctx, b.DSN()); err != nil { // a pool that has served, as in production
		t.Fatal(err)
	}
	if err := b.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	if err := b.Repoint(ctx, green.Addr()); err != nil {
		t.Fatal(err)
	}
	if closes, err := b.PausedLogins(paused); err != nil || len(closes) != 0 {
		t.Fatalf("paused logins before any client came: %v, %v; want none", closes, err)
	}
	lctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	if conn, err := pgx.Connect(lctx, b.DSN()); err == nil {
		conn.Close(ctx)
		t.Fatal("a login to the paused, re-pointed database completed")
	}
	cancel()
	closes, err := b.PausedLogins(paused)
	if err != nil {
		t.Fatal(err)
	}
	if len(closes) != 1 || closes[0].Server != green.Addr() {
		t.Fatalf("paused logins after one client came: %+v; want one, to green (%s)", closes, green.Addr())
	}
	if err := b.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	resumed := time.Now()
	// Keep logging in, as clients do, until one is answered.
	var port int
	for time.Since(resumed) < 4*retry {
		qctx, stop := context.WithTimeout(ctx, 500*time.Millisecond)
		port, err = serverPort(qctx, b.DSN())
		stop()
		if err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("no client answered within %v of RESUME: %v", 4*retry, err)
	}
	if port != green.Port() {
		t.Fatalf("answered by port %d, want green's %d", port, green.Port())
	}
	// A busy machine only makes the wait longer, so the lower bound is
	// safe to assert; the log has milliseconds.
	answered := time.Now()
	if wait := answered.Sub(closes[0].Time); wait < retry-10*time.Millisecond {
		t.Errorf("first answer %v after the paused login was closed, want at least server_login_retry (%v)", wait, retry)
	}
	t.Logf("RESUME at +%v after the paused login; first answer at +%v", resumed.Sub(closes[0].Time).Round(time.Millisecond), answered.Sub(closes[0].Time).Round(time.Millisecond))
}
