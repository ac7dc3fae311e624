package record

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/record/store"
)

// plan is a recording planned from its Config: the settings checked and
// defaulted, the DSNs parsed, one client per profile with its endpoints,
// and what the streams will probe. Planning talks to no server except to
// check that a given run id is unused; every error it returns for a
// setting wraps ErrConfig.
type plan struct {
	cfg        Config
	sc         *scrubber
	table      string
	hasWrites  bool
	profiles   []Profile
	clients    []*client
	wcfg, rcfg *pgx.ConnConfig
}

// newPlan checks cfg, fills in its defaults and prepares the clients; it
// fails before anything is written when the output folder is not writable
// or a given run id is in the probe table already.
func newPlan(ctx context.Context, cfg Config) (*plan, error) {
	if err := cfg.checkGrid(); err != nil {
		return nil, configError{err}
	}
	runIDGiven := cfg.RunID != "" && !cfg.NewRunID // a generated one is new
	cfg.Defaults()
	if err := cfg.validate(); err != nil {
		return nil, configError{err}
	}
	p := &plan{cfg: cfg, sc: &scrubber{}}
	if err := p.parse(); err != nil {
		return nil, configError{err}
	}
	if err := checkWritable(p.cfg.Out); err != nil {
		return nil, err
	}
	if runIDGiven && p.hasWrites {
		if err := checkRunIDsTable(ctx, &p.cfg, p.clients, p.sc); err != nil {
			return nil, err
		}
	}
	useDNSServer(p.wcfg, p.cfg.DNSServer)
	useDNSServer(p.rcfg, p.cfg.DNSServer)
	return p, nil
}

// parse parses the DSNs and the table name and makes the clients.
func (p *plan) parse() error {
	cfg := &p.cfg
	var err error
	if p.wcfg, err = parseDSN("--write-dsn", cfg.WriteDSN, p.sc); err != nil {
		return err
	}
	if p.rcfg, err = parseDSN("--read-dsn", cfg.ReadDSN, p.sc); err != nil {
		return err
	}
	if p.table, err = quoteTable(cfg.Table); err != nil {
		return fmt.Errorf("--table: %w", err)
	}
	if err := checkDNSServer(cfg.DNSServer); err != nil {
		return err
	}
	p.profiles, _ = cfg.profiles() // checked by validate
	p.hasWrites = slices.Contains(cfg.Kinds, store.KindWrite)
	p.clients = make([]*client, len(p.profiles))
	shared := &sharedEndpoints{eps: map[string]*endpoint{}}
	for i := range p.profiles {
		if p.clients[i], err = newClient(&p.profiles[i], cfg, p.table, p.hasWrites, p.sc, shared); err != nil {
			return err
		}
	}
	return nil
}

// runInfo is run.json as the recording starts: labels, and the settings
// without passwords with where each endpoint's DSN connects.
func (p *plan) runInfo(host string, start time.Time) *store.RunInfo {
	info := &store.RunInfo{
		RunID: p.cfg.RunID, Tool: "switchwatch record", ToolVersion: store.Version(), Host: host,
		Labels: p.cfg.Labels, Settings: settingsOf(&p.cfg), Start: start.UTC(),
	}
	info.Vantage, info.SwitchoverID = p.cfg.Vantage, p.cfg.SwitchoverID
	if info.Vantage == "" {
		info.Vantage = host
	}
	info.Settings["write_endpoint"] = endpointOf(p.wcfg)
	info.Settings["read_endpoint"] = endpointOf(p.rcfg)
	if info.Labels == nil {
		info.Labels = map[string]string{}
	}
	return info
}

// profileSettings lists the client profiles for run.json, when they were
// given (the built-in ones follow from the settings).
func (p *plan) profileSettings() []map[string]any {
	if len(p.cfg.Profiles) == 0 {
		return nil
	}
	ps := make([]map[string]any, len(p.profiles))
	for i := range p.profiles {
		ps[i] = p.profiles[i].settings()
	}
	return ps
}

// checkWritable fails early, before any connection is made, when the
// output folder cannot be created or written.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "_probe-writable-*")
	if err != nil {
		return fmt.Errorf("--out %s is not writable: %w", dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// client is one profile ready to record: its endpoints (its own parsed
// DSNs, each endpoint prepared on its own) and timeouts.
type client struct {
	profile        *Profile
	eps            map[string]*endpoint
	connectTimeout time.Duration
	queryTimeout   time.Duration
	poolSize       int
}

// sharedEndpoints are the endpoints of a recording: profiles that connect
// the same way (the same DSN and DNS cache) share one, prepared once, as
// the built-in profiles always have; createMu serialises the probe
// table's creation on the others.
type sharedEndpoints struct {
	eps      map[string]*endpoint // by role, DSN and DNS cache
	createMu sync.Mutex
}

func newClient(p *Profile, cfg *Config, table string, hasWrites bool, sc *scrubber, shared *sharedEndpoints) (*client, error) {
	c := &client{profile: p, connectTimeout: cfg.ConnectTimeout, queryTimeout: cfg.QueryTimeout, poolSize: cfg.PoolSize}
	if p.ConnectTimeout > 0 {
		c.connectTimeout = time.Duration(p.ConnectTimeout)
	}
	if p.QueryTimeout > 0 {
		c.queryTimeout = time.Duration(p.QueryTimeout)
	}
	if p.PoolSize > 0 {
		c.poolSize = p.PoolSize
	}
	wdsn, rdsn := p.dsns(cfg.WriteDSN, cfg.ReadDSN)
	what := func(flag string) string {
		if p.isBuiltin() {
			return flag
		}
		return fmt.Sprintf("profile %q: %s", p.Name, flag)
	}
	wcfg, err := parseDSN(what("--write-dsn"), wdsn, sc)
	if err != nil {
		return nil, err
	}
	rcfg, err := parseDSN(what("--read-dsn"), rdsn, sc)
	if err != nil {
		return nil, err
	}
	for _, pc := range []*pgx.ConnConfig{wcfg, rcfg} {
		useDNSServer(pc, cfg.DNSServer)
		useDNSCache(pc, time.Duration(p.DNSCache))
	}
	c.eps = map[string]*endpoint{}
	for _, e := range []struct {
		role, dsn string
		cfg       *pgx.ConnConfig
	}{{store.EndpointWrite, wdsn, wcfg}, {store.EndpointRead, rdsn, rcfg}} {
		key := fmt.Sprintf("%s\x00%s\x00%v", e.role, e.dsn, p.DNSCache)
		ep := shared.eps[key]
		if ep == nil {
			write := e.role == store.EndpointWrite
			ep = &endpoint{role: e.role, dsn: e.dsn, cfg: prepareConfig(e.cfg), table: table, needTable: hasWrites,
				create: write && hasWrites, createMu: &shared.createMu}
			shared.eps[key] = ep
		}
		c.eps[e.role] = ep
	}
	return c, nil
}

// checkRunIDsTable refuses a run id that the probe table on a write
// endpoint of the recording holds rows of (ErrRunIDInTable), before
// anything is written. Only a given run id is checked: a generated one is
// new. An endpoint that cannot be asked within the connect and query
// timeouts does not hold the recording up, which starts whatever the
// endpoint's state: the status says the check was not made.
func checkRunIDsTable(ctx context.Context, cfg *Config, clients []*client, sc *scrubber) error {
	seen := map[*endpoint]bool{}
	for _, cl := range clients {
		ep := cl.eps[store.EndpointWrite]
		if ep == nil || seen[ep] {
			continue
		}
		seen[ep] = true
		err := checkRunIDUnused(ctx, ep, cfg.RunID, cl.connectTimeout+cl.queryTimeout, sc)
		if errors.Is(err, ErrRunIDInTable) {
			return err
		}
		if err != nil && cfg.Status != nil {
			fmt.Fprintf(cfg.Status, "switchwatch: could not check whether %s on %s holds rows of run id %q already (%s): recording anyway; if it does, every write fails on the duplicate key\n",
				ep.table, endpointName(ep.dsn, ep.cfg), cfg.RunID, escapeLine(err.Error()))
		}
	}
	return nil
}

func buildStreams(cfg *Config, clients []*client, table string, hasWrites bool) ([]*stream, error) {
	// Every kind runs in every profile, so a read stream looks for the
	// newest key of the write stream of its own profile.
	var streams []*stream
	for _, kind := range cfg.Kinds {
		pk := probers[kind]
		for _, cl := range clients {
			prof := cl.profile
			ep := cl.eps[pk.endpoint]
			// One statement per state the endpoint can be found in.
			envs := map[prep]*probeEnv{}
			for _, st := range allPreps() {
				env := pk.env(envArgs{table: table, st: st, hasWrites: hasWrites, profile: prof.Name})
				envs[st] = &env
			}
			var src connSource = &newConns{cfg: ep.cfg}
			if prof.Conn == store.ConnPooled {
				p, err := newPooledConns(ep.cfg, cl.poolOptions())
				if err != nil {
					for _, s := range streams {
						s.src.close()
					}
					return nil, err
				}
				src = p
			}
			s := &stream{kind: kind, conn: prof.Conn, profile: prof.Name, endpoint: pk.endpoint, run: pk.run, ep: ep, envs: envs, src: src,
				sem: make(chan struct{}, cfg.MaxInflight), connectTimeout: cl.connectTimeout, queryTimeout: cl.queryTimeout}
			s.stats = newStreamStats(s.name())
			streams = append(streams, s)
		}
	}
	return streams, nil
}

func (cl *client) poolOptions() poolOptions {
	p := cl.profile
	return poolOptions{
		size: cl.poolSize, connectTimeout: cl.connectTimeout,
		maxLifetime: time.Duration(p.MaxConnLifetime), maxIdle: time.Duration(p.MaxConnIdleTime),
		healthCheck: time.Duration(p.HealthCheckPeriod), dropOnReadOnly: p.DropOnReadOnly, dropOnError: p.DropOnError,
	}
}

// settingsOf lists the effective settings for run.json, passwords removed.
func settingsOf(cfg *Config) map[string]any {
	s := map[string]any{
		"write_dsn":       RedactDSN(cfg.WriteDSN),
		"read_dsn":        RedactDSN(cfg.ReadDSN),
		"interval":        cfg.Interval.String(),
		"rate":            cfg.Rate, // 0: the grid was given as an interval
		"duration":        cfg.Duration.String(),
		"connect_timeout": cfg.ConnectTimeout.String(),
		"query_timeout":   cfg.QueryTimeout.String(),
		"probes":          cfg.Kinds,
		"conns":           cfg.Conns,
		"table":           cfg.Table,
		"max_inflight":    cfg.MaxInflight,
		"pool_size":       cfg.PoolSize,
		"verify":          !cfg.NoVerify,
		"metrics_addr":    cfg.MetricsAddr,
	}
	if cfg.Switchover != "" {
		s["switchover"] = RedactCommand(cfg.Switchover)
		s["switchover_after"] = cfg.SwitchoverAfter.String()
	}
	if cfg.UntilRecovered > 0 {
		s["until_recovered"] = cfg.UntilRecovered.String()
	}
	if cfg.DNSServer != "" {
		s["dns_server"] = cfg.DNSServer
	}
	return s
}

// endpointName names an endpoint in messages and verify.json: the DSN as
// given, without its password, and where it resolved to when that says more
// (a DSN left empty for the PG* variables, a service name):
// "host=db user=app (app@db:5432/app)", or just "app@db:5432/app".
func endpointName(dsn string, cfg *pgx.ConnConfig) string {
	ep := endpointOf(cfg)
	name := strings.Join(ep["hosts"].([]string), ",") + "/" + cfg.Database
	if cfg.User != "" {
		name = cfg.User + "@" + name
	}
	if strings.TrimSpace(dsn) == "" {
		return name
	}
	return RedactDSN(dsn) + " (" + name + ")"
}

// endpointOf is where a parsed DSN connects, for run.json: the DSN as given
// may be empty (PG* variables) or a service name, so this is the one record
// of what a run probed. Every host of a multi-host DSN is listed once (pgx
// adds a plain-text fallback per host for sslmode=prefer). No password.
func endpointOf(cfg *pgx.ConnConfig) map[string]any {
	hostPort := func(host string, port uint16) string {
		if strings.HasPrefix(host, "/") {
			return fmt.Sprintf("unix:%s:%d", host, port)
		}
		return net.JoinHostPort(host, strconv.Itoa(int(port)))
	}
	hosts := []string{hostPort(cfg.Host, cfg.Port)}
	for _, fb := range cfg.Fallbacks {
		if h := hostPort(fb.Host, fb.Port); !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return map[string]any{
		"host": cfg.Host, "port": cfg.Port, "database": cfg.Database, "user": cfg.User, "hosts": hosts,
	}
}
