// Package patroni starts and steers a real, throw-away Patroni cluster on
// the loopback interface, for tests and for the lab's patroni scenario:
// one etcd (the DCS, spoken to through its v3 API, Patroni's etcd3
// section), two Patroni nodes, each managing its own PostgreSQL (the
// binaries of package pgserver's lookup), and HAProxy routing a write
// port to the node whose Patroni REST API answers 200 to /primary and a
// read port to the node that answers 200 to /replica, as Patroni's own
// haproxy.cfg example does.
//
// Everything listens on 127.0.0.x only: etcd and HAProxy on 127.0.0.1,
// the nodes (PostgreSQL and the REST API) on NodeHosts, on free ports.
// When this process is root every program runs as the "postgres" user,
// like the servers of package pgserver. Debian's patroni and patronictl
// scripts run under /usr/bin/python3 (their shebang), where Debian's
// python3-etcd and patroni modules are, whatever python3 is first on
// PATH.
//
// This package acts only on what it started, by pid, never by name:
// stopping a node sends SIGTERM to its Patroni, which shuts its PostgreSQL
// down; a postgres still alive afterwards (the pid in postmaster.pid,
// checked against its command line) is shut down by its pid. Each program
// gets a parent-death signal (SIGTERM for Patroni, so that it still stops
// its PostgreSQL), so a process killed outright leaves nothing running.
package patroni

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// ErrNoBinary is wrapped by Find when a program of the cluster is missing
// or cannot run.
var ErrNoBinary = errors.New("Patroni cluster programs not usable")

// Programs are the programs a cluster runs.
type Programs struct {
	Etcd, Patroni, Patronictl, HAProxy string
	Version                            string // patroni --version
}

// Find looks for etcd, patroni, patronictl and haproxy on PATH and where
// Debian installs them, and checks that patroni runs (its Python modules
// import).
func Find() (*Programs, error) {
	var p Programs
	var missing []string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"etcd", &p.Etcd}, {"patroni", &p.Patroni}, {"patronictl", &p.Patronictl}, {"haproxy", &p.HAProxy}} {
		if path, err := lookPath(f.name); err == nil {
			*f.dst = path
		} else {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s not found (Debian: apt-get install patroni etcd-server haproxy)", ErrNoBinary, strings.Join(missing, ", "))
	}
	out, err := exec.Command(p.Patroni, "--version").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%w: %s --version: %v: %s", ErrNoBinary, p.Patroni, err, strings.TrimSpace(string(out)))
	}
	p.Version = strings.TrimSpace(string(out))
	return &p, nil
}

func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// NodeHosts are the loopback addresses of the nodes, in order.
var NodeHosts = []string{"127.0.0.4", "127.0.0.5"}

// Scope is the cluster's name (Patroni's scope).
const Scope = "switchwatch"

// Options say how to start a cluster. Zero values take the defaults.
type Options struct {
	// Dir is the cluster's work directory; it must be absent or empty and
	// reachable by the user the programs run as. Close removes it.
	// Empty: a new directory under os.TempDir().
	Dir      string
	User     string // PostgreSQL superuser (default pgserver.DefaultUser)
	Password string // its password (default pgserver.DefaultPassword)
	Binaries *pgserver.Binaries
	Programs *Programs
	// TTL, LoopWait and RetryTimeout are Patroni's DCS timings (defaults
	// 10s, 1s, 3s: a switchover takes seconds, not Patroni's default tens
	// of seconds).
	TTL, LoopWait, RetryTimeout time.Duration
	// CheckInterval is HAProxy's health-check interval (default 200ms).
	CheckInterval time.Duration
}

// Cluster is a running etcd, two Patroni nodes and HAProxy.
type Cluster struct {
	dir      string
	user     string
	password string
	progs    *Programs
	ctlConf  string

	etcd     *proc
	etcdAddr string
	Nodes    []*Node
	HAProxy  *HAProxy
	// StartedIn is how long Start took.
	StartedIn time.Duration
}

// Start starts etcd, the first node (which bootstraps the cluster and
// becomes its leader), the second (which clones it and streams from it),
// and HAProxy, and returns once the leader is the only server HAProxy's
// write port routes to and the replica streams. On error nothing is left
// running and the work directory is removed.
func Start(ctx context.Context, opts Options) (c *Cluster, err error) {
	began := time.Now()
	if opts.User == "" {
		opts.User = pgserver.DefaultUser
	}
	if opts.Password == "" {
		opts.Password = pgserver.DefaultPassword
	}
	if opts.TTL == 0 {
		opts.TTL = 10 * time.Second
	}
	if opts.LoopWait == 0 {
		opts.LoopWait = time.Second
	}
	if opts.RetryTimeout == 0 {
		opts.RetryTimeout = 3 * time.Second
	}
	if opts.CheckInterval == 0 {
		opts.CheckInterval = 200 * time.Millisecond
	}
	if opts.Binaries == nil {
		if opts.Binaries, err = pgserver.FindBinaries(); err != nil {
			return nil, err
		}
	}
	if opts.Programs == nil {
		if opts.Programs, err = Find(); err != nil {
			return nil, err
		}
	}
	c = &Cluster{dir: opts.Dir, user: opts.User, password: opts.Password, progs: opts.Programs}
	if c.dir == "" {
		if c.dir, err = pgserver.MakeWorkDir("", "switchwatch-patroni-"); err != nil {
			return nil, err
		}
	} else if err := mkdir(c.dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.Close()
			c = nil
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := c.startEtcd(ctx); err != nil {
		return c, err
	}
	c.ctlConf = filepath.Join(c.dir, "patronictl.yml")
	if err := writeFile(c.ctlConf, fmt.Sprintf("scope: %s\netcd3:\n  hosts: %s\n", Scope, c.etcdAddr)); err != nil {
		return c, err
	}
	for i, host := range NodeHosts {
		n, err := c.startNode(fmt.Sprintf("node%d", i+1), host, opts)
		if err != nil {
			return c, err
		}
		c.Nodes = append(c.Nodes, n)
		if i == 0 {
			if err := c.waitFor(ctx, "node1 to lead", func(ctx context.Context) error {
				return n.expectRole(ctx, true)
			}); err != nil {
				return c, err
			}
		}
	}
	if err := c.waitFor(ctx, "node2 to stream from node1", func(ctx context.Context) error {
		return c.Nodes[0].expectStreaming(ctx, c.Nodes[1].Name)
	}); err != nil {
		return c, err
	}
	if c.HAProxy, err = startHAProxy(ctx, c, opts.CheckInterval); err != nil {
		return c, err
	}
	if err := c.waitFor(ctx, "HAProxy to route writes to node1 only", func(ctx context.Context) error {
		return c.HAProxy.expectRouting(ctx, c.Nodes[0].Name, c.Nodes[1].Name)
	}); err != nil {
		return c, err
	}
	c.StartedIn = time.Since(began)
	return c, nil
}

// waitFor polls check every 50ms until it succeeds, a program of the
// cluster exits or ctx ends.
func (c *Cluster) waitFor(ctx context.Context, what string, check func(context.Context) error) error {
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if dead := c.exited(); dead != "" {
			return fmt.Errorf("waiting for %s: %s", what, dead)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %v (last: %v)\n%s", what, ctx.Err(), err, c.LogTails(15))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// exited names a program of the cluster that has exited, with the end of
// its log ("" when all run).
func (c *Cluster) exited() string {
	procs := []*proc{c.etcd}
	for _, n := range c.Nodes {
		procs = append(procs, n.proc)
	}
	if c.HAProxy != nil {
		procs = append(procs, c.HAProxy.proc)
	}
	for _, p := range procs {
		if p != nil && p.exited() {
			return fmt.Sprintf("%s exited; its log ends:\n%s", p.name, p.logTail(20))
		}
	}
	return ""
}

// LogTails returns the last n lines of every program's log.
func (c *Cluster) LogTails(n int) string {
	var b strings.Builder
	if c.etcd != nil {
		fmt.Fprintf(&b, "--- etcd\n%s\n", c.etcd.logTail(n))
	}
	for _, node := range c.Nodes {
		fmt.Fprintf(&b, "--- %s (patroni)\n%s\n--- %s (stdout)\n%s\n", node.Name, tail(node.LogPath, n), node.Name, node.proc.logTail(n))
	}
	if c.HAProxy != nil {
		fmt.Fprintf(&b, "--- haproxy\n%s\n", c.HAProxy.proc.logTail(n))
	}
	return b.String()
}

func (c *Cluster) startEtcd(ctx context.Context) error {
	client, err := freePort("127.0.0.1")
	if err != nil {
		return err
	}
	peer, err := freePort("127.0.0.1")
	if err != nil {
		return err
	}
	dir := filepath.Join(c.dir, "etcd")
	if err := mkdir(dir); err != nil {
		return err
	}
	c.etcdAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(client))
	clientURL := "http://" + c.etcdAddr
	peerURL := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(peer))
	c.etcd, err = startProc("etcd", dir, filepath.Join(dir, "etcd.log"), syscall.SIGKILL, nil, c.progs.Etcd,
		"--name", "etcd1", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "etcd1="+peerURL, "--initial-cluster-state", "new",
		"--log-level", "warn", "--logger", "zap")
	if err != nil {
		return err
	}
	return c.waitFor(ctx, "etcd to be healthy", func(ctx context.Context) error {
		body, code, err := httpGet(ctx, clientURL+"/health")
		if err != nil {
			return err
		}
		if code != 200 || !strings.Contains(body, `"true"`) {
			return fmt.Errorf("etcd /health: %d %s", code, body)
		}
		return nil
	})
}

// EtcdAddr is etcd's client address.
func (c *Cluster) EtcdAddr() string { return c.etcdAddr }

// Dir is the cluster's work directory.
func (c *Cluster) Dir() string { return c.dir }

// User and Password are the PostgreSQL superuser's.
func (c *Cluster) User() string     { return c.user }
func (c *Cluster) Password() string { return c.password }

// Node returns the node of that name, or nil.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Leader asks every node's REST API who it is and returns the one whose
// PostgreSQL runs as the primary.
func (c *Cluster) Leader(ctx context.Context) (*Node, error) {
	var errs []error
	for _, n := range c.Nodes {
		st, err := n.Status(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if st.IsPrimary() && st.State == "running" {
			return n, nil
		}
	}
	return nil, fmt.Errorf("no node is a running primary: %w", errors.Join(errs...))
}

// MultiHostDSN is a keyword/value connection string naming both nodes'
// PostgreSQL, with target_session_attrs=read-write: libpq and pgx try the
// hosts in order and keep the first that accepts writes.
func (c *Cluster) MultiHostDSN() string {
	hosts := make([]string, len(c.Nodes))
	ports := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		hosts[i], ports[i] = n.Host, strconv.Itoa(n.PGPort)
	}
	dsn := pgserver.DSN(strings.Join(hosts, ","), 0, c.user, c.password)
	return strings.Replace(dsn, "port=0", "port="+strings.Join(ports, ","), 1) + " target_session_attrs=read-write"
}

// Switchover runs "patronictl switchover --leader LEADER --candidate
// CANDIDATE --force" and returns its output. patronictl returns once the
// candidate holds the leader lock (or the switchover failed).
func (c *Cluster) Switchover(ctx context.Context, leader, candidate string) (string, error) {
	cmd, err := pgserver.Command(c.dir, c.progs.Patronictl, "-c", c.ctlConf,
		"switchover", Scope, "--leader", leader, "--candidate", candidate, "--force")
	if err != nil {
		return "", err
	}
	out, err := runOutput(ctx, cmd)
	if err != nil {
		return out, fmt.Errorf("patronictl switchover --leader %s --candidate %s: %w: %s", leader, candidate, err, out)
	}
	if !strings.Contains(out, "Successfully switched over") {
		return out, fmt.Errorf("patronictl switchover --leader %s --candidate %s did not report success: %s", leader, candidate, out)
	}
	return out, nil
}

// Close stops HAProxy, the nodes (each Patroni, then any postgres it left)
// and etcd, by pid, and removes the work directory. It is safe on a partly
// started cluster and to call twice.
func (c *Cluster) Close() error {
	errs := []error{c.Stop()}
	if c.dir != "" {
		if err := os.RemoveAll(c.dir); err != nil {
			errs = append(errs, fmt.Errorf("remove patroni cluster directory: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Stop is Close without removing the work directory.
func (c *Cluster) Stop() error {
	var errs []error
	if c.HAProxy != nil {
		errs = append(errs, c.HAProxy.proc.stop(syscall.SIGTERM, 5*time.Second))
	}
	// Both nodes at once: a replica whose leader is gone would otherwise
	// wait out the TTL trying to take over.
	ch := make(chan error, len(c.Nodes))
	for _, n := range c.Nodes {
		go func() { ch <- n.stop() }()
	}
	for range c.Nodes {
		errs = append(errs, <-ch)
	}
	errs = append(errs, c.etcd.stop(syscall.SIGTERM, 5*time.Second))
	return errors.Join(errs...)
}

func mkdir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return pgserver.Chown(dir)
}

func writeFile(path, text string) error {
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return pgserver.Chown(path)
}

// freePort returns a TCP port on host that was free a moment ago.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s: %w", host, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// runOutput runs cmd and returns its combined output; ctx ending kills it
// (by its pid).
func runOutput(ctx context.Context, cmd *exec.Cmd) (string, error) {
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return buf.String(), err
	case <-ctx.Done():
		cmd.Process.Kill()
		<-done
		return buf.String(), ctx.Err()
	}
}
