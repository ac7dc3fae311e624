package patroni

import (
	"context"
	"errors"
	"testing"

	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// FindForTest finds the cluster's programs or skips t (fails it under
// SWITCHWATCH_REQUIRE_POSTGRES=1, which CI sets: .ci/run installs them).
func FindForTest(t testing.TB) *Programs {
	t.Helper()
	p, err := Find()
	if err != nil {
		skipOrFail(t, err)
	}
	return p
}

func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if pgserver.Required() {
		t.Fatalf("Patroni is required (%s=1) but not usable: %v", pgserver.RequireEnv, err)
	}
	t.Skipf("skipping: %v; set %s=1 to make this a failure", err, pgserver.RequireEnv)
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
	c, err := Start(context.Background(), opts)
	if err != nil {
		if errors.Is(err, ErrNoBinary) {
			skipOrFail(t, err)
		}
		t.Fatalf("start Patroni cluster for test: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cluster logs, last lines:\n%s", c.LogTails(30))
		}
		if err := c.Close(); err != nil {
			t.Errorf("clean up Patroni cluster: %v", err)
		}
	})
	return c
}
