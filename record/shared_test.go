package record_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// sharedPassword is the shared server's password: distinct enough that a
// test can assert it appears in no file of a run.
const sharedPassword = "shared-secret-pw"

var shared struct {
	once sync.Once
	srv  *pgserver.Server
	err  error
}

// sharedServer is one PostgreSQL server for the tests that only record
// against it: started by the first of them, stopped by TestMain when every
// test has run. A test that stops, restarts or reconfigures its server, or
// needs settings of its own, starts its own with pgserver.StartForTest.
// The tests do not run in parallel, so each has the server to itself; the
// probe table is keyed by run id, so one test's writes are not another's.
func sharedServer(t *testing.T) *pgserver.Server {
	t.Helper()
	bin := pgserver.BinariesForTest(t) // skips (or fails) here, not inside once
	shared.once.Do(func() {
		shared.srv, shared.err = pgserver.Start(context.Background(), pgserver.Options{
			Name: "shared", Password: sharedPassword, Binaries: bin,
		})
	})
	if shared.err != nil {
		t.Fatalf("start the shared PostgreSQL server: %v", shared.err)
	}
	srv := shared.srv
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of the shared server (%s), last lines:\n%s", srv.LogPath(), srv.LogTail(30))
		}
	})
	return srv
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "clean up the shared PostgreSQL server: %v\n", err)
			code = max(code, 1)
		}
	}
	os.Exit(code)
}

// recordRows records cfg to its end, into a fresh folder when cfg.Out is
// empty, and returns the result and every probe row (see readRows).
func recordRows(t *testing.T, cfg record.Config) (*record.Result, []store.Probe) {
	t.Helper()
	if cfg.Out == "" {
		cfg.Out = t.TempDir()
	}
	res, err := record.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res, readRows(t, res.RunDir)
}
