package patroni

import (
	"context"
	"encoding/csv"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// HAProxy backends (its "listen" sections).
const (
	BackendPrimary = "primary" // the write port: the node whose GET /primary answers 200
	BackendReplica = "replica" // the read port: the node whose GET /replica answers 200
)

// HAProxy is the cluster's HAProxy: the write port routes to the leader,
// the read port to the replica, each by the nodes' REST health checks
// (OPTIONS /primary, OPTIONS /replica: Patroni answers these with the
// status only), every CheckInterval; a server marked down has its open
// sessions shut (on-marked-down shutdown-sessions).
type HAProxy struct {
	WritePort, ReadPort, StatsPort int
	CheckInterval                  time.Duration
	proc                           *proc

	mu      sync.Mutex
	changes []ServerChange
}

// ServerChange is HAProxy marking a server up or down, timed when its
// message reached us (HAProxy's own messages carry no time).
type ServerChange struct {
	Time    time.Time
	Backend string
	Server  string // node name
	Up      bool
	Line    string
}

var serverChange = regexp.MustCompile(`Server (\w+)/(\w+) is (UP|DOWN)`)

func startHAProxy(ctx context.Context, c *Cluster, every time.Duration) (*HAProxy, error) {
	h := &HAProxy{CheckInterval: every}
	var err error
	for _, p := range []*int{&h.WritePort, &h.ReadPort, &h.StatsPort} {
		if *p, err = freePort("127.0.0.1"); err != nil {
			return nil, err
		}
	}
	dir := filepath.Join(c.dir, "haproxy")
	if err := mkdir(dir); err != nil {
		return nil, err
	}
	inter := strconv.FormatInt(every.Milliseconds(), 10) + "ms"
	var b strings.Builder
	fmt.Fprintf(&b, `# switchwatch: the Patroni cluster's HAProxy
global
    maxconn 1000

defaults
    mode tcp
    timeout connect 3s
    timeout client 30m
    timeout server 30m
    timeout check 1s

listen stats
    mode http
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats
`, h.StatsPort)
	for _, be := range []struct {
		name string
		port int
	}{{BackendPrimary, h.WritePort}, {BackendReplica, h.ReadPort}} {
		fmt.Fprintf(&b, `
listen %s
    bind 127.0.0.1:%d
    option httpchk
    http-check send meth OPTIONS uri /%s
    http-check expect status 200
    default-server inter %s fall 1 rise 1 on-marked-down shutdown-sessions
`, be.name, be.port, be.name, inter)
		for _, n := range c.Nodes {
			fmt.Fprintf(&b, "    server %s %s check port %d\n", n.Name, n.Addr(), n.APIPort)
		}
	}
	conf := filepath.Join(dir, "haproxy.cfg")
	if err := writeFile(conf, b.String()); err != nil {
		return nil, err
	}
	h.proc, err = startProc("haproxy", dir, filepath.Join(dir, "haproxy.log"), syscall.SIGKILL, h.line, c.progs.HAProxy, "-db", "-f", conf)
	if err != nil {
		return nil, err
	}
	return h, nil
}

func (h *HAProxy) line(t time.Time, text string) {
	m := serverChange.FindStringSubmatch(text)
	if m == nil {
		return
	}
	h.mu.Lock()
	h.changes = append(h.changes, ServerChange{Time: t, Backend: m[1], Server: m[2], Up: m[3] == "UP", Line: text})
	h.mu.Unlock()
}

// Changes returns HAProxy's server changes since since, oldest first.
func (h *HAProxy) Changes(since time.Time) []ServerChange {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []ServerChange
	for _, c := range h.changes {
		if !c.Time.Before(since) {
			out = append(out, c)
		}
	}
	return out
}

// Addr is the write port's host:port.
func (h *HAProxy) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(h.WritePort)) }

// ServerState is a server's line of HAProxy's statistics.
type ServerState struct {
	Backend, Server string
	Status          string // UP, DOWN, ...
	CheckStatus     string // L7OK, L7STS, INI, ...
}

// States reads HAProxy's statistics (CSV).
func (h *HAProxy) States(ctx context.Context) ([]ServerState, error) {
	body, code, err := httpGet(ctx, fmt.Sprintf("http://127.0.0.1:%d/stats;csv", h.StatsPort))
	if err != nil {
		return nil, fmt.Errorf("haproxy stats: %w", err)
	}
	if code != 200 {
		return nil, fmt.Errorf("haproxy stats: %d", code)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "# "))).ReadAll()
	if err != nil || len(rows) < 1 {
		return nil, fmt.Errorf("haproxy stats: %v", err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	var out []ServerState
	for _, r := range rows[1:] {
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(r) {
				return r[i]
			}
			return ""
		}
		if sv := get("svname"); sv != "FRONTEND" && sv != "BACKEND" {
			out = append(out, ServerState{Backend: get("pxname"), Server: sv, Status: get("status"), CheckStatus: get("check_status")})
		}
	}
	return out, nil
}

// expectRouting checks that the write port routes to primary only and the
// read port to replica only, each after a completed health check.
func (h *HAProxy) expectRouting(ctx context.Context, primary, replica string) error {
	states, err := h.States(ctx)
	if err != nil {
		return err
	}
	want := map[string]string{BackendPrimary: primary, BackendReplica: replica}
	seen := 0
	for _, s := range states {
		up, ok := want[s.Backend]
		if !ok {
			continue
		}
		seen++
		if s.CheckStatus == "" || strings.HasPrefix(s.CheckStatus, "INI") || strings.HasPrefix(s.CheckStatus, "*") {
			return fmt.Errorf("haproxy %s/%s: not checked yet (%s)", s.Backend, s.Server, s.CheckStatus)
		}
		if (s.Server == up) != (s.Status == "UP") {
			return fmt.Errorf("haproxy %s/%s is %s", s.Backend, s.Server, s.Status)
		}
	}
	if seen == 0 {
		return fmt.Errorf("haproxy stats list no servers")
	}
	return nil
}
