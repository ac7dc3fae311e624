package record_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestClientSideClasses provokes the error classes that need no server
// state: a name that does not resolve and TLS demanded from a server
// without it. Each case runs a short connect-only recording.
func TestClientSideClasses(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{})
	cases := []struct {
		name, dsn, class string
	}{
		{"dns", "host=switchwatch-no-such-host.invalid port=5432 user=x dbname=x connect_timeout=2", store.ClassDNS},
		{"tls", srv.DSN() + " sslmode=require", store.ClassTLS},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := record.Run(context.Background(), record.Config{
				WriteDSN: c.dsn, Interval: 100 * time.Millisecond, Duration: 300 * time.Millisecond,
				Out: t.TempDir(), Kinds: []string{"connect"}, ConnectTimeout: 2 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			rows := readRows(t, res.RunDir)
			if len(rows) != 3 {
				t.Fatalf("%d probes, want 3", len(rows))
			}
			for _, p := range rows {
				if p.Outcome != store.OutcomeError || p.ErrorClass != c.class {
					t.Errorf("seq %d: %s/%s %q, want error/%s", p.Seq, p.Outcome, p.ErrorClass, p.Error, c.class)
				}
			}
		})
	}
}
