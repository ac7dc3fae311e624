package patroni

import (
	"context"
	"testing"

	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// FindForTest finds the cluster's programs or skips t (fails it under
// SWITCHWATCH_REQUIRE_POSTGRES=1, which CI sets: .ci/run installs them).
func FindForTest(t testing.TB) *Programs {
	t.Helper()
	return pgserver.FindOrSkip(t, "Patroni", Find)
}

// StartForTest starts a cluster for a test and stops it (removing its
// directory) when the test ends, logging the programs' logs if the test
// failed.
func StartForTest(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if opts.Programs == nil {
		opts.Programs = FindForTest(t)
	}
	if opts.Binaries == nil {
		opts.Binaries = pgserver.BinariesForTest(t)
	}
	return pgserver.StartOrSkip(t, "Patroni cluster", ErrNoBinary,
		func() (*Cluster, error) { return Start(context.Background(), opts) },
		func(c *Cluster) string { return "cluster logs, last lines:\n" + c.LogTails(30) })
}
