package record

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchwatch/switchwatch/internal/errclass"
	"github.com/switchwatch/switchwatch/record/store"
)

// querier is what a probe kind needs of a connection: *pgx.Conn and
// *pgxpool.Conn both are one.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// connSource is a connection mode: how a probe gets a connection.
type connSource interface {
	// acquire returns a connection ready for one statement, a function
	// that gives it back (with the statement's error, nil when it
	// succeeded), and what that connection did (connInfo), which is
	// meaningful even on error.
	acquire(ctx context.Context) (q querier, release func(error), info connInfo, err error)
	close()
}

// connInfo is what the connection a probe used did: the addresses its
// host resolved to, the address it was dialled to and when it was
// established (zero: the probe got no connection). For a pooled probe it
// is the connection the pool handed over, which may be much older than
// the probe; when the acquire failed, the pool's oldest dial still in
// flight, which is what the probe waited for.
type connInfo struct {
	resolved    string
	dialed      string
	established time.Time
}

// prepareConfig sets what every connection the tool makes to an endpoint
// shares (the probes, the lost-write check, --cleanup): one round trip per
// statement (QueryExecModeExec sends parse, bind and execute together on the
// unnamed statement, with no prepared-statement cache to warm after each
// reconnect), and no timeout of pgx's own, since every statement runs under
// a context deadline. It is the one place that decides the exec mode: a
// named prepared statement (pgx's default cache) outlives its client on a
// server connection of a pooler in transaction mode, where the next client
// that prepares the same name fails with SQLSTATE 42P05.
func prepareConfig(cfg *pgx.ConnConfig) *pgx.ConnConfig {
	c := cfg.Copy()
	c.DefaultQueryExecMode = pgx.QueryExecModeExec
	c.ConnectTimeout = 0
	c.StatementCacheCapacity = 0
	c.DescriptionCacheCapacity = 0
	return c
}

// dial records one connection attempt: the lookup it made (a stale DNS
// answer is a classic cause of a long switchover), the address it dialled
// and when it was established. instrument wires it into the attempt's own
// copy of the config, so every connection has its own record.
type dial struct {
	mu          sync.Mutex
	resolved    string
	dialed      string
	started     time.Time // when the last dial to dialed started
	established time.Time
	inFlight    bool // a dial or the startup after it is under way
	// onChange, when set, is called after every change, with the
	// connection once it is established (else nil).
	onChange func(d *dial, pc *pgconn.PgConn)
}

// instrument makes cfg record into d. cfg must be a copy of its own.
func (d *dial) instrument(cfg *pgx.ConnConfig) {
	d.resolved = hostAddrs(cfg)
	if d.resolved == "" {
		inner := cfg.LookupFunc
		if inner == nil {
			inner = net.DefaultResolver.LookupHost
		}
		cfg.LookupFunc = func(ctx context.Context, host string) ([]string, error) {
			addrs, err := inner(ctx, host)
			if err == nil {
				sorted := append([]string(nil), addrs...)
				sort.Strings(sorted)
				d.mu.Lock()
				d.resolved = strings.Join(sorted, ",")
				d.mu.Unlock()
			}
			return addrs, err
		}
	}
	innerDial := cfg.DialFunc
	if innerDial == nil {
		var nd net.Dialer
		innerDial = nd.DialContext
	}
	cancelTimeout := cfg.ConnectTimeout
	if cancelTimeout <= 0 {
		cancelTimeout = closeTimeout
	}
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		d.mu.Lock()
		established := !d.established.IsZero()
		d.mu.Unlock()
		if established {
			return dialCancel(ctx, innerDial, network, addr, cancelTimeout)
		}
		if network == "unix" {
			addr = "unix:" + addr
		}
		d.update(nil, func() { d.dialed, d.started, d.inFlight = addr, time.Now(), true })
		c, err := innerDial(ctx, network, addr)
		if err != nil {
			d.update(nil, func() { d.inFlight = false })
			return nil, err
		}
		// A startup that never completes (an endpoint that accepts and
		// never answers) ends with the connection closed.
		return &closeNotifier{Conn: c, closed: func() { d.update(nil, func() { d.inFlight = false }) }}, nil
	}
	inner := cfg.AfterConnect
	cfg.AfterConnect = func(ctx context.Context, pc *pgconn.PgConn) error {
		d.update(pc, func() {
			d.established, d.inFlight = time.Now(), false
			if ra := pc.Conn().RemoteAddr(); ra != nil && ra.Network() == "tcp" {
				d.dialed = ra.String()
			}
		})
		if inner != nil {
			return inner(ctx, pc)
		}
		return nil
	}
}

// dialCancel dials the connection of a cancel request: the only dial an
// established connection makes (pgconn sends one when a connection breaks
// mid-statement, before it closes it). It is no part of the connection's
// dial record, and it gets the connect timeout for the dial and for the
// server's answer, as libpq 17's cancel API does: pgx's own bound is 15 s,
// and a pool destroys a broken connection synchronously, so a cancel
// request sent into an endpoint that accepts and never answers held the
// connection's pool slot for those 15 s, long after the endpoint had come
// back (TestPoolRecoversAfterBlackhole, about one run in two).
func dialCancel(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), network, addr string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (d *dial) update(pc *pgconn.PgConn, f func()) {
	d.mu.Lock()
	f()
	on := d.onChange
	d.mu.Unlock()
	if on != nil {
		on(d, pc)
	}
}

func (d *dial) info() connInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	return connInfo{resolved: d.resolved, dialed: d.dialed, established: d.established}
}

// closeNotifier calls closed when the connection is closed.
type closeNotifier struct {
	net.Conn
	once   sync.Once
	closed func()
}

func (c *closeNotifier) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.closed)
	return err
}

// hostAddrs is the resolved-address value for a host that needs no lookup.
func hostAddrs(cfg *pgx.ConnConfig) string {
	if ip := net.ParseIP(cfg.Host); ip != nil {
		return ip.String()
	}
	if strings.HasPrefix(cfg.Host, "/") {
		return "unix:" + cfg.Host
	}
	return ""
}

// newConns opens a fresh connection for every probe, as the seed loop does.
type newConns struct{ cfg *pgx.ConnConfig }

func (n *newConns) acquire(ctx context.Context) (querier, func(error), connInfo, error) {
	cfg := n.cfg.Copy()
	d := &dial{}
	d.instrument(cfg)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, nil, d.info(), err
	}
	release := func(error) {
		// Close sends Terminate; a dead server must not hold the probe's
		// slot for long, so give it a short deadline of its own.
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		conn.Close(ctx)
	}
	return conn, release, d.info(), nil
}

func (n *newConns) close() {}

// pooledConns keeps long-lived connections in a pgxpool, as an application
// does. A connection that broke (the server cut it, a timeout cancelled its
// statement) is destroyed on release and a new one is dialled on demand; a
// connection that merely got an SQL error (read-only) stays, which is
// exactly how an application pool keeps talking to a demoted primary,
// unless the profile says to drop it after a read-only error or after any
// SQL error (poolOptions).
//
// Every connection the pool dials keeps its own dial record, found by its
// *pgconn.PgConn when a probe is handed the connection; the dials still
// in flight are what a probe whose acquire failed was waiting for.
type pooledConns struct {
	pool *pgxpool.Pool
	opt  poolOptions

	mu      sync.Mutex
	conns   map[*pgconn.PgConn]*dial // established connections
	dialing map[*dial]struct{}       // dials (and startups) under way
	last    *dial                    // the latest dial attempt, for an acquire with none under way
}

// poolOptions are a pooled profile's pool settings; zero durations leave
// pgxpool's defaults (a connection lives an hour at most, 30 minutes
// idle; health checks every minute).
type poolOptions struct {
	size                              int
	connectTimeout                    time.Duration
	maxLifetime, maxIdle, healthCheck time.Duration
	dropOnReadOnly, dropOnError       bool
}

func newPooledConns(cfg *pgx.ConnConfig, opt poolOptions) (*pooledConns, error) {
	pcfg, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, fmt.Errorf("pool config: %w", err)
	}
	connectTimeout := opt.connectTimeout
	p := &pooledConns{opt: opt, conns: map[*pgconn.PgConn]*dial{}, dialing: map[*dial]struct{}{}}
	pcfg.ConnConfig = cfg.Copy()
	// The pool dials in the background, on a context that outlives the
	// probe that asked for the connection: without a timeout of its own, a
	// dial into an endpoint that does not answer would hold a pool slot until
	// the TCP connection dies, long after the endpoint has moved on.
	pcfg.ConnConfig.ConnectTimeout = connectTimeout
	pcfg.BeforeConnect = func(_ context.Context, c *pgx.ConnConfig) error {
		// c is the pool's copy for this one connection.
		d := &dial{onChange: p.track}
		d.instrument(c)
		p.mu.Lock()
		p.last = d
		p.mu.Unlock()
		return nil
	}
	pcfg.BeforeClose = func(c *pgx.Conn) {
		p.mu.Lock()
		delete(p.conns, c.PgConn())
		p.mu.Unlock()
	}
	pcfg.MaxConns = int32(opt.size)
	pcfg.MinConns = 0
	if opt.maxLifetime > 0 {
		pcfg.MaxConnLifetime = opt.maxLifetime
	}
	if opt.maxIdle > 0 {
		pcfg.MaxConnIdleTime = opt.maxIdle
	}
	if opt.healthCheck > 0 {
		pcfg.HealthCheckPeriod = opt.healthCheck
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	p.pool = pool
	return p, nil
}

// track follows a dial of the pool from in flight to established (pc
// non-nil), when the connection's record joins conns, or to failed.
func (p *pooledConns) track(d *dial, pc *pgconn.PgConn) {
	d.mu.Lock()
	inFlight := d.inFlight
	d.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if inFlight {
		p.dialing[d] = struct{}{}
	} else {
		delete(p.dialing, d)
	}
	if pc != nil {
		p.conns[pc] = d
	}
}

func (p *pooledConns) acquire(ctx context.Context) (querier, func(error), connInfo, error) {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, p.waitedFor(), err
	}
	p.mu.Lock()
	d := p.conns[conn.Conn().PgConn()]
	p.mu.Unlock()
	var info connInfo
	if d != nil {
		info = d.info()
	}
	release := func(err error) {
		if p.drop(err) {
			// Closed before it goes back: the pool destroys a closed
			// connection on release and dials a new one on demand.
			ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
			conn.Conn().Close(ctx)
			cancel()
		}
		conn.Release()
	}
	return conn, release, info, nil
}

// drop reports whether a connection whose statement ended with err is to
// be closed rather than handed out again, as the profile says.
func (p *pooledConns) drop(err error) bool {
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) {
		return false
	}
	_, class := errclass.Server(pe.Code, pe.Message)
	return p.opt.dropOnError || p.opt.dropOnReadOnly && class == store.ClassReadOnly
}

// waitedFor is what an acquire that failed waited for: the oldest dial
// still in flight, or else the latest attempt (one that failed before it
// dialled, a DNS error say). Its established time is zero: the probe got
// no connection.
func (p *pooledConns) waitedFor() connInfo {
	p.mu.Lock()
	var oldest *dial
	var oldestAt time.Time
	for d := range p.dialing {
		d.mu.Lock()
		at := d.started
		d.mu.Unlock()
		if oldest == nil || at.Before(oldestAt) {
			oldest, oldestAt = d, at
		}
	}
	if oldest == nil {
		oldest = p.last
	}
	p.mu.Unlock()
	if oldest == nil {
		return connInfo{}
	}
	info := oldest.info()
	info.established = time.Time{}
	return info
}

func (p *pooledConns) close() { p.pool.Close() }
