package record

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/record/store"
)

// Defaults of Config.
const (
	DefaultInterval       = 100 * time.Millisecond
	DefaultConnectTimeout = 3 * time.Second
	DefaultQueryTimeout   = 3 * time.Second
	DefaultPoolSize       = 4
	MaxInflightCap        = 512
	// VerifyMax bounds the lost-write check at the end of a run: it keeps
	// trying for verifyRetry, each attempt within its own timeout.
	VerifyMax = verifyRetry + 10*time.Second
)

// Result is what a finished recording produced.
type Result struct {
	RunID  string
	RunDir string
	Counts map[string]int64 // probes by outcome
	Verify *store.Verify    // nil when the check was off or failed (see VerifyErr)
	// VerifyErr is why the lost-write check failed, if it did. The run's
	// probes are complete regardless.
	VerifyErr error
	// VerifySkipped: the check was skipped on request (Config.SkipVerify);
	// "switchwatch verify" does it later.
	VerifySkipped bool
	// Stopped says why the recording ended (store.Stopped*, as in
	// run.json); RecoveredAt, with --until-recovered, is the end of the
	// outage (or of the command, when clients never noticed it).
	Stopped     string
	RecoveredAt time.Time
	// Warnings are what the recording has to say about its own numbers
	// (most slots skipped); run.json keeps them too.
	Warnings []string
}

// Defaults fills the zero fields of cfg with their defaults.
func (cfg *Config) Defaults() {
	if cfg.ReadDSN == "" {
		cfg.ReadDSN = cfg.WriteDSN
	}
	if cfg.Interval <= 0 && cfg.Rate > 0 {
		cfg.Interval = time.Duration(float64(time.Second) / cfg.Rate)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = DefaultQueryTimeout
	}
	if len(cfg.Kinds) == 0 {
		cfg.Kinds = []string{store.KindWrite, store.KindRead}
	}
	if len(cfg.Conns) == 0 && len(cfg.Profiles) == 0 {
		cfg.Conns = []string{store.ConnNew}
	}
	if cfg.Table == "" {
		cfg.Table = DefaultTable
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = DefaultPoolSize
	}
	if cfg.MaxInflight <= 0 {
		// Enough slots that a probe is skipped only when every probe in the
		// window hangs for both of its timeouts.
		ct, qt := cfg.ConnectTimeout, cfg.QueryTimeout
		for _, p := range cfg.Profiles {
			ct, qt = max(ct, time.Duration(p.ConnectTimeout)), max(qt, time.Duration(p.QueryTimeout))
		}
		n := int((ct+qt+closeTimeout)/cfg.Interval) + 1
		cfg.MaxInflight = min(n, MaxInflightCap)
	}
	if cfg.StatusEvery <= 0 {
		cfg.StatusEvery = 5 * time.Second
	}
	if cfg.RunID == "" {
		cfg.RunID = NewRunID(time.Now())
	}
}

// NewRunID makes a run id from a time and random bits: sortable, unique,
// and safe in a Hive folder name.
func NewRunID(t time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// checkGrid checks the two ways of giving the grid step before Defaults
// fills one of them in.
func (cfg *Config) checkGrid() error {
	switch {
	case cfg.Interval < 0:
		return fmt.Errorf("--interval must be positive, got %v", cfg.Interval)
	case cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0):
		return fmt.Errorf("--rate must be a positive number of probes per second, got %v", cfg.Rate)
	case cfg.Interval > 0 && cfg.Rate > 0:
		return fmt.Errorf("--interval %v and --rate %v both given: say the grid step one way (--rate N is --interval 1s/N)", cfg.Interval, cfg.Rate)
	case cfg.Rate > 0 && time.Duration(float64(time.Second)/cfg.Rate) < time.Microsecond:
		return fmt.Errorf("--rate %v is more than a million probes per second per stream", cfg.Rate)
	}
	return nil
}

func (cfg *Config) validate() error {
	if cfg.WriteDSN == "" && os.Getenv("PGHOST") == "" && os.Getenv("PGSERVICE") == "" {
		// An empty DSN is legal for libpq (all from PG* variables), so only
		// refuse when nothing at all says where to connect.
		return fmt.Errorf("--write-dsn is empty and neither PGHOST nor PGSERVICE is set: nothing says where to connect")
	}
	if cfg.Out == "" {
		return fmt.Errorf("--out is empty: say where the run folder goes")
	}
	if err := CheckKinds("--probes", cfg.Kinds); err != nil {
		return err
	}
	if _, err := cfg.profiles(); err != nil {
		return err
	}
	if cfg.Duration < 0 {
		return fmt.Errorf("--duration must not be negative")
	}
	switch {
	case cfg.SwitchoverAfter < 0:
		return fmt.Errorf("--switchover-after must not be negative, got %v", cfg.SwitchoverAfter)
	case cfg.SwitchoverAfter > 0 && cfg.Switchover == "":
		return fmt.Errorf("--switchover-after %v without --switchover: no command to run", cfg.SwitchoverAfter)
	case cfg.Switchover != "" && cfg.Duration > 0 && cfg.SwitchoverAfter >= cfg.Duration:
		return fmt.Errorf("--switchover-after %v is not before the end of --duration %v", cfg.SwitchoverAfter, cfg.Duration)
	case cfg.UntilRecovered < 0:
		return fmt.Errorf("--until-recovered must not be negative, got %v", cfg.UntilRecovered)
	}
	return nil
}

// ErrConfig is wrapped by Run's errors for a Config that cannot be right
// whatever the endpoint's state: a bad or conflicting setting, a DSN that
// does not parse. The command line reports these as usage errors (exit 2);
// every other error of Run is the recording's.
var ErrConfig = errors.New("invalid recording settings")

type configError struct{ err error }

func (e configError) Error() string        { return e.err.Error() }
func (e configError) Unwrap() error        { return e.err }
func (e configError) Is(target error) bool { return target == ErrConfig }

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

// Run records until cfg.Duration has passed or ctx is cancelled, then lets
// the probes in flight finish (each within its own timeouts), closes the
// files and, unless cfg.NoVerify, runs the lost-write check. Cancelling ctx
// is the normal way to end an open-ended recording and is not an error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.checkGrid(); err != nil {
		return nil, configError{err}
	}
	runIDGiven := cfg.RunID != "" && !cfg.NewRunID // a generated one is new
	cfg.Defaults()
	if err := cfg.validate(); err != nil {
		return nil, configError{err}
	}
	sc := &scrubber{}
	wcfg, err := parseDSN("--write-dsn", cfg.WriteDSN, sc)
	if err != nil {
		return nil, configError{err}
	}
	rcfg, err := parseDSN("--read-dsn", cfg.ReadDSN, sc)
	if err != nil {
		return nil, configError{err}
	}
	table, err := quoteTable(cfg.Table)
	if err != nil {
		return nil, configError{fmt.Errorf("--table: %w", err)}
	}
	if err := checkDNSServer(cfg.DNSServer); err != nil {
		return nil, configError{err}
	}
	profiles, _ := cfg.profiles() // checked by validate
	hasWrites := slices.Contains(cfg.Kinds, store.KindWrite)
	clients := make([]*client, len(profiles))
	shared := &sharedEndpoints{eps: map[string]*endpoint{}}
	for i := range profiles {
		c, err := newClient(&profiles[i], &cfg, table, hasWrites, sc, shared)
		if err != nil {
			return nil, configError{err}
		}
		clients[i] = c
	}
	if err := checkWritable(cfg.Out); err != nil {
		return nil, err
	}
	if runIDGiven && hasWrites {
		if err := checkRunIDsTable(ctx, &cfg, clients, sc); err != nil {
			return nil, err
		}
	}
	useDNSServer(wcfg, cfg.DNSServer)
	useDNSServer(rcfg, cfg.DNSServer)

	mln, err := listenMetrics(cfg.MetricsAddr)
	if err != nil {
		return nil, err
	}

	host, _ := os.Hostname()
	start := time.Now()
	info := &store.RunInfo{
		RunID: cfg.RunID, Tool: "switchwatch record", ToolVersion: store.Version(), Host: host,
		Labels: cfg.Labels, Settings: settingsOf(&cfg), Start: start.UTC(),
	}
	info.Settings["write_endpoint"] = endpointOf(wcfg)
	info.Settings["read_endpoint"] = endpointOf(rcfg)
	if info.Labels == nil {
		info.Labels = map[string]string{}
	}
	w, err := store.CreateRun(cfg.Out, info, store.WriterOptions{})
	if err != nil {
		if mln != nil {
			mln.Close()
		}
		err = fmt.Errorf("create run in --out %s: %w", cfg.Out, err)
		if errors.Is(err, store.ErrRunExists) {
			return nil, configError{err} // --run-id names a run that exists
		}
		return nil, err
	}

	if len(cfg.Profiles) > 0 {
		ps := make([]map[string]any, len(profiles))
		for i := range profiles {
			ps[i] = profiles[i].settings()
		}
		info.Settings["profiles"] = ps
	}
	streams, err := buildStreams(&cfg, clients, table, hasWrites)
	if err != nil {
		w.Close()
		if mln != nil {
			mln.Close()
		}
		return nil, err
	}
	met := startMetrics(mln, streams, metricsRun{id: cfg.RunID, version: store.Version(), host: host, labels: info.Labels})
	defer met.close()
	var closeOnce sync.Once
	closeStreams := func() {
		closeOnce.Do(func() {
			for _, s := range streams {
				s.src.close()
			}
		})
	}
	defer closeStreams()

	// The writer goroutine decouples probes from disk: a segment being
	// closed must never hold up a probe's in-flight slot.
	rows := make(chan store.Probe, 65536)
	stop, cancelStop := context.WithCancel(ctx)
	defer cancelStop()
	var writeErr error
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for p := range rows {
			if writeErr != nil {
				continue // keep draining so probes never block; the run is ending
			}
			if err := w.Write(&p); err != nil {
				writeErr = err
				cancelStop()
			}
		}
	}()

	sch := &scheduler{
		runID: cfg.RunID, interval: cfg.Interval, clock: newClock(), sc: sc, rows: rows, metrics: met,
	}
	t0 := sch.clock.t0.Add(cfg.Interval) // the first slot, a step after start
	var until time.Time
	if cfg.Duration > 0 {
		until = t0.Add(cfg.Duration)
	}
	var display *statusDisplay
	displayStop := make(chan struct{})
	displayDone := make(chan struct{})
	if cfg.Status != nil {
		display = &statusDisplay{w: cfg.Status, tty: cfg.StatusTTY, every: cfg.StatusEvery, start: start}
		for _, s := range streams {
			display.streams = append(display.streams, s.stats)
		}
		sch.display = display
		go func() { defer close(displayDone); display.loop(displayStop) }()
	} else {
		close(displayDone)
	}

	hands, err := startHandsFree(ctx, &cfg, w.Dir(), sch, streams, cancelStop)
	if err != nil {
		cancelStop()
	}
	var schedulers sync.WaitGroup
	for _, s := range streams {
		schedulers.Add(1)
		go func(s *stream) { defer schedulers.Done(); sch.schedule(stop, s, t0, until) }(s)
	}
	hands.start(t0)
	schedulers.Wait()
	stopped := hands.finish()
	sch.inflight.Wait() // every probe ends within its connect and query timeouts
	// The pools go before the lost-write check: through a pooler in session
	// mode they may hold every server connection the check needs.
	closeStreams()
	close(rows)
	<-writerDone
	close(displayStop)
	<-displayDone

	closeErr := w.Close()
	if writeErr == nil {
		writeErr = closeErr
	}
	res := &Result{RunID: cfg.RunID, RunDir: w.Dir(), Counts: w.Counts(), Stopped: stopped}
	res.RecoveredAt = hands.recoveredAt()
	if err != nil && writeErr == nil {
		writeErr = err // the events file could not be opened
	}
	end := time.Now().UTC()
	info.End = &end
	info.Probes = res.Counts
	info.Stopped = stopped
	if wm := skippedWarning(res.Counts, cfg.Interval, cfg.MaxInflight); wm != "" {
		res.Warnings = append(res.Warnings, wm)
		info.Warnings = append(info.Warnings, wm)
		if cfg.Status != nil {
			fmt.Fprintf(cfg.Status, "switchwatch: warning: %s\n", wm)
		}
	}
	if err := store.WriteRunInfo(w.Dir(), info); err != nil && writeErr == nil {
		writeErr = err
	}
	if writeErr != nil {
		return res, fmt.Errorf("recording stopped: %w", writeErr)
	}
	if !cfg.NoVerify && hasWrites {
		res.VerifySkipped = runVerify(ctx, &cfg, res, info)
	}
	if met != nil && cfg.MetricsLinger > 0 && cfg.Status != nil {
		fmt.Fprintf(cfg.Status, "switchwatch: the final metrics stay up on %s for %v (--metrics-linger; Ctrl-C ends it)\n", cfg.MetricsAddr, cfg.MetricsLinger)
	}
	met.linger(ctx, cfg.MetricsLinger)
	return res, nil
}

// runVerify runs the lost-write check at the end of a recording, saying so
// on the status writer, and reports whether it was skipped. Closing
// cfg.SkipVerify skips it (or stops it); so does cancelling ctx when the
// recording ended by itself (--duration), since that cancel then comes
// during the check. A check that was not done is written into run.json.
func runVerify(ctx context.Context, cfg *Config, res *Result, info *store.RunInfo) (skipped bool) {
	if cfg.Status != nil {
		fmt.Fprintf(cfg.Status, "switchwatch: checking for lost writes on the write endpoint (at most %v; Ctrl-C again to skip it)\n", VerifyMax)
	}
	vctx, cancel := context.WithTimeout(context.Background(), VerifyMax)
	defer cancel()
	var interrupt <-chan struct{}
	if ctx.Err() == nil {
		interrupt = ctx.Done()
	}
	var skip atomic.Bool
	go func() {
		select {
		case <-cfg.SkipVerify:
		case <-interrupt:
		case <-vctx.Done():
			return
		}
		skip.Store(true)
		cancel()
	}()
	res.Verify, res.VerifyErr = VerifyVia(vctx, res.RunDir, cfg.WriteDSN, cfg.Table, cfg.DNSServer)
	cancel()
	if res.Verify != nil {
		return false
	}
	info.Verify = store.VerifyFailed
	if skip.Load() {
		info.Verify, res.VerifyErr = store.VerifySkipped, nil
	}
	if err := store.WriteRunInfo(res.RunDir, info); err != nil && res.VerifyErr == nil {
		res.VerifyErr = err
	}
	return skip.Load()
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
