package pgbouncer

import (
	"context"
	"errors"
	"testing"

	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// FindForTest finds the pgbouncer program or skips t (fails it under
// SWITCHWATCH_REQUIRE_POSTGRES=1, which CI sets: .ci/run installs it).
func FindForTest(t testing.TB) string {
	t.Helper()
	bin, err := Find()
	if err != nil {
		skipOrFail(t, err)
	}
	return bin
}

func skipOrFail(t testing.TB, err error) {
	t.Helper()
	pgserver.SkipOrFailFor(t, "PgBouncer", err)
}

// StartForTest starts a PgBouncer for a test and stops it (removing its
// directory) when the test ends, logging its log if the test failed.
func StartForTest(t testing.TB, opts Options) *Bouncer {
	t.Helper()
	if opts.Binary == "" {
		opts.Binary = FindForTest(t)
	}
	b, err := Start(context.Background(), opts)
	if err != nil {
		if errors.Is(err, ErrNoBinary) {
			skipOrFail(t, err)
		}
		t.Fatalf("start PgBouncer for test: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pgbouncer log, last lines:\n%s", b.LogTail(30))
		}
		if err := b.Close(); err != nil {
			t.Errorf("clean up pgbouncer: %v", err)
		}
	})
	return b
}
