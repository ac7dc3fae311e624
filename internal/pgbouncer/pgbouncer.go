// Package pgbouncer starts and steers a real, throw-away PgBouncer on the
// loopback interface, for tests and for the lab's pgbouncer scenario: one
// pooled database in front of a PostgreSQL server, its admin console
// (PAUSE, RESUME, RELOAD, RECONNECT, SHOW) and re-pointing the database at
// another server, as a switchover runbook does.
//
// Every PgBouncer lives in its own work directory (pgbouncer.ini,
// userlist.txt, its log), listens on 127.0.0.1 only, on a free port, and
// has no Unix socket. Clients and the admin console authenticate with a
// password (scram-sha-256); PgBouncer logs in to the server with the same
// user and password. When this process is root, PgBouncer (which refuses
// to run as root) runs as the "postgres" operating-system user, like the
// servers of package pgserver.
//
// This package acts only on the PgBouncer it started: it stops it by its
// own pid, never by name.
package pgbouncer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// ErrNoBinary is wrapped by Find when no pgbouncer program can be found.
var ErrNoBinary = errors.New("no pgbouncer program found")

// Pool modes.
const (
	ModeTransaction = "transaction"
	ModeSession     = "session"
)

// AdminDB is the name of PgBouncer's admin console database.
const AdminDB = "pgbouncer"

// Find returns the path of the pgbouncer program: on PATH, else where
// Debian installs it (/usr/sbin, which is not on every PATH).
func Find() (string, error) {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer"} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w (not on PATH, not in /usr/sbin; Debian: apt-get install pgbouncer)", ErrNoBinary)
}

// Options say how to start a PgBouncer. Zero values take the defaults.
type Options struct {
	// Dir is its work directory; it must be absent or empty, reachable by
	// the user PgBouncer runs as, and belongs to it: Close removes it.
	// Empty: a new directory under os.TempDir().
	Dir string
	// Database is the name clients connect to (default "postgres"); it is
	// also the database's name on the server.
	Database string
	// Server is the host:port PgBouncer forwards the database to.
	Server   string
	User     string // login for clients, admin console and server (default pgserver.DefaultUser)
	Password string // its password (default pgserver.DefaultPassword)
	PoolMode string // ModeTransaction (default) or ModeSession
	Binary   string // default: Find()
	// Settings are extra [pgbouncer] settings (written as given).
	Settings map[string]string
}

// Bouncer is a running PgBouncer this package started. Its methods are
// safe for concurrent use.
type Bouncer struct {
	bin, dir, ini, logPath string
	db, user, password     string
	mode                   string
	settings               map[string]string
	port                   int

	mu     sync.Mutex
	server string
	cmd    *exec.Cmd
	done   chan struct{}
	admin  *pgx.Conn
}

// Start writes the configuration and starts PgBouncer, and returns once
// its admin console answers. On error nothing is left running and the
// work directory is removed.
func Start(ctx context.Context, opts Options) (*Bouncer, error) {
	b := &Bouncer{db: opts.Database, user: opts.User, password: opts.Password, mode: opts.PoolMode,
		server: opts.Server, bin: opts.Binary, dir: opts.Dir, settings: opts.Settings}
	if b.db == "" {
		b.db = "postgres"
	}
	if b.user == "" {
		b.user = pgserver.DefaultUser
	}
	if b.password == "" {
		b.password = pgserver.DefaultPassword
	}
	if b.mode == "" {
		b.mode = ModeTransaction
	}
	if b.mode != ModeTransaction && b.mode != ModeSession {
		return nil, fmt.Errorf("pgbouncer pool mode %q: want transaction or session", b.mode)
	}
	if _, _, err := net.SplitHostPort(b.server); err != nil {
		return nil, fmt.Errorf("pgbouncer server %q: want host:port", b.server)
	}
	if b.bin == "" {
		var err error
		if b.bin, err = Find(); err != nil {
			return nil, err
		}
	}
	if b.dir == "" {
		var err error
		if b.dir, err = pgserver.MakeWorkDir("", "switchwatch-pgbouncer-"); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create pgbouncer directory: %w", err)
	} else if err := pgserver.Chown(b.dir); err != nil {
		return nil, err
	}
	b.ini = filepath.Join(b.dir, "pgbouncer.ini")
	b.logPath = filepath.Join(b.dir, "pgbouncer.log")
	if err := b.writeFile("userlist.txt", fmt.Sprintf("%s %s\n", quoteUserlist(b.user), quoteUserlist(b.password))); err != nil {
		os.RemoveAll(b.dir)
		return nil, err
	}
	// A free port may be taken between our check and PgBouncer's bind:
	// retry on a new one, as pgserver does.
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if b.port, err = pgserver.FreePort(); err != nil {
			break
		}
		if err = b.writeIni(); err != nil {
			break
		}
		if err = b.launch(ctx); err == nil {
			return b, nil
		}
		b.kill()
		if !strings.Contains(b.LogTail(20), "Address already in use") {
			break
		}
	}
	b.Close()
	return nil, err
}

func quoteUserlist(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (b *Bouncer) writeFile(name, text string) error {
	path := filepath.Join(b.dir, name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		return fmt.Errorf("write pgbouncer %s: %w", name, err)
	}
	if err := pgserver.Chown(tmp); err != nil {
		return err
	}
	// Renamed into place, so a RELOAD never reads half a file.
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write pgbouncer %s: %w", name, err)
	}
	return nil
}

// writeIni writes pgbouncer.ini for the current server.
func (b *Bouncer) writeIni() error {
	host, port, _ := net.SplitHostPort(b.server)
	var s strings.Builder
	fmt.Fprintf(&s, "; switchwatch pgbouncer\n[databases]\n%s = host=%s port=%s dbname=%s\n\n[pgbouncer]\n", b.db, host, port, b.db)
	settings := map[string]string{
		"listen_addr":               "127.0.0.1",
		"listen_port":               strconv.Itoa(b.port),
		"unix_socket_dir":           "",
		"auth_type":                 "scram-sha-256",
		"auth_file":                 filepath.Join(b.dir, "userlist.txt"),
		"admin_users":               b.user,
		"pool_mode":                 b.mode,
		"max_client_conn":           "1000",
		"default_pool_size":         "20",
		"logfile":                   b.logPath,
		"ignore_startup_parameters": "extra_float_digits",
	}
	for k, v := range b.settings {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&s, "%s = %s\n", k, settings[k])
	}
	return b.writeFile("pgbouncer.ini", s.String())
}

// launch starts the process (in the foreground, its own process group, a
// parent-death signal) and waits until the admin console answers.
func (b *Bouncer) launch(ctx context.Context) error {
	cmd, err := pgserver.Command(b.dir, b.bin, b.ini)
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(b.dir, "stderr.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open pgbouncer stderr log: %w", err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start pgbouncer: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	b.mu.Lock()
	b.cmd, b.done = cmd, done
	b.mu.Unlock()

	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var last error
	for {
		select {
		case <-done:
			return fmt.Errorf("pgbouncer exited while starting; its log ends:\n%s", b.LogTail(20))
		default:
		}
		conn, err := b.connectAdmin(wctx)
		if err == nil {
			b.mu.Lock()
			b.admin = conn
			b.mu.Unlock()
			return nil
		}
		last = err
		select {
		case <-wctx.Done():
			return fmt.Errorf("pgbouncer not ready on port %d: %v; its log ends:\n%s", b.port, last, b.LogTail(20))
		case <-done:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// connectAdmin opens a connection to the admin console, which speaks the
// simple query protocol only.
func (b *Bouncer) connectAdmin(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(pgserver.DSN("127.0.0.1", b.port, b.user, b.password))
	if err != nil {
		return nil, err
	}
	cfg.Database = AdminDB
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.ConnectTimeout = 10 * time.Second
	return pgx.ConnectConfig(ctx, cfg)
}

// Port is the TCP port PgBouncer listens on, on 127.0.0.1.
func (b *Bouncer) Port() int { return b.port }

// Addr is host:port.
func (b *Bouncer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)) }

// PID is PgBouncer's pid (0 when it is not running).
func (b *Bouncer) PID() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil || exited(b.done) {
		return 0
	}
	return b.cmd.Process.Pid
}

// Database is the pooled database's name; PoolMode its pool mode.
func (b *Bouncer) Database() string { return b.db }
func (b *Bouncer) PoolMode() string { return b.mode }

// Server is where the database forwards now.
func (b *Bouncer) Server() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.server
}

// DSN is a keyword/value connection string for the pooled database.
func (b *Bouncer) DSN() string {
	return strings.Replace(pgserver.DSN("127.0.0.1", b.port, b.user, b.password), "dbname=postgres", "dbname="+b.db, 1)
}

// Dir is the work directory; LogPath PgBouncer's log.
func (b *Bouncer) Dir() string     { return b.dir }
func (b *Bouncer) LogPath() string { return b.logPath }

// Admin runs one admin console command (PAUSE db, RESUME db, RELOAD,
// RECONNECT db, ...) and returns when PgBouncer has answered it: PAUSE
// returns once every server connection of the database is released (in
// session mode: once every client session has ended).
func (b *Bouncer) Admin(ctx context.Context, command string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.adminConnLocked(ctx); err != nil {
		return err
	}
	if _, err := b.admin.Exec(ctx, command); err != nil {
		b.dropAdminLocked()
		return fmt.Errorf("pgbouncer admin %s: %w", command, err)
	}
	return nil
}

func (b *Bouncer) adminConnLocked(ctx context.Context) error {
	if b.admin != nil && !b.admin.IsClosed() {
		return nil
	}
	conn, err := b.connectAdmin(ctx)
	if err != nil {
		return fmt.Errorf("connect to pgbouncer's admin console on port %d: %w", b.port, err)
	}
	b.admin = conn
	return nil
}

func (b *Bouncer) dropAdminLocked() {
	if b.admin != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		b.admin.Close(ctx)
		cancel()
		b.admin = nil
	}
}

// Pause is PAUSE on the pooled database; Resume is RESUME on it.
func (b *Bouncer) Pause(ctx context.Context) error  { return b.Admin(ctx, "PAUSE "+b.db) }
func (b *Bouncer) Resume(ctx context.Context) error { return b.Admin(ctx, "RESUME "+b.db) }

// Reconnect is RECONNECT on the pooled database: its server connections
// are closed as they are released, and new ones opened.
func (b *Bouncer) Reconnect(ctx context.Context) error { return b.Admin(ctx, "RECONNECT "+b.db) }

// Repoint rewrites the database's line in pgbouncer.ini to forward to
// server (host:port) and sends RELOAD: PgBouncer closes the server
// connections made to the old address (as they are released) and opens new
// ones to the new.
func (b *Bouncer) Repoint(ctx context.Context, server string) error {
	if _, _, err := net.SplitHostPort(server); err != nil {
		return fmt.Errorf("pgbouncer server %q: want host:port", server)
	}
	b.mu.Lock()
	old := b.server
	b.server = server
	err := b.writeIni()
	if err != nil {
		b.server = old
	}
	b.mu.Unlock()
	if err != nil {
		return err
	}
	return b.Admin(ctx, "RELOAD")
}

// Show runs SHOW what (DATABASES, POOLS, SERVERS, CLIENTS, ...) and returns
// its rows as column → text value.
func (b *Bouncer) Show(ctx context.Context, what string) ([]map[string]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.adminConnLocked(ctx); err != nil {
		return nil, err
	}
	rows, err := b.admin.Query(ctx, "SHOW "+what)
	if err != nil {
		b.dropAdminLocked()
		return nil, fmt.Errorf("pgbouncer admin SHOW %s: %w", what, err)
	}
	defer rows.Close()
	var out []map[string]string
	for rows.Next() {
		m := map[string]string{}
		for i, fd := range rows.FieldDescriptions() {
			m[fd.Name] = string(rows.RawValues()[i])
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		b.dropAdminLocked()
		return nil, fmt.Errorf("pgbouncer admin SHOW %s: %w", what, err)
	}
	return out, nil
}

// Stop ends PgBouncer: SIGTERM to its pid, then SIGKILL if it has not
// exited within 5 s. Stopping a stopped PgBouncer is a no-op.
func (b *Bouncer) Stop() error {
	b.mu.Lock()
	b.dropAdminLocked()
	cmd, done := b.cmd, b.done
	b.mu.Unlock()
	if cmd == nil || exited(done) {
		return nil
	}
	// SIGTERM is PgBouncer 1.18's immediate shutdown: client connections
	// are closed at once rather than waited for.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop pgbouncer (pid %d): %w", cmd.Process.Pid, err)
	}
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
	}
	b.kill()
	return fmt.Errorf("pgbouncer (pid %d) did not exit within 5s of SIGTERM; killed it", cmd.Process.Pid)
}

func (b *Bouncer) kill() {
	b.mu.Lock()
	b.dropAdminLocked()
	cmd, done := b.cmd, b.done
	b.mu.Unlock()
	if cmd == nil || exited(done) {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Close stops PgBouncer and removes its work directory. It is safe to call
// twice.
func (b *Bouncer) Close() error {
	err := b.Stop()
	if b.dir != "" {
		if rerr := os.RemoveAll(b.dir); rerr != nil && err == nil {
			err = fmt.Errorf("remove pgbouncer directory: %w", rerr)
		}
	}
	return err
}

// LogTail returns the last n lines of PgBouncer's log and stderr.
func (b *Bouncer) LogTail(n int) string {
	var lines []string
	for _, p := range []string{filepath.Join(b.dir, "stderr.log"), b.logPath} {
		if data, err := os.ReadFile(p); err == nil && len(data) > 0 {
			lines = append(lines, strings.Split(strings.TrimRight(string(data), "\n"), "\n")...)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func exited(done chan struct{}) bool {
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}
