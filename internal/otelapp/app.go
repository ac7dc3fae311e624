package otelapp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// Service names, and how each reaches the database.
const (
	ServiceCheckout = "checkout" // a pgxpool; writes
	ServiceReports  = "reports"  // a new connection per request; reads
	ConnPooled      = "pooled"
	ConnNew         = "new"
)

// Attributes of the app's SERVER spans: how the service reaches the
// database (ConnPooled, ConnNew) and which of its clients sent the request.
const (
	AttrConn   = "app.conn"
	AttrClient = "app.client"
)

// DefaultTable is the app's own table, created if missing.
const DefaultTable = "otelapp_orders"

// Defaults of Config.
const (
	DefaultCheckout       = 2
	DefaultReports        = 1
	DefaultThink          = 100 * time.Millisecond
	DefaultBurst          = 8
	DefaultLull           = time.Second
	DefaultConnectTimeout = 2 * time.Second
	DefaultQueryTimeout   = 2 * time.Second
	DefaultPoolSize       = 4
	DefaultBatchTimeout   = 500 * time.Millisecond
)

// Config says what the app does. Zero values take the defaults above.
type Config struct {
	DSN       string // the database (the lab's write endpoint)
	DNSServer string // HOST:PORT to resolve DSN host names with, instead of the system's
	Table     string

	Checkout int // closed-loop clients of service checkout
	Reports  int // closed-loop clients of service reports
	// A client thinks for an exponential time of mean Think between the
	// requests of a burst; a burst ends after each request with
	// probability 1/Burst, and a lull of exponential mean Lull follows.
	// Draws are capped at five times their mean.
	Think time.Duration
	Burst int
	Lull  time.Duration

	ConnectTimeout time.Duration // to get a connection (new, or the pool's)
	QueryTimeout   time.Duration // for a whole request, connection included
	PoolSize       int           // checkout's pool

	// Quiet windows: no request is sent from After (since Start) for For.
	Quiet []Quiet

	// OTLPEndpoint is the HOST:PORT of an OTLP/HTTP receiver (plain HTTP);
	// BatchTimeout the SDK batch processor's export delay.
	OTLPEndpoint string
	BatchTimeout time.Duration
}

// Quiet is a stretch in which the app sends nothing.
type Quiet struct {
	After time.Duration
	For   time.Duration
}

func (c *Config) defaults() {
	if c.Table == "" {
		c.Table = DefaultTable
	}
	if c.Checkout == 0 && c.Reports == 0 {
		c.Checkout, c.Reports = DefaultCheckout, DefaultReports
	}
	if c.Think <= 0 {
		c.Think = DefaultThink
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	if c.Lull <= 0 {
		c.Lull = DefaultLull
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.QueryTimeout <= 0 {
		c.QueryTimeout = DefaultQueryTimeout
	}
	if c.PoolSize <= 0 {
		c.PoolSize = DefaultPoolSize
	}
	if c.BatchTimeout <= 0 {
		c.BatchTimeout = DefaultBatchTimeout
	}
}

// settings lists c for app.json.
func (c Config) settings() map[string]any {
	quiet := []map[string]string{}
	for _, q := range c.Quiet {
		quiet = append(quiet, map[string]string{"after": q.After.String(), "for": q.For.String()})
	}
	s := map[string]any{
		"table":            c.Table,
		"checkout_clients": c.Checkout,
		"reports_clients":  c.Reports,
		"think":            c.Think.String(),
		"burst":            c.Burst,
		"lull":             c.Lull.String(),
		"connect_timeout":  c.ConnectTimeout.String(),
		"query_timeout":    c.QueryTimeout.String(),
		"pool_size":        c.PoolSize,
		"quiet":            quiet,
		"otlp_endpoint":    c.OTLPEndpoint,
		"batch_timeout":    c.BatchTimeout.String(),
	}
	if c.DNSServer != "" {
		s["dns_server"] = c.DNSServer
	}
	return s
}

// Truth is what the app did, for app.json: its settings, when it ran,
// when it was quiet, and what each service sent. Times are nanoseconds
// since the Unix epoch, UTC.
type Truth struct {
	// Settings are the effective settings (Config after its defaults,
	// without the DSN), durations as Go duration strings like run.json's.
	Settings map[string]any `json:"settings"`
	Started  int64          `json:"started_ns"`
	Stopped  int64          `json:"stopped_ns"`
	Quiet    []Window       `json:"quiet,omitempty"`
	Services []ServiceTruth `json:"services"`
}

// Window is a quiet stretch as it happened: from when the last request in
// flight had ended (no span of the app starts or ends after Start) to when
// clients were let go again (every span after it starts after End).
type Window struct {
	Start int64 `json:"start_ns"`
	End   int64 `json:"end_ns"`
}

// ServiceTruth is one service: its clients and the requests they sent
// (Failed of them ended with an error).
type ServiceTruth struct {
	Name     string `json:"name"`
	Conn     string `json:"conn"`
	Clients  int    `json:"clients"`
	Requests int64  `json:"requests"`
	Failed   int64  `json:"failed"`
}

// App is a running application.
type App struct {
	cfg     Config
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	gate    gate
	pool    *pgxpool.Pool
	tps     []*sdktrace.TracerProvider
	started time.Time

	mu       sync.Mutex
	quiet    []Window
	services []*service
	stopped  bool
	truth    *Truth
	stopErr  error
}

type service struct {
	name, conn string
	clients    int
	tr         trace.Tracer
	do         func(ctx context.Context, rnd *rand.Rand) error

	mu               sync.Mutex
	requests, failed int64
}

// Start creates the app's table and starts its clients. Stop ends them.
func Start(ctx context.Context, cfg Config) (*App, error) {
	cfg.defaults()
	if cfg.DSN == "" {
		return nil, errors.New("otelapp: no DSN")
	}
	if cfg.OTLPEndpoint == "" {
		return nil, errors.New("otelapp: no OTLP endpoint")
	}
	if cfg.Checkout < 0 || cfg.Reports < 0 {
		return nil, fmt.Errorf("otelapp: %d checkout and %d reports clients: want none or more", cfg.Checkout, cfg.Reports)
	}
	connCfg, err := pgx.ParseConfig(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("otelapp: parse DSN: %w", err)
	}
	connCfg.ConnectTimeout = cfg.ConnectTimeout
	useDNSServer(connCfg, cfg.DNSServer)
	if err := createTable(ctx, connCfg.Copy(), cfg); err != nil {
		return nil, err
	}

	a := &App{cfg: cfg}
	a.gate.cond = sync.NewCond(&a.gate.mu)
	ok := false
	defer func() {
		if !ok {
			a.shutdown(context.Background())
		}
	}()
	tracers := map[string]*otelpgx.Tracer{}
	for _, name := range []string{ServiceCheckout, ServiceReports} {
		tp, err := newProvider(ctx, name, cfg)
		if err != nil {
			return nil, err
		}
		a.tps = append(a.tps, tp)
		tracers[name] = otelpgx.NewTracer(otelpgx.WithTracerProvider(tp))
	}

	poolCfg, err := pgxpool.ParseConfig(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("otelapp: parse DSN: %w", err)
	}
	poolCfg.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	useDNSServer(poolCfg.ConnConfig, cfg.DNSServer)
	poolCfg.ConnConfig.Tracer = dbTracer{tracers[ServiceCheckout]}
	poolCfg.MaxConns = int32(cfg.PoolSize)
	if a.pool, err = pgxpool.NewWithConfig(ctx, poolCfg); err != nil {
		return nil, fmt.Errorf("otelapp: pool: %w", err)
	}
	newCfg := connCfg.Copy()
	newCfg.Tracer = dbTracer{tracers[ServiceReports]}

	a.services = []*service{
		{name: ServiceCheckout, conn: ConnPooled, clients: cfg.Checkout, tr: a.tps[0].Tracer("switchwatch/otelapp"),
			do: func(ctx context.Context, rnd *rand.Rand) error { return checkout(ctx, a.pool, cfg.Table, rnd) }},
		{name: ServiceReports, conn: ConnNew, clients: cfg.Reports, tr: a.tps[1].Tracer("switchwatch/otelapp"),
			do: func(ctx context.Context, _ *rand.Rand) error { return report(ctx, newCfg, cfg.Table) }},
	}
	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.started = time.Now()
	ok = true
	for _, s := range a.services {
		for i := 0; i < s.clients; i++ {
			a.wg.Add(1)
			go a.client(runCtx, s, fmt.Sprintf("%s-%d", s.name, i+1))
		}
	}
	for _, q := range cfg.Quiet {
		a.wg.Add(1)
		go a.quietAt(runCtx, q)
	}
	return a, nil
}

func useDNSServer(cfg *pgx.ConnConfig, server string) {
	if server == "" {
		return
	}
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
	cfg.LookupFunc = r.LookupHost
}

func createTable(ctx context.Context, cfg *pgx.ConnConfig, c Config) error {
	ctx, cancel := context.WithTimeout(ctx, c.ConnectTimeout+c.QueryTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("otelapp: connect to create table %s: %w", c.Table, err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+pgx.Identifier{c.Table}.Sanitize()+
		" (id bigserial PRIMARY KEY, service text NOT NULL, amount_cents int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())")
	if err != nil {
		return fmt.Errorf("otelapp: create table %s: %w", c.Table, err)
	}
	return nil
}

func newProvider(ctx context.Context, name string, cfg Config) (*sdktrace.TracerProvider, error) {
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(cfg.OTLPEndpoint), otlptracehttp.WithInsecure())
	if err != nil {
		return nil, fmt.Errorf("otelapp: OTLP exporter for %s: %w", name, err)
	}
	res, err := resource.New(ctx, resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(name), semconv.ServiceNamespace("switchwatch-lab")))
	if err != nil {
		return nil, fmt.Errorf("otelapp: resource of %s: %w", name, err)
	}
	return sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		// A queue large enough that a burst is never dropped between two
		// exports: the traces are ground truth.
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(cfg.BatchTimeout), sdktrace.WithMaxQueueSize(1<<16)),
	), nil
}

// client is one closed-loop client: a request, think, a request, ...
func (a *App) client(ctx context.Context, s *service, id string) {
	defer a.wg.Done()
	rnd := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	for {
		if !a.gate.enter(ctx) {
			return
		}
		err := a.request(ctx, s, id, rnd)
		a.gate.leave()
		s.mu.Lock()
		s.requests++
		if err != nil {
			s.failed++
		}
		s.mu.Unlock()
		mean := a.cfg.Think
		if rnd.IntN(a.cfg.Burst) == 0 {
			mean = a.cfg.Lull
		}
		d := time.Duration(rnd.ExpFloat64() * float64(mean))
		if !sleep(ctx, min(d, 5*mean)) {
			return
		}
	}
}

// request is one request of s: a SERVER span with the database calls
// under it. The request's own deadline is the query timeout; stopping the
// app does not cut a request short.
func (a *App) request(ctx context.Context, s *service, client string, rnd *rand.Rand) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.QueryTimeout)
	defer cancel()
	name := "POST /checkout"
	if s.name == ServiceReports {
		name = "GET /report"
	}
	ctx, span := s.tr.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String(AttrConn, s.conn), attribute.String(AttrClient, client)))
	defer span.End()
	err := s.do(ctx, rnd)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		span.SetAttributes(attrErrorType.String(ErrorType(err)))
	}
	return err
}

func checkout(ctx context.Context, pool *pgxpool.Pool, table string, rnd *rand.Rand) error {
	t := pgx.Identifier{table}.Sanitize()
	var id int64
	if err := pool.QueryRow(ctx, "INSERT INTO "+t+" (service, amount_cents) VALUES ($1, $2) RETURNING id",
		ServiceCheckout, 100+rnd.IntN(10000)).Scan(&id); err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	var amount int
	if err := pool.QueryRow(ctx, "SELECT amount_cents FROM "+t+" WHERE id = $1", id).Scan(&amount); err != nil {
		return fmt.Errorf("read order %d back: %w", id, err)
	}
	return nil
}

func report(ctx context.Context, cfg *pgx.ConnConfig, table string) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n, sum int64
	if err := conn.QueryRow(ctx, "SELECT count(*), coalesce(sum(amount_cents), 0) FROM "+pgx.Identifier{table}.Sanitize()+
		" WHERE created_at > now() - interval '1 minute'").Scan(&n, &sum); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// quietAt stops sending for q.For from q.After since the start.
func (a *App) quietAt(ctx context.Context, q Quiet) {
	defer a.wg.Done()
	if !sleep(ctx, time.Until(a.started.Add(q.After))) {
		return
	}
	start := a.gate.pause()
	ok := sleep(ctx, time.Until(start.Add(q.For)))
	end := a.gate.resume()
	if !ok {
		return // stopped while quiet: not a window that ended
	}
	a.mu.Lock()
	a.quiet = append(a.quiet, Window{Start: start.UnixNano(), End: end.UnixNano()})
	a.mu.Unlock()
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Stop ends the clients (requests in flight end within their timeouts),
// closes the pool, flushes every span to the OTLP endpoint and says what
// the app did. It may be called more than once.
func (a *App) Stop(ctx context.Context) (*Truth, error) {
	a.mu.Lock()
	if a.stopped {
		defer a.mu.Unlock()
		return a.truth, a.stopErr
	}
	a.stopped = true
	a.mu.Unlock()
	a.cancel()
	a.gate.wake()
	a.wg.Wait()
	stopped := time.Now()
	err := a.shutdown(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	t := &Truth{Settings: a.cfg.settings(), Started: a.started.UnixNano(), Stopped: stopped.UnixNano(), Quiet: a.quiet}
	for _, s := range a.services {
		s.mu.Lock()
		t.Services = append(t.Services, ServiceTruth{Name: s.name, Conn: s.conn, Clients: s.clients, Requests: s.requests, Failed: s.failed})
		s.mu.Unlock()
	}
	a.truth, a.stopErr = t, err
	return t, err
}

func (a *App) shutdown(ctx context.Context) error {
	if a.pool != nil {
		a.pool.Close()
	}
	var errs []error
	for _, tp := range a.tps {
		if err := tp.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("otelapp: flush spans: %w", err))
		}
	}
	return errors.Join(errs...)
}

// gate lets clients start requests unless the app is quiet, and counts
// the requests in flight so a quiet window starts when the last has ended.
type gate struct {
	mu       sync.Mutex
	cond     *sync.Cond
	paused   int // quiet windows in force (they may overlap)
	inflight int
	done     bool
}

// enter waits while the app is quiet; false when the app stops.
func (g *gate) enter(ctx context.Context) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.paused > 0 && !g.done {
		g.cond.Wait()
	}
	if g.done || ctx.Err() != nil {
		return false
	}
	g.inflight++
	return true
}

func (g *gate) leave() {
	g.mu.Lock()
	g.inflight--
	g.cond.Broadcast()
	g.mu.Unlock()
}

// pause stops new requests and waits for those in flight; it returns
// when the last ended.
func (g *gate) pause() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.paused++
	for g.inflight > 0 {
		g.cond.Wait()
	}
	return time.Now()
}

// resume lets clients go again; it returns the time before any could.
func (g *gate) resume() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := time.Now()
	g.paused--
	g.cond.Broadcast()
	return t
}

// wake releases clients waiting in a quiet window, for Stop.
func (g *gate) wake() {
	g.mu.Lock()
	g.done = true
	g.cond.Broadcast()
	g.mu.Unlock()
}
