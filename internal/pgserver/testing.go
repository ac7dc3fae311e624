package pgserver

import (
	"context"
	"errors"
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
func SkipOrFail(t testing.TB, err error) { SkipOrFailFor(t, "PostgreSQL server binaries", err) }

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
	bin, err := FindBinaries()
	if err != nil {
		SkipOrFail(t, err)
	}
	return bin
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
	s, err := Start(context.Background(), opts)
	if err != nil {
		if errors.Is(err, ErrNoBinaries) {
			SkipOrFail(t, err)
		}
		t.Fatalf("start PostgreSQL for test: %v", err)
	}
	registerCleanup(t, s)
	return s
}

// StartStandbyForTest is StartForTest for a standby of primary.
func StartStandbyForTest(t testing.TB, primary *Server, opts Options) *Server {
	t.Helper()
	s, err := StartStandby(context.Background(), primary, opts)
	if err != nil {
		if errors.Is(err, ErrNoBasebackup) {
			SkipOrFail(t, err)
		}
		t.Fatalf("start PostgreSQL standby for test: %v", err)
	}
	registerCleanup(t, s)
	return s
}

func registerCleanup(t testing.TB, s *Server) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of server %s (%s), last lines:\n%s", s.Name(), s.LogPath(), s.LogTail(30))
		}
		if err := s.Close(); err != nil {
			t.Errorf("clean up server %s: %v", s.Name(), err)
		}
	})
}
