package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchwatch/switchwatch/internal/dnsserver"
	"github.com/switchwatch/switchwatch/internal/patroni"
	"github.com/switchwatch/switchwatch/internal/pgbouncer"
	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// Targets of an endpoint.
const (
	TargetBlue  = "blue"
	TargetGreen = "green"
)

// RigOptions say how to build a rig. Zero values take the defaults.
type RigOptions struct {
	// WorkDir is the parent of the rig's own work directory (default
	// os.TempDir()); it must be reachable by the user the servers run as.
	WorkDir string
	// WritePort and ReadPort are the endpoints' ports on 127.0.0.1
	// (0: free ports).
	WritePort, ReadPort int
	// ReaderTarget is where the read endpoint forwards: green (default,
	// like a reader endpoint on a replica) or blue.
	ReaderTarget string
	Password     string            // the servers' superuser password (default pgserver.DefaultPassword)
	Settings     map[string]string // extra server settings for both servers
	Binaries     *pgserver.Binaries
	// Keep leaves the servers' directories in place on Close (the servers
	// are stopped regardless).
	Keep bool
	// PgBouncer, when set (a pool mode: transaction or session), puts a
	// real PgBouncer in front of blue and makes it the write endpoint
	// (WriteDSN); the write proxy is then unused. The pgbouncer scenario
	// sets it.
	PgBouncer string
	// PgBouncerLoginRetry is that PgBouncer's server_login_retry (0:
	// PgBouncer's default, 15 s): how long it opens no server connection
	// after a failed login, such as a login closed by PAUSE.
	PgBouncerLoginRetry time.Duration
	// DNS, when set, gives the rig a DNS endpoint (the dns scenario sets
	// it): the write endpoint listens on 127.0.0.2 in front of blue, the
	// read endpoint on the same port of 127.0.0.3 in front of green, and
	// clients connect to DNSName, which the rig's DNS server answers with
	// blue's address until the scenario flips it, with this TTL.
	DNS    bool
	DNSTTL time.Duration
	// Patroni, when set (PatroniHAProxy or PatroniMultiHost: what the
	// write endpoint is), makes the rig a Patroni cluster instead of blue,
	// green and the proxies (the patroni scenario sets it; see patroni.go).
	Patroni string
	// ServerLog is how blue and green log: ServerLogJSON (default) or
	// ServerLogStderr (the restart scenario's). It changes no behaviour
	// clients see, so it is no part of a rig's shape.
	ServerLog string
}

// How the rig's servers log (RigOptions.ServerLog).
const (
	// ServerLogJSON: the logging collector writes jsonlog to
	// postgresql.json in each server's CollectorLogDir; the server's
	// stderr (LogPath) keeps what it logs before the collector starts.
	ServerLogJSON = "jsonlog"
	// ServerLogStderr: everything to the server's stderr (LogPath), each
	// line after pgserver's log_line_prefix, '%m [%p] %q%a '.
	ServerLogStderr = "stderr"
)

// serverLogSettings are the server settings of a ServerLog.
func serverLogSettings(format string, settings map[string]string) (map[string]string, error) {
	out := map[string]string{}
	switch format {
	case "", ServerLogJSON:
		out["logging_collector"] = "on"
		out["log_destination"] = "'jsonlog'"
		out["log_filename"] = "'postgresql.log'" // jsonlog: postgresql.json
	case ServerLogStderr:
	default:
		return nil, fmt.Errorf("server log %q: want %s or %s", format, ServerLogJSON, ServerLogStderr)
	}
	for k, v := range settings {
		out[k] = v
	}
	return out, nil
}

// Rig kinds: what RigOptions.Kind says a rig is.
const (
	RigBlueGreen = "bluegreen" // blue, green and the lab's two proxies
	RigPgBouncer = "pgbouncer" // the same with a PgBouncer as the write endpoint
	RigDNS       = "dns"       // the same with a DNS name and server
	RigPatroni   = "patroni"   // a Patroni cluster, HAProxy, etcd
)

// Kind says which kind of rig the options build.
func (o RigOptions) Kind() string {
	switch {
	case o.Patroni != "":
		return RigPatroni
	case o.PgBouncer != "":
		return RigPgBouncer
	case o.DNS:
		return RigDNS
	}
	return RigBlueGreen
}

// Describe names the rig's kind and the settings that shape it, such as
// "dns (ttl 5s)".
func (o RigOptions) Describe() string {
	switch o.Kind() {
	case RigPatroni:
		return RigPatroni + " (client " + o.Patroni + ")"
	case RigPgBouncer:
		if o.PgBouncerLoginRetry > 0 {
			return RigPgBouncer + " (pool_mode " + o.PgBouncer + ", server_login_retry " + o.PgBouncerLoginRetry.String() + ")"
		}
		return RigPgBouncer + " (pool_mode " + o.PgBouncer + ")"
	case RigDNS:
		return RigDNS + " (ttl " + o.DNSTTL.String() + ")"
	}
	return RigBlueGreen
}

// sameShape reports whether o and p build the same kind of rig with the
// same shaping settings (ports, directories and the like aside).
func (o RigOptions) sameShape(p RigOptions) bool {
	return o.PgBouncer == p.PgBouncer && o.PgBouncerLoginRetry == p.PgBouncerLoginRetry && o.DNS == p.DNS && (!o.DNS || o.DNSTTL == p.DNSTTL) && o.Patroni == p.Patroni
}

// Rig is BLUE (a primary), GREEN (its streaming standby, made with
// pg_basebackup) and two endpoints in front of them: Writer, forwarding to
// blue, and Reader, forwarding to ReaderTarget.
type Rig struct {
	Dir    string
	Blue   *pgserver.Server
	Green  *pgserver.Server
	Writer *Proxy
	Reader *Proxy
	// Bouncer is the PgBouncer in front of blue (RigOptions.PgBouncer),
	// else nil.
	Bouncer *pgbouncer.Bouncer
	// DNS is the rig's DNS server (RigOptions.DNS), else nil.
	DNS *dnsserver.Server
	// Patroni is the rig's Patroni cluster (RigOptions.Patroni), else
	// nil; then Blue, Green, Writer and Reader are nil.
	Patroni       *patroni.Cluster
	patroniClient string

	keep bool
}

// NewRig builds and starts a rig. On error everything it started is
// stopped and its directory removed.
func NewRig(ctx context.Context, opts RigOptions) (r *Rig, err error) {
	if opts.ReaderTarget == "" {
		opts.ReaderTarget = TargetGreen
	}
	if opts.ReaderTarget != TargetBlue && opts.ReaderTarget != TargetGreen {
		return nil, fmt.Errorf("reader target %q: want blue or green", opts.ReaderTarget)
	}
	CleanStale(opts.WorkDir)
	dir, err := pgserver.MakeWorkDir(opts.WorkDir, workDirPrefix)
	if err != nil {
		return nil, err
	}
	// The owner file lets a later lab remove this directory if this process
	// dies without cleaning up (see CleanStale).
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("write %s in %s: %w", ownerFile, dir, err)
	}
	r = &Rig{Dir: dir, keep: opts.Keep}
	defer func() {
		if err != nil {
			r.keep = false
			r.Close()
			r = nil
		}
	}()
	if opts.Patroni != "" {
		return r, startPatroni(ctx, r, opts)
	}
	// The endpoints first: a port that is taken (another lab on a fixed
	// port) should fail the rig before any server is made. Until the
	// servers are up they forward nowhere (a client is reset).
	writeAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.WritePort))
	readAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.ReadPort))
	if opts.DNS {
		if writeAddr, readAddr, err = dnsEndpointAddrs(opts.WritePort); err != nil {
			return r, err
		}
	}
	r.Writer, err = NewProxy("write", writeAddr, "")
	if err != nil {
		return r, err
	}
	r.Reader, err = NewProxy("read", readAddr, "")
	if err != nil {
		return r, err
	}
	settings, err := serverLogSettings(opts.ServerLog, opts.Settings)
	if err != nil {
		return r, err
	}
	// Green is blue's copy: it has blue's settings, logging included.
	r.Blue, err = pgserver.Start(ctx, pgserver.Options{
		Dir: filepath.Join(dir, "blue"), Name: TargetBlue, Password: opts.Password,
		Settings: settings, Binaries: opts.Binaries,
	})
	if err != nil {
		return r, fmt.Errorf("start blue: %w", err)
	}
	r.Green, err = pgserver.StartStandby(ctx, r.Blue, pgserver.Options{
		Dir: filepath.Join(dir, "green"), Name: TargetGreen, Binaries: opts.Binaries,
	})
	if err != nil {
		return r, fmt.Errorf("start green as a standby of blue: %w", err)
	}
	if err := r.Writer.Forward(r.Blue.Addr()); err != nil {
		return r, err
	}
	if opts.DNS {
		if r.DNS, err = startDNS(r, opts.DNSTTL); err != nil {
			return r, err
		}
	}
	if opts.PgBouncer != "" {
		if r.Bouncer, err = startBouncer(ctx, r, opts.PgBouncer, opts.PgBouncerLoginRetry); err != nil {
			return r, err
		}
	}
	if err := r.Reader.Forward(r.server(opts.ReaderTarget).Addr()); err != nil {
		return r, err
	}
	return r, nil
}

func (r *Rig) server(target string) *pgserver.Server {
	if target == TargetGreen {
		return r.Green
	}
	return r.Blue
}

// endpoint returns the proxy of an endpoint role ("write" or "read").
func (r *Rig) endpoint(name string) *Proxy {
	if name == "read" {
		return r.Reader
	}
	return r.Writer
}

// WriteDSN and ReadDSN are the connection strings of the endpoints.
func (r *Rig) WriteDSN() string {
	if r.Patroni != nil {
		return r.patroniWriteDSN()
	}
	if r.Bouncer != nil {
		return r.Bouncer.DSN()
	}
	if r.DNS != nil {
		return pgserver.DSN(DNSName, r.Writer.Port(), r.Blue.User(), r.Blue.Password())
	}
	return pgserver.DSN("127.0.0.1", r.Writer.Port(), r.Blue.User(), r.Blue.Password())
}

func (r *Rig) ReadDSN() string {
	if r.Patroni != nil {
		return r.patroniReadDSN()
	}
	if r.DNS != nil {
		return r.WriteDSN()
	}
	return pgserver.DSN("127.0.0.1", r.Reader.Port(), r.Blue.User(), r.Blue.Password())
}

// Close stops the endpoints and both servers and removes the work
// directory (unless Keep, which keeps the data directories and logs). It
// is safe on a partly built rig and to call twice.
func (r *Rig) Close() error {
	var errs []error
	if r.Patroni != nil {
		if r.keep {
			errs = append(errs, r.Patroni.Stop())
		} else {
			errs = append(errs, r.Patroni.Close())
		}
	}
	if r.DNS != nil {
		errs = append(errs, r.DNS.Close())
	}
	if r.Bouncer != nil {
		if r.keep {
			errs = append(errs, r.Bouncer.Stop())
		} else {
			errs = append(errs, r.Bouncer.Close())
		}
	}
	for _, p := range []*Proxy{r.Writer, r.Reader} {
		if p != nil {
			errs = append(errs, p.Close())
		}
	}
	for _, s := range []*pgserver.Server{r.Green, r.Blue} {
		if s == nil {
			continue
		}
		if r.keep {
			errs = append(errs, s.Stop())
		} else {
			errs = append(errs, s.Close())
		}
	}
	if r.keep && r.Dir != "" {
		os.Remove(filepath.Join(r.Dir, ownerFile)) // kept on purpose: not stale
	}
	if !r.keep && r.Dir != "" {
		if err := os.RemoveAll(r.Dir); err != nil {
			errs = append(errs, fmt.Errorf("remove lab work directory: %w", err))
		}
	}
	return errors.Join(errs...)
}

const (
	workDirPrefix = "switchwatch-lab-"
	ownerFile     = "lab.pid"
)

// CleanStale removes the work directories of labs that died without
// cleaning up (killed outright: their servers died with them, through the
// parent-death signal, but the directories stay). A directory is removed
// only when the process named in its lab.pid is gone and no postmaster
// named in its data directories is alive; anything else is left alone.
// It returns the directories it removed. Kept directories (--keep) have no
// lab.pid and are never removed.
func CleanStale(parent string) []string {
	if parent == "" {
		parent = os.TempDir()
	}
	dirs, _ := filepath.Glob(filepath.Join(parent, workDirPrefix+"*"))
	var removed []string
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || alive(pid) {
			continue
		}
		live := false
		pms := []string{filepath.Join(dir, TargetBlue, "data", "postmaster.pid"), filepath.Join(dir, TargetGreen, "data", "postmaster.pid")}
		nodes, _ := filepath.Glob(filepath.Join(dir, patroniDir, "*", "data", "postmaster.pid"))
		for _, path := range append(pms, nodes...) {
			if pm, err := os.ReadFile(path); err == nil {
				line, _, _ := strings.Cut(string(pm), "\n")
				if p, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && alive(p) {
					live = true
				}
			}
		}
		if !live && os.RemoveAll(dir) == nil {
			removed = append(removed, dir)
		}
	}
	return removed
}

// alive reports whether a process with this pid exists.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
