package record_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// startPgBouncer runs a PgBouncer in session mode in front of srv, with
// trust authentication and the given max_client_conn and default_pool_size
// (0: PgBouncer's default), and returns its port. It runs as the servers' OS user (PgBouncer refuses root) and is
// stopped, by its pid, when the test ends.
func startPgBouncer(t *testing.T, srv *pgserver.Server, maxClientConn, poolSize int) int {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if os.Getenv("SWITCHWATCH_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("pgbouncer not found: %v", err)
		}
		t.Skipf("pgbouncer not found (%v): skipping", err)
	}
	dir, err := pgserver.MakeWorkDir("", "switchwatch-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port, err := pgserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(dir, "userlist.txt")
	ini := filepath.Join(dir, "pgbouncer.ini")
	conf := fmt.Sprintf(`[databases]
* = host=127.0.0.1 port=%d user=%s password=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = session
max_client_conn = %d
logfile = %s
`, srv.Port(), srv.User(), srv.Password(), port, users, maxClientConn, filepath.Join(dir, "pgbouncer.log"))
	if poolSize > 0 {
		conf += fmt.Sprintf("default_pool_size = %d\n", poolSize)
	}
	if err := os.WriteFile(users, []byte(strconv.Quote(srv.User())+" \"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ini, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{ini}
	if os.Geteuid() == 0 {
		args = []string{"-u", "postgres", ini}
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			c.Close()
			return port
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			t.Fatalf("pgbouncer exited: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgbouncer on port %d not listening after 10 s: %v", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPgBouncerMaxClientConn fills PgBouncer's max_client_conn: it then
// refuses new clients with SQLSTATE 08P01 "no more connections allowed",
// which is too_many_connections, not other.
func TestPgBouncerMaxClientConn(t *testing.T) {
	srv := sharedServer(t)
	port := startPgBouncer(t, srv, 2, 0)
	dsn := pgserver.DSN("127.0.0.1", port, srv.User(), srv.Password())
	ctx := context.Background()
	for i := 0; i < 2; i++ { // take every client slot
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("hold connection %d: %v", i, err)
		}
		defer c.Close(ctx)
	}
	_, rows := recordConnects(t, dsn)
	if len(rows) == 0 {
		t.Fatal("no probes")
	}
	for _, p := range rows {
		if p.ErrorClass != store.ClassTooManyConnections || p.SQLState != "08P01" {
			t.Errorf("seq %d: %s/%s %q, want too_many_connections/08P01", p.Seq, p.ErrorClass, p.SQLState, p.Error)
		}
	}
}

// TestVerifyAfterPoolsClose records through a PgBouncer in session mode
// whose pool has one server connection, which the recorder's pooled stream
// holds: the lost-write check gets it only because the recorder closes its
// pools first (it used to give up after 30 s).
func TestVerifyAfterPoolsClose(t *testing.T) {
	srv := sharedServer(t)
	port := startPgBouncer(t, srv, 100, 1)
	dsn := pgserver.DSN("127.0.0.1", port, srv.User(), srv.Password())
	res, _ := recordRows(t, record.Config{
		WriteDSN: dsn, Interval: 50 * time.Millisecond, Duration: 500 * time.Millisecond,
		Kinds: []string{"write"}, Conns: []string{"pooled"}, PoolSize: 1,
	})
	if v := res.Verify; v == nil || v.AcknowledgedPresent != 10 || v.AcknowledgedMissing != 0 {
		t.Errorf("verify = %+v (%v), want 10 acknowledged and present", res.Verify, res.VerifyErr)
	}
}
