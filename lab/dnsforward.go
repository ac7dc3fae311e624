package lab

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/switchwatch/switchwatch/internal/dnsserver"
)

// dnsForwarder is a vantage's own DNS server on 127.0.0.1: it answers
// every query by asking the rig's DNS server (upstream), so that a DNS
// flip reaches its clients as it reaches everyone's, and changes the
// answer on the way in one of two ways:
//
//   - rewrite maps A-record addresses to others: the latency vantage's
//     forwarder sends blue's and green's endpoint addresses to the delay
//     proxies in front of them;
//   - minCache keeps every answer at least that long whatever its TTL, as
//     a host's nscd or dnsmasq with a minimum cache time does: the
//     dns-cache vantage's stale cache. Each time it asks upstream again
//     for an A record it notes a dnsRefresh, the ground truth of when its
//     clients could first reach a new address.
type dnsForwarder struct {
	upstream string
	rewrite  map[string]string
	minCache time.Duration
	client   *dns.Client
	ep       *dnsserver.Endpoint

	// mu is held across an upstream exchange when caching, so that
	// queries arriving together after an expiry refresh once.
	mu        sync.Mutex
	cache     map[dnsKey]dnsCached
	refreshes []dnsRefresh
}

type dnsKey struct {
	name  string // lower case, fully qualified
	qtype uint16
}

type dnsCached struct {
	msg     *dns.Msg
	expires time.Time
}

// dnsRefresh is one upstream answer to an A query that the caching
// forwarder kept: when it came, the addresses, and those it replaced.
type dnsRefresh struct {
	Time     time.Time
	Name     string
	Addrs    []string
	Previous []string
	CacheFor time.Duration
}

// Changed reports whether the refresh changed the cached answer (the
// first one, at an empty cache, does not count).
func (r dnsRefresh) Changed() bool {
	return len(r.Previous) > 0 && !slices.Equal(r.Addrs, r.Previous)
}

// startDNSForwarder serves on a free port of 127.0.0.1, asking upstream.
func startDNSForwarder(upstream string, rewrite map[string]string, minCache time.Duration) (*dnsForwarder, error) {
	f := &dnsForwarder{upstream: upstream, rewrite: rewrite, minCache: minCache,
		client: &dns.Client{Timeout: 2 * time.Second}, cache: map[dnsKey]dnsCached{}}
	ep, err := dnsserver.Serve("127.0.0.1:0", dns.HandlerFunc(f.serve))
	if err != nil {
		return nil, fmt.Errorf("start a vantage's DNS forwarder: %w", err)
	}
	f.ep = ep
	return f, nil
}

// Addr is the forwarder's host:port (UDP and TCP).
func (f *dnsForwarder) Addr() string { return f.ep.Addr() }

// Close stops it.
func (f *dnsForwarder) Close() error { return f.ep.Close() }

// Refreshes lists the upstream answers the cache kept, in order.
func (f *dnsForwarder) Refreshes() []dnsRefresh {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.refreshes)
}

func (f *dnsForwarder) serve(w dns.ResponseWriter, req *dns.Msg) {
	m, err := f.answer(req)
	if err != nil {
		m = new(dns.Msg)
		m.SetRcode(req, dns.RcodeServerFailure)
	}
	w.WriteMsg(m)
}

func (f *dnsForwarder) answer(req *dns.Msg) (*dns.Msg, error) {
	if f.minCache <= 0 || len(req.Question) != 1 {
		return f.ask(req)
	}
	q := req.Question[0]
	key := dnsKey{strings.ToLower(q.Name), q.Qtype}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if c, ok := f.cache[key]; ok && now.Before(c.expires) {
		m := c.msg.Copy()
		m.Id = req.Id
		left := uint32((c.expires.Sub(now) + time.Second - 1) / time.Second)
		for _, rr := range m.Answer {
			rr.Header().Ttl = left
		}
		return m, nil
	}
	m, err := f.ask(req)
	if err != nil {
		return nil, err
	}
	at := time.Now()
	keep := f.minCache
	for _, rr := range m.Answer {
		keep = max(keep, time.Duration(rr.Header().Ttl)*time.Second)
	}
	prev := f.cache[key]
	f.cache[key] = dnsCached{msg: m.Copy(), expires: at.Add(keep)}
	if q.Qtype == dns.TypeA {
		f.refreshes = append(f.refreshes, dnsRefresh{Time: at, Name: key.name, Addrs: aAddrs(m),
			Previous: aAddrs(prev.msg), CacheFor: keep})
	}
	return m, nil
}

// ask exchanges req with upstream and rewrites the A records' addresses.
func (f *dnsForwarder) ask(req *dns.Msg) (*dns.Msg, error) {
	m, _, err := f.client.Exchange(req, f.upstream)
	if err != nil {
		return nil, err
	}
	for _, rr := range m.Answer {
		if a, ok := rr.(*dns.A); ok {
			if to, ok := f.rewrite[a.A.String()]; ok {
				a.A = net.ParseIP(to).To4()
			}
		}
	}
	return m, nil
}

// aAddrs are the addresses of m's A records (nil m: none).
func aAddrs(m *dns.Msg) []string {
	if m == nil {
		return nil
	}
	var out []string
	for _, rr := range m.Answer {
		if a, ok := rr.(*dns.A); ok {
			out = append(out, a.A.String())
		}
	}
	return out
}
