package lab

import (
	"context"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/dnsserver"
)

func lookupVia(t *testing.T, server string) []string {
	t.Helper()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	addrs, err := r.LookupHost(ctx, DNSName)
	if err != nil {
		t.Fatalf("look %s up via %s: %v", DNSName, server, err)
	}
	return addrs
}

// The latency vantage's forwarder passes every change on, rewritten.
func TestDNSForwarderRewrites(t *testing.T) {
	up, err := dnsserver.Start("127.0.0.1:0", DNSName, time.Second, dnsBlueIP)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	f, err := startDNSForwarder(up.Addr(), map[string]string{dnsBlueIP: latencyBlueIP, dnsGreenIP: latencyGreenIP}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := lookupVia(t, f.Addr()); !slices.Equal(got, []string{latencyBlueIP}) {
		t.Errorf("before the flip: %v, want %s", got, latencyBlueIP)
	}
	up.Set(dnsGreenIP)
	if got := lookupVia(t, f.Addr()); !slices.Equal(got, []string{latencyGreenIP}) {
		t.Errorf("after the flip: %v, want %s at once", got, latencyGreenIP)
	}
	if n := len(f.Refreshes()); n != 0 {
		t.Errorf("a forwarder without a cache noted %d refreshes", n)
	}
}

// The dns-cache vantage's forwarder keeps an answer for its minimum cache
// time whatever the TTL, and notes each refresh: the first after the flip
// brings the new address, and from then on its clients get it.
func TestDNSForwarderCaches(t *testing.T) {
	up, err := dnsserver.Start("127.0.0.1:0", DNSName, 0, dnsBlueIP)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	const keep = 1500 * time.Millisecond
	f, err := startDNSForwarder(up.Addr(), nil, keep)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := lookupVia(t, f.Addr()); !slices.Equal(got, []string{dnsBlueIP}) {
		t.Fatalf("first lookup: %v", got)
	}
	flip, _ := up.Set(dnsGreenIP)
	if got := lookupVia(t, f.Addr()); !slices.Equal(got, []string{dnsBlueIP}) {
		t.Errorf("right after the flip, within the cache time: %v, want the stale %s", got, dnsBlueIP)
	}
	rs := f.Refreshes()
	if len(rs) != 1 || rs[0].Changed() || !rs[0].Time.Before(flip) {
		t.Fatalf("refreshes before expiry: %+v, want the first fill only", rs)
	}
	time.Sleep(time.Until(rs[0].Time.Add(keep)))
	if got := lookupVia(t, f.Addr()); !slices.Equal(got, []string{dnsGreenIP}) {
		t.Errorf("after the cache time: %v, want %s", got, dnsGreenIP)
	}
	rs = f.Refreshes()
	if len(rs) != 2 || !rs[1].Changed() || !rs[1].Time.After(flip) || rs[1].Time.Sub(rs[0].Time) < keep ||
		!slices.Equal(rs[1].Previous, []string{dnsBlueIP}) || rs[1].CacheFor != keep {
		t.Errorf("refreshes: %+v, want a second, changed, at least %v after the first", rs, keep)
	}
}

func TestRewriteDSNHosts(t *testing.T) {
	n := 0
	to := func(hp string) (string, error) {
		n++
		return "127.0.0.1:" + string(rune('0'+n)) + "000", nil
	}
	got, err := rewriteDSNHosts("host=127.0.0.4,127.0.0.5 port=5432,5433 user=postgres password='a b' dbname=postgres", to)
	want := "host=127.0.0.1,127.0.0.1 port=1000,2000 user=postgres password='a b' dbname=postgres"
	if err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if _, err := rewriteDSNHosts("postgres://u@h:1/db", to); err == nil {
		t.Error("a URL DSN was rewritten: want an error")
	}
}

func TestVantageNames(t *testing.T) {
	for n, want := range map[int][]string{1: {VantageDirect}, 2: {VantageDirect, VantageLatency},
		3: {VantageDirect, VantageLatency, VantageDNSCache}} {
		if got, err := VantageNames(n); err != nil || !slices.Equal(got, want) {
			t.Errorf("VantageNames(%d) = %v, %v; want %v", n, got, err, want)
		}
	}
	for _, n := range []int{0, 4} {
		if _, err := VantageNames(n); err == nil {
			t.Errorf("VantageNames(%d): want an error", n)
		}
	}
	if err := (VantageOptions{N: 3}).Check(RigBlueGreen); err == nil {
		t.Error("a dns-cache vantage on a rig without DNS: want an error")
	}
	if err := (VantageOptions{N: 2}).Check(RigBlueGreen); err != nil {
		t.Errorf("a latency vantage on the bluegreen rig: %v", err)
	}
}
