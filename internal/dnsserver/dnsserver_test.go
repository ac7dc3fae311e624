package dnsserver

import (
	"context"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func resolver(addr, network string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

func TestAnswerFlip(t *testing.T) {
	s, err := Start("127.0.0.1:0", "db.lab.test", 5*time.Second, "127.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, network := range []string{"udp", "tcp"} {
		got, err := resolver(s.Addr(), network).LookupHost(ctx, "db.lab.test")
		if err != nil || !slices.Equal(got, []string{"127.0.0.2"}) {
			t.Fatalf("lookup over %s: %v, %v; want 127.0.0.2", network, got, err)
		}
	}
	if _, err := resolver(s.Addr(), "udp").LookupHost(ctx, "other.lab.test"); err == nil {
		t.Error("another name resolved; want NXDOMAIN")
	}
	before := time.Now()
	at, err := s.Set("127.0.0.3")
	if err != nil {
		t.Fatal(err)
	}
	if at.Before(before) || at.After(time.Now()) {
		t.Errorf("change time %v outside the call", at)
	}
	got, err := resolver(s.Addr(), "udp").LookupHost(ctx, "DB.lab.test.")
	if err != nil || !slices.Equal(got, []string{"127.0.0.3"}) {
		t.Fatalf("lookup after the flip: %v, %v; want 127.0.0.3", got, err)
	}
	ch := s.Changes()
	if len(ch) != 2 || !ch[1].Time.Equal(at) || ch[1].Addrs[0] != "127.0.0.3" {
		t.Errorf("changes %v, want the start and the flip at %v", ch, at)
	}
	if _, err := Start("0.0.0.0:0", "x", time.Second, "127.0.0.2"); err == nil {
		t.Error("Start on 0.0.0.0: want an error (loopback only)")
	}
}

func TestTTL(t *testing.T) {
	s, err := Start("127.0.0.1:0", "db.lab.test", 7*time.Second, "127.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := new(dns.Msg)
	m.SetQuestion("db.lab.test.", dns.TypeA)
	r, err := dns.Exchange(m, s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Answer) != 1 || !r.Authoritative {
		t.Fatalf("answer %v (authoritative %v), want one A record, authoritative", r.Answer, r.Authoritative)
	}
	if ttl := r.Answer[0].Header().Ttl; ttl != 7 {
		t.Errorf("TTL %d, want 7", ttl)
	}
}
