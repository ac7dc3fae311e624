package lab

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

// Step actions. Each is also the name of the event the step writes: the
// names, and what each event says, are record/store's Event* constants.
const (
	ActBlueReadOnly      = event.BlueReadOnly
	ActBlueKilled        = event.BlueKilled
	ActBlueRestart       = event.BlueRestart
	ActGreenPromoted     = event.GreenPromoted
	ActEndpointBlackhole = event.EndpointBlackhole
	ActEndpointRefuse    = event.EndpointRefuse
	ActEndpointToBlue    = event.EndpointToBlue
	ActEndpointToGreen   = event.EndpointToGreen
	ActEndpointCut       = event.EndpointCut

	// Events written besides the actions' own.
	EvGreenCaughtUp = event.GreenCaughtUp
	EvScenario      = event.Scenario
)

// EventSource is the Source of every event the lab writes.
const EventSource = event.SourceLab

// forwardEvent names the event of an endpoint pointed at a target.
var forwardEvent = map[string]string{TargetBlue: ActEndpointToBlue, TargetGreen: ActEndpointToGreen}

// Action is a step kind: its parameters (name → meaning) and what it does.
type Action struct {
	Help   string
	Params map[string]string
	run    func(x *executor, ctx context.Context, st Step) error
}

var endpointParams = map[string]string{
	"endpoint": "which endpoint: write (default), read or both",
	"cut":      "also reset the connections open through the endpoint (default false)",
}

func withEndpointParams(m map[string]string) map[string]string {
	for k, v := range endpointParams {
		m[k] = v
	}
	return m
}

// stepTimeout is the default of the timeout parameter of the steps that
// wait for something.
const stepTimeout = 30 * time.Second

// timeoutParam is the meaning of a step's timeout parameter: the longest
// wait for what.
func timeoutParam(what string) string {
	return fmt.Sprintf("longest wait for %s (default %v)", what, stepTimeout)
}

// windowParams are the parameters of an endpoint window (blackhole, refuse).
func windowParams() map[string]string {
	return map[string]string{
		"for":  "how long; then forward to 'then' (default: until the next endpoint step)",
		"then": "blue or green: where to forward after 'for' (default: where it forwarded before)",
	}
}

// Actions are the step actions, by name: these, and those the other
// scenario files add with register.
var Actions = map[string]*Action{
	ActBlueReadOnly: {
		Help:   "blue stops taking writes: ALTER SYSTEM SET default_transaction_read_only = on, reload, then end every client session (not the walsender)",
		Params: map[string]string{"terminate": "end the client sessions (default true)"},
		run:    (*executor).blueReadOnly,
	},
	ActBlueKilled: {
		Help:   "SIGKILL to blue's postmaster",
		Params: map[string]string{},
		run:    (*executor).blueKilled,
	},
	ActBlueRestart: {
		Help:   "fast shutdown of blue (pg_ctl stop -m fast), then start it again on the same port",
		Params: map[string]string{},
		run:    (*executor).blueRestart,
	},
	ActGreenPromoted: {
		Help: "promote green (pg_promote); with catch_up, first wait until green has replayed all WAL blue has written",
		Params: map[string]string{
			"catch_up": "wait for green to replay up to blue's current WAL position first (default true; needs blue up)",
			"timeout":  timeoutParam("catch-up"),
		},
		run: (*executor).greenPromoted,
	},
	ActEndpointBlackhole: {
		Help:   "the endpoint accepts connections and never answers",
		Params: withEndpointParams(windowParams()),
		run:    func(x *executor, ctx context.Context, st Step) error { return x.endpointWindow(ctx, st, Blackhole) },
	},
	ActEndpointRefuse: {
		Help:   "the endpoint stops listening: connections are refused",
		Params: withEndpointParams(windowParams()),
		run:    func(x *executor, ctx context.Context, st Step) error { return x.endpointWindow(ctx, st, Refuse) },
	},
	ActEndpointToBlue: {
		Help:   "the endpoint forwards new connections to blue",
		Params: withEndpointParams(map[string]string{}),
		run: func(x *executor, ctx context.Context, st Step) error {
			return x.endpointTo(st, TargetBlue)
		},
	},
	ActEndpointToGreen: {
		Help:   "the endpoint forwards new connections to green",
		Params: withEndpointParams(map[string]string{}),
		run: func(x *executor, ctx context.Context, st Step) error {
			return x.endpointTo(st, TargetGreen)
		},
	},
	ActEndpointCut: {
		Help:   "reset every connection open through the endpoint",
		Params: map[string]string{"endpoint": endpointParams["endpoint"]},
		run:    (*executor).endpointCut,
	},
}

// ActionNames lists the actions in order.
func ActionNames() []string { return slices.Sorted(maps.Keys(Actions)) }

// EventSink receives the ground-truth events; *store.EventLog is one.
type EventSink interface {
	Log(store.Event) error
}

// executor runs a scenario's steps against a rig.
type executor struct {
	rig  *Rig
	sink EventSink
	// open are endpoint windows (blackhole, refuse) without an end yet, by
	// endpoint; the next endpoint step on that endpoint, or the end of the
	// scenario, ends and logs them.
	open map[string]*store.Event
	// prev is where each endpoint forwarded before its current window.
	prev map[string]string
	err  error // the first error of the sink
	// bouncerPaused is when the last PgBouncer PAUSE step returned.
	bouncerPaused time.Time
}

// RunScenario runs sc's steps against rig (no lead-in or tail: the caller
// owns those) and writes one event per step to sink, plus a "scenario"
// event spanning all steps. It stops at the first failing step or when
// ctx ends; windows still open are ended and logged either way.
func RunScenario(ctx context.Context, rig *Rig, sc *Scenario, sink EventSink) error {
	return runScenario(ctx, rig, sc, sink, nil)
}

// runScenario is RunScenario with extra attributes for the scenario event
// (the lab's own, beside the scenario's parameters).
func runScenario(ctx context.Context, rig *Rig, sc *Scenario, sink EventSink, extra map[string]string) error {
	x := &executor{rig: rig, sink: sink, open: map[string]*store.Event{}, prev: map[string]string{}}
	start := time.Now()
	err := x.steps(ctx, sc)
	end := time.Now()
	for _, ep := range []string{"write", "read"} {
		x.closeWindow(ep, end)
	}
	attrs := map[string]string{}
	for k, v := range sc.Params {
		attrs[k] = v
	}
	for k, v := range extra {
		attrs[k] = v
	}
	msg := "scenario " + sc.Name
	if err != nil {
		attrs["error"] = err.Error()
		msg += " (failed)"
	}
	x.log(store.Event{Time: start, End: &end, Name: EvScenario, Message: msg, Attrs: attrs})
	if err != nil {
		return err
	}
	return x.err
}

func (x *executor) steps(ctx context.Context, sc *Scenario) error {
	for i, st := range sc.Steps {
		if err := sleep(ctx, st.After); err != nil {
			return err
		}
		if err := Actions[st.Action].run(x, ctx, st); err != nil {
			return fmt.Errorf("scenario %s step %d (%s): %w", sc.Name, i+1, st.Action, err)
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (x *executor) log(e store.Event) {
	e.Source = EventSource
	if err := x.sink.Log(e); err != nil && x.err == nil {
		x.err = err
	}
}

// logStep logs st's own event: from start to end, with st's parameters
// and attrs (name, value, ...) as its attributes.
func (x *executor) logStep(st Step, start, end time.Time, msg string, attrs ...string) {
	x.log(store.Event{Time: start, End: &end, Name: st.Action, Attrs: stepAttrs(st, attrs...), Message: msg})
}

func stepAttrs(st Step, extra ...string) map[string]string {
	a := map[string]string{}
	for k, v := range st.Params {
		a[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		a[extra[i]] = extra[i+1]
	}
	return a
}

func instant(t time.Time) *time.Time { return &t }

// endpoints are the endpoint names a step acts on.
func endpoints(st Step) []string {
	switch st.Params["endpoint"] {
	case "read":
		return []string{"read"}
	case "both":
		return []string{"write", "read"}
	}
	return []string{"write"}
}

// targetName is the server an endpoint forwards to, by name.
func (x *executor) targetName(ep string) string {
	_, addr := x.rig.endpoint(ep).Mode()
	if addr == x.rig.Green.Addr() {
		return TargetGreen
	}
	return TargetBlue
}

// closeWindow ends ep's open window, if any, and logs it; a hold is
// released here.
func (x *executor) closeWindow(ep string, end time.Time) {
	if w := x.open[ep]; w != nil {
		if w.Name == ActEndpointHold {
			x.rig.endpoint(ep).Release()
		}
		w.End = instant(end)
		x.log(*w)
		delete(x.open, ep)
	}
}

func (x *executor) endpointWindow(ctx context.Context, st Step, mode Mode) error {
	p := params(st.Params)
	for _, ep := range endpoints(st) {
		proxy := x.rig.endpoint(ep)
		if m, _ := proxy.Mode(); m == Forward {
			x.prev[ep] = x.targetName(ep)
		}
		var err error
		if mode == Blackhole {
			err = proxy.Blackhole()
		} else {
			err = proxy.Refuse()
		}
		now := time.Now()
		x.closeWindow(ep, now)
		if err != nil {
			return err
		}
		attrs := stepAttrs(st, "endpoint", ep)
		if p.bool("cut") {
			attrs["cut_conns"] = strconv.Itoa(proxy.CutAll())
		}
		x.open[ep] = &store.Event{Time: now, Name: st.Action, Attrs: attrs,
			Message: fmt.Sprintf("%s endpoint %s", ep, map[Mode]string{Blackhole: "does not answer", Refuse: "refuses connections"}[mode])}
	}
	if p.dur("for") == 0 {
		return nil // open until the next endpoint step
	}
	if err := sleep(ctx, p.dur("for")); err != nil {
		return err
	}
	for _, ep := range endpoints(st) {
		then := st.Params["then"]
		if then == "" {
			then = x.prev[ep]
		}
		if err := x.forward(ep, then, Step{Params: map[string]string{"endpoint": ep}}); err != nil {
			return err
		}
	}
	return nil
}

func (x *executor) endpointTo(st Step, target string) error {
	for _, ep := range endpoints(st) {
		if err := x.forward(ep, target, st); err != nil {
			return err
		}
	}
	return nil
}

// forward points ep at target, ends ep's open window and logs
// endpoint_to_<target> (forwardEvent).
func (x *executor) forward(ep, target string, st Step) error {
	proxy := x.rig.endpoint(ep)
	err := proxy.Forward(x.rig.server(target).Addr())
	now := time.Now()
	x.closeWindow(ep, now)
	if err != nil {
		return err
	}
	attrs := stepAttrs(st, "endpoint", ep, "target", target, "addr", x.rig.server(target).Addr())
	if params(st.Params).bool("cut") {
		attrs["cut_conns"] = strconv.Itoa(proxy.CutAll())
	}
	x.log(store.Event{Time: now, Name: forwardEvent[target], Attrs: attrs,
		Message: fmt.Sprintf("%s endpoint forwards to %s", ep, target)})
	return nil
}

func (x *executor) endpointCut(ctx context.Context, st Step) error {
	for _, ep := range endpoints(st) {
		n := x.rig.endpoint(ep).CutAll()
		x.log(store.Event{Time: time.Now(), Name: st.Action, Attrs: stepAttrs(st, "endpoint", ep, "cut_conns", strconv.Itoa(n)),
			Message: fmt.Sprintf("%s endpoint reset %d connections", ep, n)})
	}
	return nil
}

func (x *executor) blueReadOnly(ctx context.Context, st Step) error {
	blue := x.rig.Blue
	// One control session for the whole step, opened before it starts: a
	// new session per statement costs a backend fork each, and on a busy
	// machine that stretched this step, during which clients still
	// reached blue, to over a second.
	conn, err := blue.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	exec := func(sql string, args ...any) error {
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			return fmt.Errorf("on blue: %s: %w", sql, err)
		}
		return nil
	}
	start := time.Now()
	// ALTER SYSTEM refuses to run in a transaction block, so one statement
	// per round trip.
	if err := exec("ALTER SYSTEM SET default_transaction_read_only = on"); err != nil {
		return err
	}
	if err := exec("SELECT pg_reload_conf()"); err != nil {
		return err
	}
	// pg_reload_conf signals the postmaster, which reloads and then
	// signals every session, ours too: once ours sees the setting, the
	// postmaster has it, and every session it forks from now on.
	for {
		var ro string
		if err := conn.QueryRow(ctx, "SHOW default_transaction_read_only").Scan(&ro); err != nil {
			return fmt.Errorf("on blue: SHOW default_transaction_read_only: %w", err)
		}
		if ro == "on" {
			break
		}
		if err := sleep(ctx, 5*time.Millisecond); err != nil {
			return err
		}
	}
	terminated := 0
	if params(st.Params).boolOr("terminate", true) {
		// Signal every client session at once, then wait (at most 10s) until
		// they are gone, so nothing blue accepted before is still running
		// after this step. Waiting per session (pg_terminate_backend's own
		// timeout) would take up to 5s per stuck session.
		err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
			FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`).Scan(&terminated)
		if err != nil {
			return fmt.Errorf("on blue: end client sessions: %w", err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			var left int
			// pg_stat_activity is a snapshot per transaction; each
			// statement here is its own transaction, so it is fresh.
			err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND backend_start < $1`, start).Scan(&left)
			if err != nil {
				return fmt.Errorf("on blue: count client sessions: %w", err)
			}
			if left == 0 {
				break
			}
			if err := sleep(ctx, 5*time.Millisecond); err != nil {
				return err
			}
		}
	}
	var lsn string
	if err := conn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		return fmt.Errorf("on blue: read WAL position: %w", err)
	}
	x.logStep(st, start, time.Now(), fmt.Sprintf("blue is read-only, %d client sessions ended", terminated),
		"terminated", strconv.Itoa(terminated), "lsn", lsn, "addr", blue.Addr())
	return nil
}

func (x *executor) blueKilled(ctx context.Context, st Step) error {
	blue := x.rig.Blue
	pid := blue.PID()
	start := time.Now()
	if err := blue.Kill(); err != nil {
		return err
	}
	x.logStep(st, start, time.Now(), fmt.Sprintf("blue's postmaster (pid %d) killed with SIGKILL", pid),
		"pid", strconv.Itoa(pid), "addr", blue.Addr())
	return nil
}

func (x *executor) blueRestart(ctx context.Context, st Step) error {
	blue := x.rig.Blue
	pid := blue.PID()
	start := time.Now()
	sent, err := blue.FastShutdown()
	if err != nil {
		return err
	}
	if err := blue.Start(ctx); err != nil {
		return err
	}
	// The end is when blue took logins again: the start of the readiness
	// check that succeeded, not its return.
	x.logStep(st, start, blue.ReadyAt(), "blue restarted (fast shutdown, start)",
		"pid_before", strconv.Itoa(pid), "pid_after", strconv.Itoa(blue.PID()), "addr", blue.Addr(),
		AttrShutdownSent, sent.UTC().Format(time.RFC3339Nano))
	return nil
}

// AttrShutdownSent is the blue_restart event's attribute that says when
// the lab sent blue's postmaster its fast shutdown signal (RFC 3339): the
// ground truth of the server log's "received fast shutdown request".
const AttrShutdownSent = "shutdown_sent"

// AttrPromoteSent is the green_promoted event's attribute that says when
// pg_promote was sent (RFC 3339): the step's Time is before the lab
// connects to green, which on a busy machine takes a good part of it.
const AttrPromoteSent = "promote_sent"

func (x *executor) greenPromoted(ctx context.Context, st Step) error {
	p := params(st.Params)
	green := x.rig.Green
	if p.boolOr("catch_up", true) {
		start := time.Now()
		lsn, err := x.rig.Blue.CurrentLSN(ctx)
		if err != nil {
			return fmt.Errorf("read blue's WAL position to wait for green (catch_up needs blue up): %w", err)
		}
		wctx, cancel := context.WithTimeout(ctx, p.timeout())
		err = green.WaitReplayed(wctx, lsn, 10*time.Millisecond)
		cancel()
		if err != nil {
			return err
		}
		end := time.Now()
		x.log(store.Event{Time: start, End: &end, Name: EvGreenCaughtUp, Attrs: map[string]string{"lsn": lsn},
			Message: "green has replayed blue's WAL up to " + lsn})
	}
	start := time.Now()
	if err := green.Promote(ctx); err != nil {
		return err
	}
	x.logStep(st, start, time.Now(), "green promoted", "addr", green.Addr(),
		AttrPromoteSent, green.PromoteSentAt().UTC().Format(time.RFC3339Nano))
	return nil
}
