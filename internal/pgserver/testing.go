package pgserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
)

// RequireEnv names the environment variable that turns "no PostgreSQL here,
// skip" into a test failure, for CI machines that must run these tests.
const RequireEnv = "SWITCHWATCH_REQUIRE_POSTGRES"

// Required reports whether tests must fail rather than skip without
// PostgreSQL.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// SkipOrFail skips t (or fails it when $SWITCHWATCH_REQUIRE_POSTGRES=1)
// because PostgreSQL is not usable here.
func SkipOrFail(t testing.TB, err error) { SkipOrFailFor(t, serverBinaries, err) }

// serverBinaries names what SkipOrFail and BinariesForTest miss.
const serverBinaries = "PostgreSQL server binaries"

// SkipOrFailFor is SkipOrFail for another component a test needs (PgBouncer,
// Patroni, ...): what names it in the message.
func SkipOrFailFor(t testing.TB, what string, err error) {
	t.Helper()
	if Required() {
		t.Fatalf("%s required (%s=1) but not usable: %v", what, RequireEnv, err)
		return
	}
	t.Skipf("skipping: %s not usable (%v); set %s=1 to make this a failure", what, err, RequireEnv)
}

// BinariesForTest finds the server binaries or skips (or fails) t.
func BinariesForTest(t testing.TB) *Binaries {
	t.Helper()
	return FindOrSkip(t, serverBinaries, FindBinaries)
}

// FindOrSkip is how a test finds the programs of a component it needs:
// find's result, or on error t skipped (failed under
// $SWITCHWATCH_REQUIRE_POSTGRES=1; see SkipOrFailFor, what names the
// component).
func FindOrSkip[T any](t testing.TB, what string, find func() (T, error)) T {
	t.Helper()
	v, err := find()
	if err != nil {
		SkipOrFailFor(t, what, err)
	}
	return v
}

// StartForTest starts a throw-away primary for a test and registers a
// cleanup that stops it and removes its directory. Without server binaries
// it skips the test with the reason, unless $SWITCHWATCH_REQUIRE_POSTGRES=1,
// then it fails. If the server does not start, the test fails with the end
// of the server log.
func StartForTest(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Binaries == nil {
		opts.Binaries = BinariesForTest(t)
	}
	return StartOrSkip(t, "PostgreSQL", ErrNoBinaries,
		func() (*Server, error) { return Start(context.Background(), opts) }, serverLog)
}

// StartStandbyForTest is StartForTest for a standby of primary.
func StartStandbyForTest(t testing.TB, primary *Server, opts Options) *Server {
	t.Helper()
	return StartOrSkip(t, "PostgreSQL standby", ErrNoBasebackup,
		func() (*Server, error) { return StartStandby(context.Background(), primary, opts) }, serverLog)
}

func serverLog(s *Server) string {
	return fmt.Sprintf("log of server %s (%s), last lines:\n%s", s.Name(), s.LogPath(), s.LogTail(30))
}

// StartOrSkip is how a test starts a component it needs (a server, a
// PgBouncer, a Patroni cluster): start it; an error that is notHere (the
// component is not installed) skips t, or fails it under
// $SWITCHWATCH_REQUIRE_POSTGRES=1 (see SkipOrFailFor, what names the
// component); any other error fails t. When the test ends the component
// is closed, and if the test failed, failLog(c) (the end of its logs) is
// logged first.
func StartOrSkip[T io.Closer](t testing.TB, what string, notHere error, start func() (T, error), failLog func(T) string) T {
	t.Helper()
	c, err := start()
	if err != nil {
		if errors.Is(err, notHere) {
			SkipOrFailFor(t, what, err)
		}
		t.Fatalf("start %s for test: %v", what, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(failLog(c))
		}
		if err := c.Close(); err != nil {
			t.Errorf("clean up %s: %v", what, err)
		}
	})
	return c
}
