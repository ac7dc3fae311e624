package record_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/dnsserver"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// With DNSServer every connection resolves the endpoint's name by asking
// that server: a name the system resolver does not know works, and each
// new-connection probe records the address it got.
func TestDNSServerResolves(t *testing.T) {
	srv := sharedServer(t)
	const name = "db.switchwatch.test"
	dns, err := dnsserver.Start("127.0.0.1:0", name, time.Second, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer dns.Close()
	dsn := pgserver.DSN(name, srv.Port(), srv.User(), srv.Password())
	res, rows := recordRows(t, record.Config{
		WriteDSN: dsn, DNSServer: dns.Addr(), Interval: 100 * time.Millisecond, Duration: time.Second,
		Conns: []string{store.ConnNew, store.ConnPooled},
	})
	newConns := 0
	for _, p := range rows {
		if p.Outcome != store.OutcomeOK {
			t.Errorf("%s %s seq %d: %s %s", p.Kind, p.Conn, p.Seq, p.ErrorClass, p.Error)
		}
		if p.Conn == store.ConnNew {
			newConns++
			if p.ResolvedAddrs != "127.0.0.1" {
				t.Errorf("%s seq %d: resolved %q, want 127.0.0.1 from the DNS server", p.Kind, p.Seq, p.ResolvedAddrs)
			}
		}
	}
	if newConns == 0 {
		t.Fatal("no new-connection probes")
	}
	if q := dns.Queries(); q < newConns {
		t.Errorf("the DNS server answered %d queries for %d new connections", q, newConns)
	}
	if res.Verify == nil || res.VerifyErr != nil {
		t.Errorf("lost-write check through the DNS server: %v, %v", res.Verify, res.VerifyErr)
	}

	_, err = record.Run(context.Background(), record.Config{WriteDSN: dsn, DNSServer: "no-port", Out: t.TempDir(), Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "--dns-server") {
		t.Errorf("DNSServer without a port: %v, want a --dns-server error", err)
	}
}
