package patroni

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/internal/pgserver"
)

func TestFindLog(t *testing.T) {
	log := `2026-12-01 21:38:45,404 INFO: Lock owner: node1; I am node1
2026-12-01 21:38:45,541 INFO: manual failover: demoting myself
  File "/usr/lib/python3/dist-packages/patroni/api.py", line 178, in do_GET
2026-12-01 21:38:46,713 INFO: Leader key released
2026-12-01 21:38:47,713 INFO: manual failover: demoting myself
`
	since := time.Date(2026, 12, 1, 21, 38, 45, 541_700_000, time.UTC)
	l, ok := findLog(strings.NewReader(log), logTimeLayout, since, "demoting myself")
	if !ok {
		t.Fatal("not found")
	}
	if want := time.Date(2026, 12, 1, 21, 38, 45, 541_000_000, time.UTC); !l.Time.Equal(want) || l.Text != "manual failover: demoting myself" {
		t.Errorf("got %v %q, want %v (a line of since's own millisecond counts)", l.Time, l.Text, want)
	}
	if _, ok := findLog(strings.NewReader(log), logTimeLayout, since.Add(3*time.Second), "demoting myself"); ok {
		t.Error("found a line before since")
	}
	pg := "2026-12-01 21:38:45.562 UTC [23418] LOG:  received fast shutdown request\n"
	if l, ok := findLog(strings.NewReader(pg), pgLogTimeLayout, since.Add(-time.Second), "fast shutdown"); !ok ||
		!l.Time.Equal(time.Date(2026, 12, 1, 21, 38, 45, 562_000_000, time.UTC)) || l.Text != "received fast shutdown request" {
		t.Errorf("PostgreSQL log line: %v %q %v", l.Time, l.Text, ok)
	}
}

// serverAddr connects with dsn and returns inet_server_addr() and
// pg_is_in_recovery().
func serverAddr(t *testing.T, dsn string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	defer conn.Close(ctx)
	var addr string
	var rec bool
	if err := conn.QueryRow(ctx, "SELECT host(inet_server_addr()), pg_is_in_recovery()").Scan(&addr, &rec); err != nil {
		t.Fatal(err)
	}
	return addr, rec
}

// A cluster starts with node1 leading and node2 streaming; HAProxy's write
// port and the multi-host DSN reach node1, its read port node2; after a
// switchover node2 leads, the history, both logs and HAProxy say so, and
// Close leaves no process of it behind.
func TestClusterSwitchover(t *testing.T) {
	parent, err := pgserver.MakeWorkDir("", "switchwatch-patroni-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(parent)
	c := StartForTest(t, Options{Dir: filepath.Join(parent, "cluster")})
	t.Logf("cluster up in %v; processes use %d MB (RSS sum)", c.StartedIn.Round(time.Millisecond), rssMB(c))
	n1, n2 := c.Nodes[0], c.Nodes[1]
	ctx := context.Background()
	if l, err := c.Leader(ctx); err != nil || l != n1 {
		t.Fatalf("leader %v, %v; want node1", l, err)
	}
	write := pgserver.DSN("127.0.0.1", c.HAProxy.WritePort, c.User(), c.Password())
	read := pgserver.DSN("127.0.0.1", c.HAProxy.ReadPort, c.User(), c.Password())
	if a, rec := serverAddr(t, write); a != n1.Host || rec {
		t.Errorf("write port reached %s (in recovery %v), want node1 %s, primary", a, rec, n1.Host)
	}
	if a, rec := serverAddr(t, read); a != n2.Host || !rec {
		t.Errorf("read port reached %s (in recovery %v), want node2 %s, in recovery", a, rec, n2.Host)
	}
	if a, _ := serverAddr(t, c.MultiHostDSN()); a != n1.Host {
		t.Errorf("multi-host DSN reached %s, want the leader %s", a, n1.Host)
	}

	before := time.Now()
	out, err := c.Switchover(ctx, n1.Name, n2.Name)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(before)
	t.Logf("patronictl switchover took %v", took.Round(time.Millisecond))
	if l, err := c.Leader(ctx); err != nil || l != n2 {
		t.Fatalf("leader after switchover %v, %v; want node2\n%s", l, err, out)
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	h, err := n2.WaitHistory(hctx, 1)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if h.Leader != n2.Name {
		t.Errorf("history %+v, want timeline 1 ended by node2's promotion", h)
	}
	if h.Time.Before(before.Add(-time.Second)) || h.Time.After(time.Now()) {
		t.Errorf("new timeline at %v, outside the switchover %v..%v", h.Time, before, time.Now())
	}
	if _, ok := n1.FindLog(before, "manual failover: demoting myself"); !ok {
		t.Error("node1's log has no demotion")
	}
	if _, ok := n1.FindPostgresLog(before, "received fast shutdown request"); !ok {
		t.Error("node1's PostgreSQL log has no fast shutdown")
	}
	if _, ok := n2.FindLog(before, "promoted self to leader"); !ok {
		t.Error("node2's log has no promotion")
	}
	// HAProxy follows within a few check intervals.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := c.HAProxy.expectRouting(ctx, n2.Name, n1.Name)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy did not follow the switchover: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	up := false
	for _, ch := range c.HAProxy.Changes(before) {
		if ch.Backend == BackendPrimary && ch.Server == n2.Name && ch.Up {
			up = true
		}
	}
	if !up {
		t.Errorf("no HAProxy message marking primary/node2 up: %+v", c.HAProxy.Changes(before))
	}
	if a, rec := serverAddr(t, write); a != n2.Host || rec {
		t.Errorf("write port after switchover reached %s (in recovery %v), want node2", a, rec)
	}
	if a, _ := serverAddr(t, c.MultiHostDSN()); a != n2.Host {
		t.Errorf("multi-host DSN after switchover reached %s, want node2", a)
	}

	var pids []int
	for _, n := range c.Nodes {
		pids = append(pids, n.PID(), n.PostmasterPID())
	}
	pids = append(pids, c.etcd.pid(), c.HAProxy.proc.pid())
	for _, p := range pids {
		if p == 0 {
			t.Fatalf("a process of the cluster is not running: %v", pids)
		}
	}
	if err := c.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	for _, p := range pids {
		if err := syscall.Kill(p, 0); err == nil {
			if data, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p), "stat")); !strings.Contains(string(data), ") Z ") {
				t.Errorf("pid %d still running after Close", p)
			}
		}
	}
	if _, err := os.Stat(c.Dir()); !os.IsNotExist(err) {
		t.Errorf("work directory left: %v", err)
	}
}

// rssMB sums the resident memory of the cluster's processes and their
// descendants (shared memory counted once per process: an upper bound).
func rssMB(c *Cluster) int {
	roots := map[int]bool{c.etcd.pid(): true, c.HAProxy.proc.pid(): true}
	for _, n := range c.Nodes {
		roots[n.PID()] = true
		roots[n.PostmasterPID()] = true // started through a child of Patroni that exits
	}
	parent := map[int]int{}
	rss := map[int]int{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		data, err := os.ReadFile(filepath.Join(d, "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && f[0] == "PPid:" {
				parent[pid], _ = strconv.Atoi(f[1])
			}
			if len(f) >= 2 && f[0] == "VmRSS:" {
				rss[pid], _ = strconv.Atoi(f[1])
			}
		}
	}
	kb := 0
	for pid, r := range rss {
		for p := pid; p > 1; p = parent[p] {
			if roots[p] {
				kb += r
				break
			}
		}
	}
	return kb / 1024
}
