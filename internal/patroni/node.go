package patroni

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Node is one Patroni node and the PostgreSQL it manages.
type Node struct {
	Name    string
	Host    string // its loopback address
	PGPort  int    // PostgreSQL's port on Host
	APIPort int    // the REST API's port on Host
	DataDir string
	LogPath string // Patroni's own log (patroni.log)
	proc    *proc
}

// Addr is PostgreSQL's host:port; APIURL the REST API's base URL.
func (n *Node) Addr() string   { return net.JoinHostPort(n.Host, strconv.Itoa(n.PGPort)) }
func (n *Node) APIURL() string { return "http://" + net.JoinHostPort(n.Host, strconv.Itoa(n.APIPort)) }

// PID is Patroni's pid (0 once it has exited).
func (n *Node) PID() int {
	if n.proc == nil || n.proc.exited() {
		return 0
	}
	return n.proc.pid()
}

// PostmasterPID is the pid in its data directory's postmaster.pid, if that
// process is its PostgreSQL (else 0).
func (n *Node) PostmasterPID() int {
	pid := postmasterPID(n.DataDir)
	if !isPostmasterOf(pid, n.DataDir) {
		return 0
	}
	return pid
}

func (c *Cluster) startNode(name, host string, opts Options) (*Node, error) {
	dir := filepath.Join(c.dir, name)
	if err := mkdir(dir); err != nil {
		return nil, err
	}
	n := &Node{Name: name, Host: host, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "patroni.log")}
	var err error
	if n.PGPort, err = freePort(host); err != nil {
		return nil, err
	}
	if n.APIPort, err = freePort(host); err != nil {
		return nil, err
	}
	secs := func(d time.Duration) int { return max(1, int(d.Round(time.Second)/time.Second)) }
	// JSON is YAML: every value quoted by the encoder, nothing to escape
	// by hand.
	conf := map[string]any{
		"scope": Scope,
		"name":  name,
		"log":   map[string]any{"level": "INFO", "dir": dir, "file_num": 1, "file_size": 64 << 20},
		"restapi": map[string]any{
			"listen":          net.JoinHostPort(host, strconv.Itoa(n.APIPort)),
			"connect_address": net.JoinHostPort(host, strconv.Itoa(n.APIPort)),
		},
		"etcd3": map[string]any{"hosts": c.etcdAddr},
		"bootstrap": map[string]any{
			"dcs": map[string]any{
				"ttl": secs(opts.TTL), "loop_wait": secs(opts.LoopWait), "retry_timeout": secs(opts.RetryTimeout),
				"maximum_lag_on_failover": 1 << 20,
				"postgresql": map[string]any{
					"use_pg_rewind": false,
					"parameters":    map[string]any{"wal_level": "replica", "hot_standby": "on", "max_wal_senders": 5, "max_replication_slots": 5},
				},
			},
			"initdb": []any{map[string]any{"encoding": "UTF8"}, map[string]any{"auth": "scram-sha-256"}},
			"pg_hba": []string{
				"host replication replicator 127.0.0.0/8 scram-sha-256",
				"host all all 127.0.0.0/8 scram-sha-256",
			},
		},
		"postgresql": map[string]any{
			"listen":          net.JoinHostPort(host, strconv.Itoa(n.PGPort)),
			"connect_address": net.JoinHostPort(host, strconv.Itoa(n.PGPort)),
			"data_dir":        n.DataDir,
			"bin_dir":         opts.Binaries.Dir,
			"pgpass":          filepath.Join(dir, "pgpass"),
			"authentication": map[string]any{
				"superuser":   map[string]string{"username": c.user, "password": c.password},
				"replication": map[string]string{"username": "replicator", "password": c.password},
			},
			"parameters": map[string]any{"unix_socket_directories": dir, "shared_buffers": "16MB"},
		},
		"tags": map[string]any{"nofailover": false, "noloadbalance": false},
	}
	data, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		return nil, err
	}
	confPath := filepath.Join(dir, "patroni.yml")
	if err := writeFile(confPath, string(data)+"\n"); err != nil {
		return nil, err
	}
	// SIGTERM on our death: Patroni then shuts its PostgreSQL down.
	n.proc, err = startProc("patroni "+name, dir, filepath.Join(dir, "stdout.log"), syscall.SIGTERM, nil, c.progs.Patroni, confPath)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// stop sends SIGTERM to Patroni, which shuts its PostgreSQL down (fast)
// and exits; then ends any postgres of its data directory still alive.
func (n *Node) stop() error {
	if n.proc == nil {
		return nil
	}
	pm := postmasterPID(n.DataDir)
	err := n.proc.stop(syscall.SIGTERM, 30*time.Second)
	if p := postmasterPID(n.DataDir); p != 0 {
		pm = p
	}
	if perr := stopPostmaster(pm, n.DataDir); perr != nil && err == nil {
		err = perr
	}
	return err
}

// Status is what GET /patroni says about a node.
type Status struct {
	State               string `json:"state"` // running, stopping, starting, ...
	Role                string `json:"role"`  // master (primary) or replica
	PostmasterStartTime string `json:"postmaster_start_time"`
	Timeline            int    `json:"timeline"`
	Replication         []struct {
		ApplicationName string `json:"application_name"`
		State           string `json:"state"`
	} `json:"replication"`
}

// IsPrimary reports whether the node's PostgreSQL runs as the primary
// (Patroni 3.0 says "master", later versions "primary").
func (s *Status) IsPrimary() bool { return s.Role == "master" || s.Role == "primary" }

// PostmasterStart parses PostmasterStartTime ("2006-01-02 15:04:05.999999+00:00").
func (s *Status) PostmasterStart() (time.Time, error) {
	return time.Parse("2006-01-02 15:04:05.999999-07:00", s.PostmasterStartTime)
}

// Status asks the node's REST API (GET /patroni).
func (n *Node) Status(ctx context.Context) (*Status, error) {
	body, code, err := httpGet(ctx, n.APIURL()+"/patroni")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.Name, err)
	}
	if code != 200 {
		return nil, fmt.Errorf("%s: GET /patroni: %d %s", n.Name, code, body)
	}
	var st Status
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		return nil, fmt.Errorf("%s: GET /patroni: %w", n.Name, err)
	}
	return &st, nil
}

func (n *Node) expectRole(ctx context.Context, primary bool) error {
	st, err := n.Status(ctx)
	if err != nil {
		return err
	}
	if st.State != "running" || st.IsPrimary() != primary {
		return fmt.Errorf("%s: state %s, role %s", n.Name, st.State, st.Role)
	}
	return nil
}

// expectStreaming checks that the node, a primary, has replica streaming
// from it.
func (n *Node) expectStreaming(ctx context.Context, replica string) error {
	st, err := n.Status(ctx)
	if err != nil {
		return err
	}
	for _, r := range st.Replication {
		if r.ApplicationName == replica && r.State == "streaming" {
			return nil
		}
	}
	return fmt.Errorf("%s: %s not streaming (replication %+v)", n.Name, replica, st.Replication)
}

// HistoryLine is a line of GET /history: a timeline switch of the cluster.
type HistoryLine struct {
	Timeline int       // the timeline that ended
	LSN      int64     // where it ended
	Reason   string    //
	Time     time.Time // when the new timeline began: the mtime of its history file, written by the promoted PostgreSQL
	Leader   string    // the node promoted
}

// History asks the node's REST API (GET /history) for the cluster's
// timeline switches.
func (n *Node) History(ctx context.Context) ([]HistoryLine, error) {
	body, code, err := httpGet(ctx, n.APIURL()+"/history")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.Name, err)
	}
	if code != 200 {
		return nil, fmt.Errorf("%s: GET /history: %d %s", n.Name, code, body)
	}
	var raw [][]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		return nil, fmt.Errorf("%s: GET /history: %w", n.Name, err)
	}
	var out []HistoryLine
	for _, r := range raw {
		if len(r) < 5 {
			continue
		}
		var h HistoryLine
		tl, _ := r[0].(float64)
		lsn, _ := r[1].(float64)
		h.Timeline, h.LSN = int(tl), int64(lsn)
		h.Reason, _ = r[2].(string)
		ts, _ := r[3].(string)
		if h.Time, err = time.Parse(time.RFC3339Nano, ts); err != nil {
			return nil, fmt.Errorf("%s: GET /history: time %q: %w", n.Name, ts, err)
		}
		h.Leader, _ = r[4].(string)
		out = append(out, h)
	}
	return out, nil
}

// LogLine is a line of Patroni's log and its time.
type LogLine struct {
	Time time.Time
	Text string // the message, after "LEVEL: "
}

// logTimeLayout is Python logging's asctime; Patroni runs with TZ=UTC.
const logTimeLayout = "2006-01-02 15:04:05,000"

// FindLog returns the first line of the node's Patroni log at or after
// since whose message contains text.
func (n *Node) FindLog(since time.Time, text string) (LogLine, bool) {
	return findIn(n.LogPath, logTimeLayout, since, text)
}

// pgLogTimeLayout is PostgreSQL's %m (log_line_prefix '%m [%p] ', the
// default), which Patroni runs with TZ=UTC.
const pgLogTimeLayout = "2006-01-02 15:04:05.000 UTC"

// FindPostgresLog is FindLog for the log of the node's PostgreSQL (its
// stderr, which Patroni passes on to its own stdout).
func (n *Node) FindPostgresLog(since time.Time, text string) (LogLine, bool) {
	return findIn(n.proc.logPath, pgLogTimeLayout, since, text)
}

func findIn(path, layout string, since time.Time, text string) (LogLine, bool) {
	f, err := os.Open(path)
	if err != nil {
		return LogLine{}, false
	}
	defer f.Close()
	return findLog(f, layout, since, text)
}

func findLog(r io.Reader, layout string, since time.Time, text string) (LogLine, bool) {
	// Log times have millisecond resolution: a line of the same
	// millisecond as since counts.
	since = since.Truncate(time.Millisecond)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < len(layout) {
			continue
		}
		t, err := time.ParseInLocation(layout, line[:len(layout)], time.UTC)
		if err != nil || t.Before(since) {
			continue
		}
		_, msg, ok := strings.Cut(line[len(layout):], ": ")
		if ok && strings.Contains(msg, text) {
			return LogLine{Time: t, Text: strings.TrimSpace(msg)}, true
		}
	}
	return LogLine{}, false
}

// httpGet GETs url with a 2s timeout and returns the body and status.
func httpGet(ctx context.Context, url string) (string, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", 0, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return string(body), resp.StatusCode, err
}

// httpClient talks to the cluster only: no proxy from the environment.
var httpClient = &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}

// WaitHistory polls GET /history until it lists the end of timeline (the
// leader writes the history into the DCS one loop after its promotion) and
// returns that line.
func (n *Node) WaitHistory(ctx context.Context, timeline int) (HistoryLine, error) {
	for {
		hist, err := n.History(ctx)
		for _, h := range hist {
			if h.Timeline == timeline {
				return h, nil
			}
		}
		select {
		case <-ctx.Done():
			return HistoryLine{}, fmt.Errorf("%s: no end of timeline %d in the history (%v): %w", n.Name, timeline, err, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
