package record

import (
	"context"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5"
)

// useDNSServer makes cfg resolve its host names by asking the DNS server
// at server (host:port) directly, with Go's own resolver (no system
// resolver, no cache: every lookup is a query), instead of the system's.
// An empty server leaves cfg as it is.
func useDNSServer(cfg *pgx.ConnConfig, server string) {
	if server == "" {
		return
	}
	r := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		},
	}
	cfg.LookupFunc = r.LookupHost
}

func checkDNSServer(server string) error {
	if server == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(server); err != nil {
		return fmt.Errorf("--dns-server %q: want HOST:PORT (%v)", server, err)
	}
	return nil
}
