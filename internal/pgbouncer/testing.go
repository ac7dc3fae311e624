package pgbouncer

import (
	"context"
	"testing"

	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// FindForTest finds the pgbouncer program or skips t (fails it under
// SWITCHWATCH_REQUIRE_POSTGRES=1, which CI sets: .ci/run installs it).
func FindForTest(t testing.TB) string {
	t.Helper()
	return pgserver.FindOrSkip(t, "PgBouncer", Find)
}

// StartForTest starts a PgBouncer for a test and stops it (removing its
// directory) when the test ends, logging its log if the test failed.
func StartForTest(t testing.TB, opts Options) *Bouncer {
	t.Helper()
	if opts.Binary == "" {
		opts.Binary = FindForTest(t)
	}
	return pgserver.StartOrSkip(t, "PgBouncer", ErrNoBinary,
		func() (*Bouncer, error) { return Start(context.Background(), opts) },
		func(b *Bouncer) string { return "pgbouncer log, last lines:\n" + b.LogTail(30) })
}
