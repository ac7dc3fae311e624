package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/internal/pgbouncer"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestRecordTwiceThroughPgBouncer records twice in a row through a real
// PgBouncer, in transaction and in session mode, and wants both lost-write
// checks done, then "switchwatch verify" of both runs. The check used to
// read back with pgx's statement cache: in transaction mode its named
// statement outlived the first check on the server connection, and the
// second check failed with SQLSTATE 42P05 ("stmtcache_... already
// exists") after 30 s, exit status 3. In transaction mode the pool has one
// server connection, so that every check meets the previous one's.
func TestRecordTwiceThroughPgBouncer(t *testing.T) {
	bin := pgbouncer.FindForTest(t)
	srv := pgserver.StartForTest(t, pgserver.Options{})
	for _, mode := range []string{pgbouncer.ModeTransaction, pgbouncer.ModeSession} {
		t.Run(mode, func(t *testing.T) {
			var settings map[string]string
			if mode == pgbouncer.ModeTransaction {
				settings = map[string]string{"default_pool_size": "1"}
			}
			b := pgbouncer.StartForTest(t, pgbouncer.Options{Server: srv.Addr(), User: srv.User(), Password: srv.Password(),
				PoolMode: mode, Binary: bin, Settings: settings})
			out := t.TempDir()
			var dirs []string
			for i, id := range []string{"first-" + mode, "second-" + mode} {
				stdout, stderr, code := invoke(t, "record", "--write-dsn", b.DSN(), "--out", out, "--run-id", id,
					"--interval", "50ms", "--duration", "1s", "--probes", "write,read", "--conn", "new,pooled", "--pool-size", "2", "--quiet")
				dir := filepath.Join(out, store.RunDirName(id))
				if code != 0 {
					t.Fatalf("recording %d through pgbouncer (%s mode): exit %d\nstdout: %s\nstderr: %s\npgbouncer log:\n%s",
						i+1, mode, code, stdout, stderr, b.LogTail(20))
				}
				v, err := store.ReadVerify(dir)
				if err != nil || v == nil || v.AcknowledgedPresent == 0 || v.AcknowledgedMissing != 0 || v.FailedPresent != 0 {
					t.Fatalf("verify.json of recording %d (%s): %+v, %v; want writes acknowledged and present, none lost", i+1, dir, v, err)
				}
				dirs = append(dirs, dir)
			}
			for _, dir := range dirs {
				stdout, stderr, code := invoke(t, "verify", "--write-dsn", b.DSN(), dir)
				if code != 0 || !strings.Contains(stdout, "0 LOST") {
					t.Errorf("switchwatch verify %s through pgbouncer (%s mode): exit %d\nstdout: %s\nstderr: %s", dir, mode, code, stdout, stderr)
				}
			}
		})
	}
}
