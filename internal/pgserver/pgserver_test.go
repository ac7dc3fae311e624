package pgserver

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestFindBinaries(t *testing.T) {
	bin := BinariesForTest(t)
	for _, p := range []string{bin.Postgres, bin.Initdb, bin.PgCtl} {
		if !strings.HasPrefix(p, bin.Dir+"/") || !isExecutable(p) {
			t.Errorf("binary %q is not an executable in %s", p, bin.Dir)
		}
	}
}

func TestFindBinariesEnvOverride(t *testing.T) {
	t.Setenv(BinDirEnv, t.TempDir())
	_, err := FindBinaries()
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("FindBinaries with an empty %s: got %v, want ErrNoBinaries", BinDirEnv, err)
	}
}

func TestStartPasswordRestart(t *testing.T) {
	ctx := context.Background()
	s := StartForTest(t, Options{Name: "blue", Password: "s3cret pw'"})

	for _, dsn := range []string{s.DSN(), s.URL()} {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("connect with %q: %v", dsn, err)
		}
		var addr string
		if err := conn.QueryRow(ctx, "SELECT host(inet_server_addr())").Scan(&addr); err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
		if addr != "127.0.0.1" {
			t.Errorf("server address %q, want 127.0.0.1", addr)
		}
	}

	_, err := pgx.Connect(ctx, DSN("127.0.0.1", s.Port(), s.User(), "wrong"))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Errorf("connect with a wrong password: got %v, want SQLSTATE 28P01", err)
	}

	var before, after time.Time
	if err := s.QueryRow(ctx, "SELECT pg_postmaster_start_time()").Scan(&before); err != nil {
		t.Fatal(err)
	}
	port, pid := s.Port(), s.PID()
	if err := s.Restart(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if s.Port() != port {
		t.Errorf("port after restart %d, want %d", s.Port(), port)
	}
	if s.PID() == pid || s.PID() == 0 {
		t.Errorf("pid after restart %d, before %d: want a new postmaster", s.PID(), pid)
	}
	if err := s.QueryRow(ctx, "SELECT pg_postmaster_start_time()").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if !after.After(before) {
		t.Errorf("postmaster start time %v after restart, %v before", after, before)
	}
}

func TestStandbyReplicatesPromoteKill(t *testing.T) {
	ctx := context.Background()
	blue := StartForTest(t, Options{Name: "blue"})
	green := StartStandbyForTest(t, blue, Options{Name: "green"})

	if in, err := green.InRecovery(ctx); err != nil || !in {
		t.Fatalf("green in recovery = %v, %v; want a standby", in, err)
	}
	if err := blue.Exec(ctx, "CREATE TABLE t (id int primary key); INSERT INTO t VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	lsn, err := blue.CurrentLSN(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := green.WaitReplayed(wctx, lsn, 0); err != nil {
		t.Fatal(err)
	}
	var id int
	if err := green.QueryRow(ctx, "SELECT id FROM t").Scan(&id); err != nil || id != 42 {
		t.Fatalf("row on standby: %d, %v; want 42", id, err)
	}
	var pgErr *pgconn.PgError
	if err := green.Exec(ctx, "INSERT INTO t VALUES (43)"); !errors.As(err, &pgErr) || pgErr.Code != "25006" {
		t.Fatalf("insert on standby: %v; want SQLSTATE 25006", err)
	}
	var sender string
	if err := blue.QueryRow(ctx, "SELECT application_name FROM pg_stat_replication").Scan(&sender); err != nil || sender != "green" {
		t.Errorf("replication client on blue: %q, %v; want green", sender, err)
	}

	pid := blue.PID()
	if err := blue.Kill(); err != nil {
		t.Fatalf("kill blue: %v", err)
	}
	if blue.Running() || blue.PID() != 0 {
		t.Errorf("blue still running after Kill")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postmaster %d after SIGKILL: signal 0 gave %v, want ESRCH", pid, err)
	}
	if err := blue.Exec(ctx, "SELECT 1"); err == nil {
		t.Errorf("blue answered after Kill")
	}

	if err := green.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	if in, err := green.InRecovery(ctx); err != nil || in {
		t.Fatalf("green in recovery after promote = %v, %v", in, err)
	}
	if err := green.Exec(ctx, "INSERT INTO t VALUES (43)"); err != nil {
		t.Fatalf("insert on promoted green: %v", err)
	}
}

func TestCloseRemovesEverything(t *testing.T) {
	bin := BinariesForTest(t)
	s, err := Start(context.Background(), Options{Name: "gone", Binaries: bin})
	if err != nil {
		t.Fatal(err)
	}
	pid, dir := s.PID(), s.Dir()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("work directory %s still there after Close (%v)", dir, err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postmaster %d still there after Close (%v)", pid, err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestWorkDirMustBeReachable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands directories to another user")
	}
	parent := t.TempDir() // 0700, owned by root
	if err := os.Chmod(parent, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := MakeWorkDir(parent, "x-")
	if err == nil || !strings.Contains(err.Error(), "cannot enter") {
		t.Fatalf("MakeWorkDir under a root-only directory: %v; want a 'cannot enter' error", err)
	}
}
