package record

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// querier is what a probe kind needs of a connection: *pgx.Conn and
// *pgxpool.Conn both are one.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// connSource is a connection mode: how a probe gets a connection.
type connSource interface {
	// acquire returns a connection ready for one statement and a function
	// that gives it back. resolved lists the addresses the host resolved to
	// when this acquire had to connect, and is meaningful even on error.
	acquire(ctx context.Context) (q querier, release func(), resolved string, err error)
	close()
}

// prepareConfig sets what every probe connection shares: one round trip per
// statement (QueryExecModeExec sends parse, bind and execute together, with
// no prepared-statement cache to warm after each reconnect), and no timeout
// of pgx's own, since every probe runs under a context deadline.
func prepareConfig(cfg *pgx.ConnConfig) *pgx.ConnConfig {
	c := cfg.Copy()
	c.DefaultQueryExecMode = pgx.QueryExecModeExec
	c.ConnectTimeout = 0
	c.StatementCacheCapacity = 0
	c.DescriptionCacheCapacity = 0
	return c
}

// lookupRecorder wraps the resolver of a config so the addresses a host
// resolved to can be stored with the probe: a stale DNS answer is a classic
// cause of a long switchover.
type lookupRecorder struct {
	inner pgconn.LookupFunc // the config's own resolver; nil: the system's
	mu    sync.Mutex
	last  string
}

func (l *lookupRecorder) lookup(ctx context.Context, host string) ([]string, error) {
	inner := l.inner
	if inner == nil {
		inner = net.DefaultResolver.LookupHost
	}
	addrs, err := inner(ctx, host)
	if err == nil {
		sorted := append([]string(nil), addrs...)
		sort.Strings(sorted)
		l.mu.Lock()
		l.last = strings.Join(sorted, ",")
		l.mu.Unlock()
	}
	return addrs, err
}

func (l *lookupRecorder) get() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
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

func (n *newConns) acquire(ctx context.Context) (querier, func(), string, error) {
	cfg := n.cfg.Copy()
	resolved := hostAddrs(cfg)
	rec := lookupRecorder{inner: cfg.LookupFunc}
	if resolved == "" {
		cfg.LookupFunc = rec.lookup
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if resolved == "" {
		resolved = rec.get()
	}
	if err != nil {
		return nil, nil, resolved, err
	}
	release := func() {
		// Close sends Terminate; a dead server must not hold the probe's
		// slot for long, so give it a short deadline of its own.
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		conn.Close(ctx)
	}
	return conn, release, resolved, nil
}

func (n *newConns) close() {}

// pooledConns keeps long-lived connections in a pgxpool, as an application
// does. A connection that broke (the server cut it, a timeout cancelled its
// statement) is destroyed on release and a new one is dialled on demand; a
// connection that merely got an SQL error (read-only) stays, which is
// exactly how an application pool keeps talking to a demoted primary.
type pooledConns struct {
	pool *pgxpool.Pool
	rec  *lookupRecorder
	host string
}

func newPooledConns(cfg *pgx.ConnConfig, size int, connectTimeout time.Duration) (*pooledConns, error) {
	pcfg, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, fmt.Errorf("pool config: %w", err)
	}
	p := &pooledConns{rec: &lookupRecorder{inner: cfg.LookupFunc}, host: hostAddrs(cfg)}
	pcfg.ConnConfig = cfg.Copy()
	// The pool dials in the background, on a context that outlives the
	// probe that asked for the connection: without a timeout of its own, a
	// dial into an endpoint that does not answer would hold a pool slot until
	// the TCP connection dies, long after the endpoint has moved on.
	pcfg.ConnConfig.ConnectTimeout = connectTimeout
	if p.host == "" {
		pcfg.ConnConfig.LookupFunc = p.rec.lookup
	}
	pcfg.MaxConns = int32(size)
	pcfg.MinConns = 0
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	p.pool = pool
	return p, nil
}

func (p *pooledConns) acquire(ctx context.Context) (querier, func(), string, error) {
	conn, err := p.pool.Acquire(ctx)
	resolved := p.host
	if resolved == "" {
		resolved = p.rec.get()
	}
	if err != nil {
		return nil, nil, resolved, err
	}
	return conn, conn.Release, "", nil
}

func (p *pooledConns) close() { p.pool.Close() }
