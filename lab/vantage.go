package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// The vantages of "lab run --vantages N", in the order N takes them: N=1
// is direct alone (no vantage recorded: as without --vantages), 2 adds
// latency, 3 adds dns-cache.
const (
	// VantageDirect connects as a recorder without vantages does.
	VantageDirect = "direct"
	// VantageLatency connects through delay proxies (Proxy.SetDelay) in
	// front of the endpoints: a client farther away.
	VantageLatency = "latency"
	// VantageDNSCache resolves the endpoint name through a caching DNS
	// forwarder that keeps every answer for a minimum time whatever its
	// TTL: a host with a stale DNS cache. Only on a rig with a DNS name.
	VantageDNSCache = "dns-cache"
)

// MaxVantages is how many vantages the lab knows.
const MaxVantages = 3

// Defaults of VantageOptions.
const (
	DefaultVantageLatency  = 200 * time.Millisecond
	DefaultVantageDNSCache = 30 * time.Second
)

// The loopback addresses of the latency vantage's delay proxies on a DNS
// rig, in front of blue's (127.0.0.2) and green's (127.0.0.3) endpoints,
// on the same port.
const (
	latencyBlueIP  = "127.0.0.6"
	latencyGreenIP = "127.0.0.7"
)

// VantageOptions say from how many vantages "lab run" records each
// switchover (RunOptions.Vantages).
type VantageOptions struct {
	// N is the number of vantages (0 or 1: one recorder, as without
	// vantages; at most MaxVantages).
	N int
	// Latency is the latency vantage's added round trip (default
	// DefaultVantageLatency): half of it each way, as ping shows behind
	// netem (Proxy.SetDelay).
	Latency time.Duration
	// DNSCache is how long the dns-cache vantage keeps an answer at
	// least (default DefaultVantageDNSCache).
	DNSCache time.Duration
	// Interval is the probe interval of the vantages other than direct
	// (default: Record.Interval), so that three recorders need not open
	// three times the connections.
	Interval time.Duration
}

// VantageNames are the names of the first n vantages.
func VantageNames(n int) ([]string, error) {
	all := []string{VantageDirect, VantageLatency, VantageDNSCache}
	switch {
	case n < 1:
		return nil, fmt.Errorf("--vantages %d: want 1 to %d", n, MaxVantages)
	case n > MaxVantages:
		return nil, fmt.Errorf("--vantages %d: the lab has %d kinds of vantage (%s); more recorders of the same kind would record the same thing", n, MaxVantages, strings.Join(all, ", "))
	}
	return all[:n], nil
}

// Check says whether the vantages can watch a rig of this kind.
func (o VantageOptions) Check(rigKind string) error {
	if o.N <= 1 {
		return nil
	}
	names, err := VantageNames(o.N)
	if err != nil {
		return err
	}
	if o.Latency < 0 || o.DNSCache < 0 || o.Interval < 0 {
		return fmt.Errorf("vantages: negative --vantage-latency, --vantage-dns-cache or --vantage-interval")
	}
	if slices.Contains(names, VantageDNSCache) && rigKind != RigDNS {
		return fmt.Errorf("--vantages %d: the %s vantage needs a rig whose clients resolve a DNS name (the dns scenario), and this one is %s: use --vantages 2, or the dns scenario",
			o.N, VantageDNSCache, rigKind)
	}
	return nil
}

func (o VantageOptions) withDefaults() VantageOptions {
	if o.Latency == 0 {
		o.Latency = DefaultVantageLatency
	}
	if o.DNSCache == 0 {
		o.DNSCache = DefaultVantageDNSCache
	}
	return o
}

// vantage is one recorder of a switchover and what it connects through.
type vantage struct {
	name    string
	cfg     record.Config
	cache   *dnsForwarder // the dns-cache vantage's, else nil
	closers []func() error
}

func (v *vantage) close() error {
	var errs []error
	for _, c := range slices.Backward(v.closers) {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// buildVantages makes one recorder configuration per vantage from base
// (the direct one, aimed at the rig's endpoints), and starts what the
// others connect through. With one vantage, base is returned as it is.
func buildVantages(rig *Rig, opts RunOptions, base record.Config) (vs []*vantage, err error) {
	if opts.Vantages.N <= 1 {
		return []*vantage{{name: VantageDirect, cfg: base}}, nil
	}
	names, err := VantageNames(opts.Vantages.N)
	if err != nil {
		return nil, err
	}
	vo := opts.Vantages.withDefaults()
	defer func() {
		if err != nil {
			for _, v := range vs {
				v.close()
			}
			vs = nil
		}
	}()
	switchover := "lab-" + record.NewRunID(time.Now())
	for _, name := range names {
		v := &vantage{name: name, cfg: base}
		vs = append(vs, v)
		v.cfg.Vantage, v.cfg.SwitchoverID = name, switchover
		if name != VantageDirect {
			v.cfg.RunID = record.NewRunID(time.Now())
			if vo.Interval > 0 {
				v.cfg.Interval, v.cfg.Rate = vo.Interval, 0
			}
		}
		switch name {
		case VantageLatency:
			err = v.throughDelay(rig, vo.Latency)
		case VantageDNSCache:
			err = v.throughCache(rig, vo.DNSCache)
		}
		if err != nil {
			return vs, fmt.Errorf("vantage %s: %w", name, err)
		}
	}
	return vs, nil
}

// throughDelay aims v at delay proxies in front of the rig's endpoints.
// On a DNS rig they listen on latencyBlueIP and latencyGreenIP with the
// endpoints' port, and v resolves the name through its own forwarder,
// which asks the rig's DNS server and rewrites blue's and green's
// addresses to them: the flip reaches v as it reaches everyone. On the
// other rigs v's DSNs name a delay proxy on 127.0.0.1 for every host:port
// they named.
func (v *vantage) throughDelay(rig *Rig, rtt time.Duration) error {
	if rig.DNS != nil {
		rewrite := map[string]string{}
		for ip, to := range map[string]string{dnsBlueIP: latencyBlueIP, dnsGreenIP: latencyGreenIP} {
			port := strconv.Itoa(rig.Writer.Port())
			p, err := NewProxy("latency "+ip, net.JoinHostPort(to, port), net.JoinHostPort(ip, port))
			if err != nil {
				return err
			}
			p.SetDelay(rtt)
			v.closers = append(v.closers, p.Close)
			rewrite[ip] = to
		}
		fwd, err := startDNSForwarder(rig.DNS.Addr(), rewrite, 0)
		if err != nil {
			return err
		}
		v.closers = append(v.closers, fwd.Close)
		v.cfg.DNSServer = fwd.Addr()
		return nil
	}
	proxies := map[string]string{} // host:port → its delay proxy's
	for _, dsn := range []*string{&v.cfg.WriteDSN, &v.cfg.ReadDSN} {
		out, err := rewriteDSNHosts(*dsn, func(hostport string) (string, error) {
			if to, ok := proxies[hostport]; ok {
				return to, nil
			}
			p, err := NewProxy("latency "+hostport, "127.0.0.1:0", hostport)
			if err != nil {
				return "", err
			}
			p.SetDelay(rtt)
			v.closers = append(v.closers, p.Close)
			proxies[hostport] = p.Addr()
			return p.Addr(), nil
		})
		if err != nil {
			return err
		}
		*dsn = out
	}
	return nil
}

// throughCache makes v resolve through a caching forwarder in front of
// the rig's DNS server that keeps every answer at least keep.
func (v *vantage) throughCache(rig *Rig, keep time.Duration) error {
	if rig.DNS == nil {
		return fmt.Errorf("the rig has no DNS server to cache the answers of")
	}
	fwd, err := startDNSForwarder(rig.DNS.Addr(), nil, keep)
	if err != nil {
		return err
	}
	v.closers = append(v.closers, fwd.Close)
	v.cache = fwd
	v.cfg.DNSServer = fwd.Addr()
	return nil
}

var dsnHostRE, dsnPortRE = regexp.MustCompile(`(^|\s)host=(\S+)`), regexp.MustCompile(`(^|\s)port=(\S+)`)

// rewriteDSNHosts replaces every host:port a keyword/value DSN of the
// lab's (host=a[,b] port=p[,q]) names with to(host:port).
func rewriteDSNHosts(dsn string, to func(hostport string) (string, error)) (string, error) {
	hm, pm := dsnHostRE.FindStringSubmatchIndex(dsn), dsnPortRE.FindStringSubmatchIndex(dsn)
	if hm == nil || pm == nil {
		return "", fmt.Errorf("put a delay proxy in front of a DSN without host= and port=")
	}
	hosts, ports := strings.Split(dsn[hm[4]:hm[5]], ","), strings.Split(dsn[pm[4]:pm[5]], ",")
	if len(hosts) != len(ports) {
		return "", fmt.Errorf("put delay proxies in front of %d hosts with %d ports", len(hosts), len(ports))
	}
	for i := range hosts {
		addr, err := to(net.JoinHostPort(hosts[i], ports[i]))
		if err != nil {
			return "", err
		}
		hosts[i], ports[i], _ = net.SplitHostPort(addr)
	}
	// the later match first, so that the earlier one's indexes hold
	type repl struct {
		from, to int
		with     string
	}
	rs := []repl{{hm[4], hm[5], strings.Join(hosts, ",")}, {pm[4], pm[5], strings.Join(ports, ",")}}
	slices.SortFunc(rs, func(a, b repl) int { return b.from - a.from })
	for _, r := range rs {
		dsn = dsn[:r.from] + r.with + dsn[r.to:]
	}
	return dsn, nil
}

// multiSink writes every ground-truth event into each vantage's events
// file: the switchover is the same for all of them.
type multiSink []*store.EventLog

func (m multiSink) Log(e store.Event) error {
	var errs []error
	for _, l := range m {
		errs = append(errs, l.Log(e))
	}
	return errors.Join(errs...)
}

// logRefreshes writes the dns-cache vantage's refreshes into its events
// file (event.DNSCacheRefresh).
func (v *vantage) logRefreshes(l *store.EventLog) error {
	if v.cache == nil {
		return nil
	}
	for _, r := range v.cache.Refreshes() {
		msg := fmt.Sprintf("DNS cache of vantage %s: %s is %s for %v", v.name, r.Name, strings.Join(r.Addrs, ","), r.CacheFor)
		if r.Changed() {
			msg += ", was " + strings.Join(r.Previous, ",")
		}
		if err := l.Log(store.Event{Time: r.Time, Name: event.DNSCacheRefresh, Source: EventSource, Message: msg,
			Attrs: map[string]string{"vantage": v.name, "name": r.Name, "addrs": strings.Join(r.Addrs, ","),
				"previous": strings.Join(r.Previous, ","), "changed": strconv.FormatBool(r.Changed()),
				"cache_for": r.CacheFor.String()}}); err != nil {
			return err
		}
	}
	return nil
}

// waitCacheRefresh waits, when a vantage caches DNS answers and the rig's
// DNS answer changed during the scenario, until that vantage's cache has
// taken the change up (its first refresh after the last flip), so that
// the tail after it shows the vantage's recovery. It waits at most the
// cache time plus slack: a vantage that asks nothing (pooled connections
// only) does not hold the run up for ever.
func waitCacheRefresh(ctx context.Context, rig *Rig, vs []*vantage, recDone <-chan struct{}, keep time.Duration) error {
	if rig.DNS == nil {
		return nil
	}
	changes := rig.DNS.Changes()
	if len(changes) < 2 {
		return nil
	}
	flip := changes[len(changes)-1].Time
	deadline := flip.Add(keep + 10*time.Second)
	for _, v := range vs {
		for v.cache != nil && time.Now().Before(deadline) {
			if slices.ContainsFunc(v.cache.Refreshes(), func(r dnsRefresh) bool { return r.Time.After(flip) }) {
				break
			}
			if err := sleepOrDone(ctx, 50*time.Millisecond, recDone); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitProbeTable waits until the probe table exists on the write
// endpoint that cfg aims at (the first recorder creates it with its
// first write), so that recorders started after it do not issue a second
// CREATE TABLE at the same time: two collide in the catalog, and one
// vantage's first write would fail.
func waitProbeTable(ctx context.Context, cfg record.Config, recDone <-chan struct{}) error {
	pc, err := pgx.ParseConfig(cfg.WriteDSN)
	if err != nil {
		return fmt.Errorf("wait for the probe table: %w", err)
	}
	if cfg.DNSServer != "" {
		r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, cfg.DNSServer)
		}}
		pc.LookupFunc = r.LookupHost
	}
	// one connection, asked again every 100ms: a login per poll would
	// cost the machine what the probes need
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if conn == nil {
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			conn, _ = pgx.ConnectConfig(cctx, pc)
			cancel()
		}
		if conn != nil {
			qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			var ok bool
			err := conn.QueryRow(qctx, "SELECT to_regclass($1) IS NOT NULL", cfg.Table).Scan(&ok)
			cancel()
			if err == nil && ok {
				return nil
			}
			if err != nil {
				conn.Close(context.Background())
				conn = nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the probe table %s did not appear within 30s of the first recorder's start", cfg.Table)
		}
		if err := sleepOrDone(ctx, 100*time.Millisecond, recDone); err != nil {
			return err
		}
	}
}

// anyDone is closed when the first of the recorders stops.
func anyDone(recs []*recorder) <-chan struct{} {
	ch := make(chan struct{})
	var once sync.Once
	for _, r := range recs {
		go func() {
			<-r.done
			once.Do(func() { close(ch) })
		}()
	}
	return ch
}
