package pgserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
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
)

// Defaults of Options.
const (
	DefaultUser         = "switchwatch"
	DefaultPassword     = "switchwatch"
	DefaultStartTimeout = 60 * time.Second
)

// DefaultSettings are the server settings every server gets (Options.Settings
// overrides them). They make a server quick to start and throw away
// (fsync off, small memory, dynamic shared memory in the data directory so
// nothing leaks into /dev/shm after a SIGKILL) and ready for streaming
// replication.
var DefaultSettings = map[string]string{
	"fsync":                      "off",
	"full_page_writes":           "off",
	"shared_buffers":             "16MB",
	"dynamic_shared_memory_type": "mmap",
	"max_connections":            "100",
	"wal_level":                  "replica",
	"max_wal_senders":            "10",
	"max_replication_slots":      "10",
	"wal_keep_size":              "128MB",
	"hot_standby":                "on",
	"jit":                        "off",
	"log_line_prefix":            "'%m [%p] %q%a '",
	"log_min_messages":           "warning",
}

// Options say how to make a server. Zero values take the defaults.
type Options struct {
	// Dir is the server's work directory (data directory, log, password
	// file). It must be absent or empty and belongs to the server: Close
	// removes it. Empty: a new directory under os.TempDir().
	Dir string
	// Name tells servers apart in messages and is the standby's
	// application_name (default "pg").
	Name string
	// Port on 127.0.0.1; 0 picks a free one (and retries if another
	// process takes it first).
	Port     int
	User     string // superuser name (default DefaultUser)
	Password string // its password (default DefaultPassword)
	// Settings are postgresql.conf settings on top of DefaultSettings.
	// Values are written as given: quote strings ('...').
	Settings map[string]string
	Binaries *Binaries // default: FindBinaries()
	// StartTimeout bounds the wait for the server to accept connections
	// (default DefaultStartTimeout).
	StartTimeout time.Duration
}

// Server is one PostgreSQL server this package made. Its methods are safe
// for concurrent use.
type Server struct {
	bin      *Binaries
	run      *runAs
	name     string
	dir      string
	dataDir  string
	logPath  string
	user     string
	password string
	timeout  time.Duration
	autoPort bool

	mu      sync.Mutex
	port    int
	proc    *process  // the running postmaster, nil when stopped
	readyAt time.Time // start of the login that WaitReady last saw succeed
	// promoteSent is when Promote last sent pg_promote (after its
	// connection was made).
	promoteSent time.Time
}

// process is a postmaster this package started as its child.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the postmaster has exited and been reaped
	err  error         // its exit status, valid after done
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// newServer fills in the defaults and prepares the work directory.
func newServer(opts Options) (*Server, error) {
	bin := opts.Binaries
	if bin == nil {
		var err error
		if bin, err = FindBinaries(); err != nil {
			return nil, err
		}
	}
	run, err := lookupRunAs()
	if err != nil {
		return nil, err
	}
	s := &Server{
		bin:      bin,
		run:      run,
		name:     opts.Name,
		dir:      opts.Dir,
		user:     opts.User,
		password: opts.Password,
		port:     opts.Port,
		autoPort: opts.Port == 0,
		timeout:  opts.StartTimeout,
	}
	if s.name == "" {
		s.name = "pg"
	}
	if s.user == "" {
		s.user = DefaultUser
	}
	if s.password == "" {
		s.password = DefaultPassword
	}
	if s.timeout <= 0 {
		s.timeout = DefaultStartTimeout
	}
	if s.dir == "" {
		if s.dir, err = MakeWorkDir("", "switchwatch-pg-"+s.name+"-"); err != nil {
			return nil, err
		}
	} else {
		if entries, err := os.ReadDir(s.dir); err == nil && len(entries) > 0 {
			return nil, fmt.Errorf("server work directory %s is not empty", s.dir)
		}
		if err := run.prepareDir(s.dir); err != nil {
			return nil, err
		}
	}
	s.dataDir = filepath.Join(s.dir, "data")
	s.logPath = filepath.Join(s.dir, "server.log")
	return s, nil
}

// Start makes a new primary server with initdb and starts it. On error
// nothing is left running; the work directory is removed.
func Start(ctx context.Context, opts Options) (*Server, error) {
	return start(ctx, opts, func(s *Server) error {
		if err := s.initdb(ctx); err != nil {
			return err
		}
		return s.configure(opts.Settings, true)
	})
}

// start is how Start and StartStandby make a server: newServer, then
// makeData fills its data directory, then the postmaster is launched. On
// error the server is closed (nothing left running, the work directory
// removed).
func start(ctx context.Context, opts Options, makeData func(*Server) error) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	if err := makeData(s); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.launch(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) initdb(ctx context.Context) error {
	pwfile := filepath.Join(s.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(s.password+"\n"), 0o600); err != nil {
		return fmt.Errorf("write password file for %s: %w", s.name, err)
	}
	defer os.Remove(pwfile)
	if err := s.run.chown(pwfile); err != nil {
		return err
	}
	cmd := s.run.command(s.dir, s.bin.Initdb,
		"-D", s.dataDir, "-U", s.user, "--pwfile="+pwfile,
		"--auth-host=scram-sha-256", "--auth-local=trust",
		"--no-locale", "-E", "UTF8", "--no-sync", "--no-instructions")
	if err := runCmd(ctx, cmd); err != nil {
		return fmt.Errorf("initdb for server %s in %s: %w", s.name, s.dataDir, err)
	}
	return nil
}

// configure appends the settings (on top of DefaultSettings when
// withDefaults) to postgresql.conf, so that a restart and a pg_basebackup
// copy keep them, and writes pg_hba.conf: password over TCP from loopback
// for everything including replication, trust on the Unix socket, which
// sits in the 0700 data directory.
func (s *Server) configure(settings map[string]string, withDefaults bool) error {
	all := map[string]string{}
	if withDefaults {
		for k, v := range DefaultSettings {
			all[k] = v
		}
	}
	for k, v := range settings {
		all[k] = v
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("\n# switchwatch pgserver\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, all[k])
	}
	conf := filepath.Join(s.dataDir, "postgresql.conf")
	f, err := os.OpenFile(conf, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("configure server %s: %w", s.name, err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("configure server %s: write %s: %w", s.name, conf, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("configure server %s: close %s: %w", s.name, conf, err)
	}
	hba := filepath.Join(s.dataDir, "pg_hba.conf")
	const hbaText = `# switchwatch pgserver: password over TCP from loopback only.
local   all           all                  trust
local   replication   all                  trust
host    all           all    127.0.0.1/32  scram-sha-256
host    replication   all    127.0.0.1/32  scram-sha-256
`
	if err := os.WriteFile(hba, []byte(hbaText), 0o600); err != nil {
		return fmt.Errorf("configure server %s: write %s: %w", s.name, hba, err)
	}
	return s.run.chown(hba)
}

// launch starts the postmaster and waits until it accepts connections. With
// an automatic port it retries on a port that another process took between
// our probe and the server's bind.
func (s *Server) launch(ctx context.Context) error {
	const attempts = 5
	for i := 0; ; i++ {
		if s.autoPort {
			port, err := FreePort()
			if err != nil {
				return err
			}
			s.mu.Lock()
			s.port = port
			s.mu.Unlock()
		}
		logStart := s.logSize()
		err := s.startPostmaster()
		if err == nil {
			err = s.WaitReady(ctx)
		}
		if err == nil {
			return nil
		}
		s.stopHard()
		if s.autoPort && i < attempts-1 && strings.Contains(s.logSince(logStart), "Address already in use") {
			continue
		}
		return err
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. The
// caller must be ready for another process to take it first.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port on 127.0.0.1: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port, nil
}

// startPostmaster runs postgres as a child of this process. The
// per-instance settings (address, port, socket directory) go on the command
// line so that a standby copied from this data directory does not inherit
// them. The postmaster gets its own process group, so a Ctrl-C in the
// terminal reaches only us and we shut it down in order, and a parent-death
// signal (SIGQUIT, immediate shutdown), so a lab that is killed outright
// does not leave servers behind.
func (s *Server) startPostmaster() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil && !s.proc.exited() {
		return fmt.Errorf("server %s is already running (pid %d)", s.name, s.proc.cmd.Process.Pid)
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log of server %s: %w", s.name, err)
	}
	defer logf.Close() // the child has its own copy
	cmd := s.run.command(s.dir, s.bin.Postgres, "-D", s.dataDir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "port="+strconv.Itoa(s.port),
		"-c", "unix_socket_directories="+s.dataDir,
		"-c", "cluster_name="+s.name,
		// The logging collector's folder (logging_collector = on) is
		// per instance too, outside the data directory: inside it,
		// pg_basebackup would copy blue's log into green's.
		"-c", "log_directory="+s.CollectorLogDir())
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres for server %s: %w", s.name, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	s.proc = p
	return nil
}

// WaitReady waits until the server accepts a password login over TCP and
// answers a query, the postmaster exits, ctx ends, or the start timeout
// passes. A standby is ready once it accepts read-only connections.
func (s *Server) WaitReady(ctx context.Context) error {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		return fmt.Errorf("server %s is not running", s.name)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var lastErr error
	for {
		if p.exited() {
			return fmt.Errorf("server %s exited while starting (%v); log %s ends:\n%s", s.name, p.err, s.logPath, s.LogTail(20))
		}
		pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
		attempt := time.Now()
		lastErr = s.ping(pctx)
		pcancel()
		if lastErr == nil {
			s.mu.Lock()
			s.readyAt = attempt
			s.mu.Unlock()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server %s not ready on port %d: %w (last attempt: %v); log %s ends:\n%s", s.name, s.Port(), ctx.Err(), lastErr, s.logPath, s.LogTail(20))
		case <-p.done:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// ping logs in the way clients do: over TCP with the password.
func (s *Server) ping(ctx context.Context) error {
	conn, err := s.ConnectTCP(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// ReadyAt is when the login that WaitReady (or Start, Restart) last saw
// succeed began: the server accepted logins by then at the latest. The
// lab stamps the end of a restart with it.
func (s *Server) ReadyAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readyAt
}

// Name is the server's name from Options.
func (s *Server) Name() string { return s.name }

// Port is the TCP port the server listens on, on 127.0.0.1.
func (s *Server) Port() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port())) }

// User and Password are the superuser's credentials.
func (s *Server) User() string     { return s.user }
func (s *Server) Password() string { return s.password }

// Dir is the server's work directory; DataDir its data directory.
func (s *Server) Dir() string     { return s.dir }
func (s *Server) DataDir() string { return s.dataDir }

// LogPath is the server log (every start appends to it): the server's
// stderr, which holds every message unless logging_collector is on.
func (s *Server) LogPath() string { return s.logPath }

// CollectorLogDir is where the logging collector writes (log_directory,
// when logging_collector = on): the folder log in the work directory.
func (s *Server) CollectorLogDir() string { return filepath.Join(s.dir, "log") }

// DSN is a keyword/value connection string for the server over TCP with
// the password.
func (s *Server) DSN() string { return DSN("127.0.0.1", s.Port(), s.user, s.password) }

// URL is the same as a postgres:// URL.
func (s *Server) URL() string { return URL("127.0.0.1", s.Port(), s.user, s.password) }

// DSN is a keyword/value connection string for host:port (for example a
// proxy in front of a server) to database postgres, without TLS.
func DSN(host string, port int, user, password string) string {
	return fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=postgres sslmode=disable",
		host, port, quoteDSN(user), quoteDSN(password))
}

// URL is DSN as a postgres:// URL.
func URL(host string, port int, user, password string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, password),
		Host:     net.JoinHostPort(host, strconv.Itoa(port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

func quoteDSN(v string) string {
	if v != "" && !strings.ContainsAny(v, ` '\`) {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// PID is the postmaster's pid as postmaster.pid says, or 0 when the server
// is not running.
func (s *Server) PID() int {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil || p.exited() {
		return 0
	}
	if pid, err := readPostmasterPID(s.dataDir); err == nil {
		return pid
	}
	return p.cmd.Process.Pid
}

func readPostmasterPID(dataDir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("read postmaster.pid: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0, fmt.Errorf("parse postmaster.pid: %w", err)
	}
	return pid, nil
}

// Running reports whether the postmaster is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil && !s.proc.exited()
}

// Stop shuts the server down with a fast shutdown (pg_ctl stop -m fast on
// this data directory: open sessions are ended, then a checkpoint) and
// waits for the postmaster to exit. If that fails it kills the postmaster.
// Stopping a stopped server is a no-op.
func (s *Server) Stop() error {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil || p.exited() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := s.run.command(s.dir, s.bin.PgCtl, "stop", "-D", s.dataDir, "-m", "fast", "-w", "-t", "50")
	err := runCmd(ctx, cmd)
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
	}
	s.stopHard()
	if err != nil {
		return fmt.Errorf("stop server %s: %w (killed it instead)", s.name, err)
	}
	return fmt.Errorf("stop server %s: pg_ctl stop returned but the postmaster did not exit (killed it instead)", s.name)
}

// Kill sends SIGKILL to the postmaster, as a crash would, and waits for it
// to be reaped. Its backends notice their postmaster is gone and exit on
// their own; the data directory is left as a crash leaves it.
func (s *Server) Kill() error {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil || p.exited() {
		return fmt.Errorf("kill server %s: not running", s.name)
	}
	pid := p.cmd.Process.Pid
	if filePID, err := readPostmasterPID(s.dataDir); err == nil && filePID != pid {
		// Never signal a pid we did not start: postmaster.pid should name
		// our child; if it does not, something else owns this directory.
		return fmt.Errorf("kill server %s: postmaster.pid says %d, but our postmaster is %d", s.name, filePID, pid)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill server %s (pid %d): %w", s.name, pid, err)
	}
	<-p.done
	return nil
}

// stopHard kills our postmaster, if any, and waits for it.
func (s *Server) stopHard() {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil || p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Start starts a stopped (or killed) server again on the same port and
// waits until it is ready. After a kill it runs crash recovery first.
//
// Right after a kill, the old postmaster's backends may still hold its
// shared memory (each exits when it notices its postmaster is gone), and
// the new postmaster refuses to start: "pre-existing shared memory block
// ... is still in use". Start then tries again, for up to 10 s.
func (s *Server) Start(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		logStart := s.logSize()
		err := s.startPostmaster()
		if err != nil {
			return err
		}
		if err = s.WaitReady(ctx); err == nil {
			return nil
		}
		s.stopHard()
		if !strings.Contains(s.logSince(logStart), "pre-existing shared memory block") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// FastShutdown asks the postmaster for a fast shutdown itself (SIGINT,
// what pg_ctl stop -m fast sends) and waits for it to exit, up to 50 s,
// then kills it. It returns when the signal was sent: the moment the
// server's "received fast shutdown request" answers, which pg_ctl's own
// start-up would blur by its run time (100 ms and more on a busy
// machine). A stopped server is an error.
func (s *Server) FastShutdown() (sent time.Time, err error) {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil || p.exited() {
		return time.Time{}, fmt.Errorf("fast shutdown of server %s: not running", s.name)
	}
	sent = time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return sent, fmt.Errorf("fast shutdown of server %s: %w", s.name, err)
	}
	select {
	case <-p.done:
		return sent, nil
	case <-time.After(50 * time.Second):
	}
	s.stopHard()
	return sent, fmt.Errorf("fast shutdown of server %s: the postmaster did not exit in 50 s (killed it instead)", s.name)
}

// Restart is Stop then Start, on the same port.
func (s *Server) Restart(ctx context.Context) error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.Start(ctx)
}

// Close stops the server (killing it if it will not stop) and removes its
// work directory.
func (s *Server) Close() error {
	stopErr := s.Stop()
	s.stopHard()
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("remove work directory of server %s: %w", s.name, err)
	}
	return stopErr
}

// Connect opens a pgx connection to the server as the superuser over its
// Unix socket (trust, inside the data directory). Control connections go
// this way so that they neither pay for a password exchange nor compete
// with clients for TCP: on a busy machine the lab must still be able to
// steer its servers. Clients use DSN or URL (TCP with the password).
func (s *Server) Connect(ctx context.Context) (*pgx.Conn, error) {
	return s.connect(ctx, s.SocketDSN(), "on its socket in "+s.dataDir)
}

// SocketDSN is a keyword/value connection string for the server's Unix
// socket. Only this process's user (root, or the server's own user) can
// reach it.
func (s *Server) SocketDSN() string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=postgres sslmode=disable", quoteDSN(s.dataDir), s.Port(), quoteDSN(s.user))
}

// ConnectTCP opens a pgx connection over TCP with the password, as a
// client would.
func (s *Server) ConnectTCP(ctx context.Context) (*pgx.Conn, error) {
	return s.connect(ctx, s.DSN(), "at "+s.Addr())
}

// connect opens a control connection with dsn; where says how, for errors.
func (s *Server) connect(ctx context.Context, dsn, where string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DSN of server %s (%s): %w", s.name, where, err)
	}
	cfg.ConnectTimeout = 15 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to server %s %s: %w", s.name, where, err)
	}
	return conn, nil
}

// Exec runs one statement on a new connection.
func (s *Server) Exec(ctx context.Context, sql string, args ...any) error {
	conn, err := s.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("on server %s: %s: %w", s.name, firstLine(sql), err)
	}
	return nil
}

// QueryRow runs a query on a new connection when its Scan is called:
// s.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&b).
func (s *Server) QueryRow(ctx context.Context, sql string, args ...any) Row {
	return Row{s: s, ctx: ctx, sql: sql, args: args}
}

// Row is a query that runs when scanned.
type Row struct {
	s    *Server
	ctx  context.Context
	sql  string
	args []any
}

// Scan runs the query and scans its one row into dest.
func (r Row) Scan(dest ...any) error {
	conn, err := r.s.Connect(r.ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...); err != nil {
		return fmt.Errorf("on server %s: %s: %w", r.s.name, firstLine(r.sql), err)
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if line, _, ok := strings.Cut(s, "\n"); ok {
		return line + " ..."
	}
	return s
}

// LogTail returns the last n lines of the server log, for error messages
// and failing tests.
func (s *Server) LogTail(n int) string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", s.logPath, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (s *Server) logSize() int64 {
	st, err := os.Stat(s.logPath)
	if err != nil {
		return 0
	}
	return st.Size()
}

func (s *Server) logSince(off int64) string {
	data, err := os.ReadFile(s.logPath)
	if err != nil || int64(len(data)) < off {
		return ""
	}
	return string(data[off:])
}

// runCmd runs cmd to completion, killing it if ctx ends, and puts the
// program's own output into the error.
func runCmd(ctx context.Context, cmd *exec.Cmd) error {
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", filepath.Base(cmd.Path), err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w: %s", filepath.Base(cmd.Path), err, strings.TrimSpace(out.String()))
		}
		return nil
	case <-ctx.Done():
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s: %w", filepath.Base(cmd.Path), ctx.Err())
	}
}
