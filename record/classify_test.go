package record_test

import (
	"fmt"
	"path/filepath"
	"strings"
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
	srv := sharedServer(t)
	cases := []struct {
		name, dsn, class string
	}{
		{"dns", "host=switchwatch-no-such-host.invalid port=5432 user=x dbname=x connect_timeout=2", store.ClassDNS},
		{"tls", srv.DSN() + " sslmode=require", store.ClassTLS},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, rows := recordRows(t, record.Config{
				WriteDSN: c.dsn, Interval: 100 * time.Millisecond, Duration: 300 * time.Millisecond,
				Kinds: []string{"connect"}, ConnectTimeout: 2 * time.Second,
			})
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

// TestMultiHostErrorKeepsEveryCause connects to two hosts with
// sslmode=prefer: nothing listens on the first, the second refuses the
// password. pgx tries each host twice (with and without TLS) and reports
// every attempt; the stored message keeps each distinct cause once, causes
// first, so the second host's reason survives the cut.
func TestMultiHostErrorKeepsEveryCause(t *testing.T) {
	srv := sharedServer(t)
	dead, err := pgserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dsn := fmt.Sprintf("host=127.0.0.1,127.0.0.1 port=%d,%d user=%s password=multi-wrong-pw dbname=postgres sslmode=prefer",
		dead, srv.Port(), srv.User())
	res, rows := recordRows(t, record.Config{
		WriteDSN: dsn, Interval: 100 * time.Millisecond, Duration: 200 * time.Millisecond, Kinds: []string{"connect"},
	})
	for _, p := range rows {
		lines := strings.Split(p.Error, "\n")
		if !strings.Contains(lines[0], "connection refused") {
			t.Errorf("seq %d: first line %q, want the first host's cause (connection refused)", p.Seq, lines[0])
		}
		if !strings.Contains(p.Error, "password authentication failed") {
			t.Errorf("seq %d: error %q lacks the second host's cause", p.Seq, p.Error)
		}
		seen := map[string]bool{}
		for _, l := range lines {
			if seen[l] {
				t.Errorf("seq %d: line %q repeated in %q", p.Seq, l, p.Error)
			}
			seen[l] = true
		}
		if p.ErrorClass != store.ClassAuth {
			t.Errorf("seq %d: class %q, want auth (the server's own word)", p.Seq, p.ErrorClass)
		}
	}
	assertNoSecret(t, filepath.Dir(res.RunDir), "multi-wrong-pw")
}
