package record

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

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

// dnsCache answers host-name lookups from the answers of earlier ones for
// ttl after each was made, as the JVM (networkaddress.cache.ttl) and many
// connection pools do: a client with a cache keeps dialling the old
// address after a DNS change until its answer expires. Failed lookups are
// not cached. One cache serves every connection of a profile.
type dnsCache struct {
	ttl    time.Duration
	lookup func(ctx context.Context, host string) ([]string, error)

	mu      sync.Mutex
	answers map[string]cachedAnswer
}

type cachedAnswer struct {
	addrs []string
	at    time.Time
}

// useDNSCache makes cfg look host names up through a cache of ttl that
// wraps the resolver cfg uses (its LookupFunc, such as --dns-server's, or
// the system's). A ttl of 0 leaves cfg as it is.
func useDNSCache(cfg *pgx.ConnConfig, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	inner := cfg.LookupFunc
	if inner == nil {
		inner = net.DefaultResolver.LookupHost
	}
	c := &dnsCache{ttl: ttl, lookup: inner, answers: map[string]cachedAnswer{}}
	cfg.LookupFunc = c.lookupHost
}

func (c *dnsCache) lookupHost(ctx context.Context, host string) ([]string, error) {
	c.mu.Lock()
	a, ok := c.answers[host]
	c.mu.Unlock()
	if ok && time.Since(a.at) < c.ttl {
		return slices.Clone(a.addrs), nil
	}
	addrs, err := c.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.answers[host] = cachedAnswer{addrs: slices.Clone(addrs), at: time.Now()}
	c.mu.Unlock()
	return addrs, nil
}
