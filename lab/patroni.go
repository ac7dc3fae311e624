package lab

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/patroni"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record/store"
)

// What the write endpoint of a Patroni rig is (RigOptions.Patroni, the
// patroni scenario's client parameter).
const (
	// PatroniHAProxy: HAProxy's write port, routing to the node whose
	// REST API answers 200 to /primary; the read endpoint is its read
	// port (/replica).
	PatroniHAProxy = "haproxy"
	// PatroniMultiHost: a multi-host DSN naming both nodes with
	// target_session_attrs=read-write; the read endpoint is HAProxy's read
	// port.
	PatroniMultiHost = "multihost"
)

// ActPatroniSwitchover is the patroni scenario's step: patronictl
// switchover. Besides its own event it writes the ones below, taken from
// the components once it has returned.
const ActPatroniSwitchover = event.PatroniSwitchover

// The events the switchover step takes from Patroni and HAProxy.
const (
	EvPatroniDemoted    = event.PatroniDemoted
	EvPatroniStopped    = event.PatroniLeaderStopped
	EvPatroniPromoted   = event.PatroniPromoted
	EvPatroniRejoined   = event.PatroniRejoined
	EvHAProxyServerDown = event.HAProxyServerDown
	EvHAProxyServerUp   = event.HAProxyServerUp
)

// patroniDir is the cluster's directory in the rig's.
const patroniDir = "patroni"

func init() {
	register(map[string]*Action{
		ActPatroniSwitchover: {
			Help: "patronictl switchover --leader LEADER --candidate CANDIDATE --force on the rig's Patroni cluster; " +
				"then waits for the cluster's history, HAProxy's routing and the old leader's return as a replica, " +
				"and writes their times as events",
			Params: map[string]string{
				"leader":    "the current leader's name (default: whoever leads now)",
				"candidate": "the node to promote (default: the other one)",
				"timeout":   timeoutParam("each of patronictl and what follows it"),
			},
			run: (*executor).patroniSwitchover,
		},
	}, &Builtin{
		Name:    "patroni",
		Summary: "patronictl switchover on a two-node Patroni cluster, clients through HAProxy or a multi-host DSN",
		Description: "a Patroni switchover: a two-node Patroni cluster (etcd as its DCS; ttl 10s, loop_wait 1s, " +
			"retry_timeout 3s) and HAProxy routing by Patroni's REST health checks; patronictl switchover " +
			"demotes the leader (its PostgreSQL shuts down and restarts as a replica) and promotes the other " +
			"node through the DCS. Clients reach the leader through HAProxy (client=haproxy) or a multi-host DSN " +
			"with target_session_attrs=read-write (client=multihost).",
		Params: []Param{
			{"client", PatroniHAProxy, "the write endpoint: haproxy (HAProxy's write port) or multihost (both nodes, target_session_attrs=read-write)"},
		},
		build: func(p params) []Step {
			return []Step{{Action: ActPatroniSwitchover}}
		},
		rig: func(p params, o *RigOptions) { o.Patroni = p["client"] },
	})
}

// startPatroni makes r a Patroni rig.
func startPatroni(ctx context.Context, r *Rig, opts RigOptions) error {
	if opts.Patroni != PatroniHAProxy && opts.Patroni != PatroniMultiHost {
		return fmt.Errorf("patroni client %q: want %s or %s", opts.Patroni, PatroniHAProxy, PatroniMultiHost)
	}
	r.patroniClient = opts.Patroni
	c, err := patroni.Start(ctx, patroni.Options{Dir: filepath.Join(r.Dir, patroniDir), Password: opts.Password, Binaries: opts.Binaries})
	if err != nil {
		return fmt.Errorf("start the Patroni cluster: %w", err)
	}
	r.Patroni = c
	return nil
}

func (r *Rig) haproxyDSN(port int) string {
	return pgserver.DSN("127.0.0.1", port, r.Patroni.User(), r.Patroni.Password())
}

func (r *Rig) patroniWriteDSN() string {
	if r.patroniClient == PatroniMultiHost {
		return r.Patroni.MultiHostDSN()
	}
	return r.haproxyDSN(r.Patroni.HAProxy.WritePort)
}

func (r *Rig) patroniReadDSN() string { return r.haproxyDSN(r.Patroni.HAProxy.ReadPort) }

func (x *executor) patroniSwitchover(ctx context.Context, st Step) error {
	c := x.rig.Patroni
	if c == nil {
		return fmt.Errorf("this rig has no Patroni cluster (the patroni scenario, or RigOptions.Patroni, makes one)")
	}
	timeout := params(st.Params).timeout()
	old, cand, err := switchoverPair(ctx, c, st.Params["leader"], st.Params["candidate"])
	if err != nil {
		return err
	}
	leader, candidate := old.Name, cand.Name
	st0, err := old.Status(ctx)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	out, err := c.Switchover(cctx, leader, candidate)
	lastLine := lastLine(out)
	x.logStep(st, start, time.Now(), fmt.Sprintf("patronictl switchover --leader %s --candidate %s: %s", leader, candidate, lastLine),
		"leader", leader, "candidate", candidate, "output", lastLine)
	if err != nil {
		return err
	}

	// Patroni's own times. The leader writes the history into the DCS a
	// loop after its promotion.
	wctx, wcancel := context.WithTimeout(ctx, timeout)
	defer wcancel()
	h, err := cand.WaitHistory(wctx, st0.Timeline)
	if err != nil {
		return err
	}
	if h.Leader != candidate {
		return fmt.Errorf("timeline %d ended by %s's promotion, want %s", st0.Timeline, h.Leader, candidate)
	}
	if !x.logFromLog(old.FindLog, start, "manual failover: demoting myself", "Leader key released",
		store.Event{Name: EvPatroniDemoted, Attrs: map[string]string{"node": leader, "addr": old.Addr()}, Message: "Patroni on " + leader}) {
		return fmt.Errorf("%s's Patroni log (%s) has no demotion since %v", leader, old.LogPath, start)
	}
	if !x.logFromLog(old.FindPostgresLog, start, "received fast shutdown request", "database system is shut down",
		store.Event{Name: EvPatroniStopped, Attrs: map[string]string{"node": leader, "addr": old.Addr()}, Message: "PostgreSQL on " + leader}) {
		return fmt.Errorf("%s's PostgreSQL log has no fast shutdown since %v", leader, start)
	}
	p := store.Event{Time: h.Time, End: instant(h.Time), Name: EvPatroniPromoted,
		Attrs: map[string]string{"node": candidate, "addr": cand.Addr(), "timeline": strconv.Itoa(st0.Timeline + 1),
			"lsn": strconv.FormatInt(h.LSN, 10), "reason": h.Reason},
		Message: fmt.Sprintf("%s promoted: timeline %d began", candidate, st0.Timeline+1)}
	l, ok := cand.FindLog(start, "acquiring leader lock") // "Cleaning up failover key after acquiring leader lock..."
	if !ok {
		l, ok = cand.FindLog(start, "promoted self to leader")
	}
	if ok && !l.Time.After(h.Time) {
		p.Time = l.Time
		p.Message = fmt.Sprintf("Patroni on %s: %s; timeline %d began at the end", candidate, l.Text, st0.Timeline+1)
	}
	x.log(p)

	// HAProxy's write port follows within a few checks (its events are
	// written when it is the write endpoint: multi-host clients do not see
	// it); the old leader comes back as a replica (its PostgreSQL
	// restarted).
	if err := x.waitHAProxy(wctx, start, leader, candidate, x.rig.patroniClient == PatroniHAProxy); err != nil {
		return err
	}
	return x.waitRejoined(wctx, old, start)
}

// switchoverPair is the leader and the candidate of a switchover: the
// nodes named, else the cluster's leader and the other node.
func switchoverPair(ctx context.Context, c *patroni.Cluster, leader, candidate string) (old, cand *patroni.Node, err error) {
	if leader == "" {
		n, err := c.Leader(ctx)
		if err != nil {
			return nil, nil, err
		}
		leader = n.Name
	}
	old = c.Node(leader)
	if old == nil {
		return nil, nil, fmt.Errorf("no node %q", leader)
	}
	if candidate == "" {
		for _, n := range c.Nodes {
			if n != old {
				candidate = n.Name
			}
		}
	}
	cand = c.Node(candidate)
	if cand == nil || cand == old {
		return nil, nil, fmt.Errorf("candidate %q: want the other node", candidate)
	}
	return old, cand, nil
}

// waitRejoined waits until the old leader's PostgreSQL runs again as a
// replica, started after start, and logs EvPatroniRejoined.
func (x *executor) waitRejoined(ctx context.Context, old *patroni.Node, start time.Time) error {
	leader := old.Name
	for {
		s, err := old.Status(ctx)
		if err == nil && s.State == "running" && !s.IsPrimary() {
			t, perr := s.PostmasterStart()
			if perr != nil {
				return fmt.Errorf("%s: postmaster_start_time %q: %w", leader, s.PostmasterStartTime, perr)
			}
			if t.Before(start) {
				// still the report of the postmaster from before
				if err := sleep(ctx, 100*time.Millisecond); err != nil {
					return fmt.Errorf("waiting for %s to rejoin as a replica: %w", leader, err)
				}
				continue
			}
			x.log(store.Event{Time: t, Name: EvPatroniRejoined, Attrs: map[string]string{"node": leader, "addr": old.Addr(), "role": s.Role},
				Message: fmt.Sprintf("%s's PostgreSQL started again as a replica", leader)})
			return nil
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for %s to rejoin as a replica: %w", leader, err)
		}
	}
}

// logFromLog logs e, taken from a node's log (find: the Patroni or the
// PostgreSQL log): Time at the first line since start that has begin,
// End at the first line from there that has end (none without one),
// Message e's followed by that first line. It reports whether a line had
// begin.
func (x *executor) logFromLog(find func(since time.Time, text string) (patroni.LogLine, bool), start time.Time, begin, end string, e store.Event) bool {
	b, ok := find(start, begin)
	if !ok {
		return false
	}
	e.Time, e.Message = b.Time, e.Message+": "+b.Text
	if l, ok := find(b.Time, end); ok {
		e.End = instant(l.Time)
	}
	x.log(e)
	return true
}

// waitHAProxy waits until HAProxy has marked the candidate up on its write
// port and, with logChanges, logs its changes there since start.
func (x *executor) waitHAProxy(ctx context.Context, start time.Time, leader, candidate string, logChanges bool) error {
	h := x.rig.Patroni.HAProxy
	for {
		var up bool
		var changes []patroni.ServerChange
		for _, ch := range h.Changes(start) {
			if ch.Backend == patroni.BackendPrimary {
				changes = append(changes, ch)
				up = up || ch.Server == candidate && ch.Up
			}
		}
		if up {
			if !logChanges {
				return nil
			}
			for _, ch := range changes {
				name := EvHAProxyServerDown
				if ch.Up {
					name = EvHAProxyServerUp
				}
				x.log(store.Event{Time: ch.Time, Name: name,
					Attrs:   map[string]string{"backend": ch.Backend, "node": ch.Server, "addr": x.rig.Patroni.Node(ch.Server).Addr()},
					Message: "HAProxy: " + ch.Line})
			}
			return nil
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for HAProxy to route writes to %s: %w", candidate, err)
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "|") {
			return l
		}
	}
	return ""
}
