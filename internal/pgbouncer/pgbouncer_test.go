package pgbouncer

import (
	"context"
	"errors"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/internal/pgserver"
)

func serverPort(ctx context.Context, dsn string) (int, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	var port int
	// The simple protocol, as clients of a pooler in transaction mode
	// must: a query cancelled by its deadline can leave pgx's cached
	// prepared statement on the server connection, and the next client
	// that gets it fails with 42P05 "prepared statement already exists".
	err = conn.QueryRow(ctx, "SELECT inet_server_port()", pgx.QueryExecModeSimpleProtocol).Scan(&port)
	return port, err
}

// A client that starts a query while the database is paused waits, and
// after re-pointing and RESUME it is answered by the new server.
func TestPauseRepointResume(t *testing.T) {
	bin := FindForTest(t)
	blue := pgserver.StartForTest(t, pgserver.Options{Name: "blue"})
	green := pgserver.StartForTest(t, pgserver.Options{Name: "green"})
	b := StartForTest(t, Options{Server: blue.Addr(), Binary: bin})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if port, err := serverPort(ctx, b.DSN()); err != nil || port != blue.Port() {
		t.Fatalf("through pgbouncer: server port %d, %v; want blue's %d", port, err, blue.Port())
	}
	if err := b.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	dbs, err := b.Show(ctx, "DATABASES")
	if err != nil {
		t.Fatal(err)
	}
	paused := ""
	for _, d := range dbs {
		if d["name"] == "postgres" {
			paused = d["paused"]
		}
	}
	if paused != "1" {
		t.Errorf("SHOW DATABASES after PAUSE: paused=%q, want 1 (%v)", paused, dbs)
	}

	type answer struct {
		port int
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		port, err := serverPort(ctx, b.DSN())
		got <- answer{port, err}
	}()
	select {
	case a := <-got:
		t.Fatalf("a query while paused was answered (port %d, %v); want it to wait", a.port, a.err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := b.Repoint(ctx, green.Addr()); err != nil {
		t.Fatal(err)
	}
	if b.Server() != green.Addr() {
		t.Errorf("Server() = %s after Repoint, want %s", b.Server(), green.Addr())
	}
	if err := b.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	a := <-got
	if a.err != nil || a.port != green.Port() {
		t.Fatalf("the query that waited: port %d, %v; want green's %d", a.port, a.err, green.Port())
	}
	dbs, err = b.Show(ctx, "DATABASES")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dbs {
		if d["name"] == "postgres" && (d["port"] != strconv.Itoa(green.Port()) || d["paused"] != "0") {
			t.Errorf("SHOW DATABASES after re-point and RESUME: %v; want port %d, not paused", d, green.Port())
		}
	}
	if err := b.Reconnect(ctx); err != nil {
		t.Errorf("RECONNECT: %v", err)
	}

	pid := b.PID()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("pgbouncer %d still there after Close (%v)", pid, err)
	}
}

// A client with a deadline shorter than the pause fails instead of waiting.
func TestPausedClientTimesOut(t *testing.T) {
	bin := FindForTest(t)
	blue := pgserver.StartForTest(t, pgserver.Options{Name: "blue"})
	b := StartForTest(t, Options{Server: blue.Addr(), Binary: bin, PoolMode: ModeSession})
	ctx := context.Background()
	// A pool that has served before, as in production. (A first login
	// during PAUSE is worse: PgBouncer 1.18 closes the server connection it
	// opened for the login's parameters "because: pause mode" and waits
	// server_login_retry, 15 s, before trying again.)
	if _, err := serverPort(ctx, b.DSN()); err != nil {
		t.Fatal(err)
	}
	if err := b.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	qctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err := serverPort(qctx, b.DSN())
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) && !pgconnTimeout(err) {
		t.Fatalf("query with a 300ms deadline while paused: %v; want a timeout", err)
	}
	if err := b.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if port, err := serverPort(ctx, b.DSN()); err != nil || port != blue.Port() {
		t.Fatalf("after RESUME: port %d, %v; want blue's %d", port, err, blue.Port())
	}
}

func pgconnTimeout(err error) bool {
	var to interface{ Timeout() bool }
	return errors.As(err, &to) && to.Timeout()
}
