package lab

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgbouncer"
	"github.com/switchwatch/switchwatch/record/store"
)

// PgBouncer step actions, each also the name of the event it writes: Time
// when the admin command was sent, End when PgBouncer answered it.
const (
	ActPgBouncerPause   = store.EventPgBouncerPaused
	ActPgBouncerRepoint = store.EventPgBouncerRepointed
	ActPgBouncerResume  = store.EventPgBouncerResumed
)

func init() {
	Actions[ActPgBouncerPause] = &Action{
		Help: "PAUSE the database on the rig's PgBouncer: returns once every server connection is released " +
			"(transaction mode: in-flight transactions done; session mode: every client session ended); clients then wait",
		Params: map[string]string{"timeout": "longest wait for PAUSE to return (default 30s)"},
		run: func(x *executor, ctx context.Context, st Step) error {
			return x.bouncerAdmin(ctx, st, "PAUSE", (*pgbouncer.Bouncer).Pause)
		},
	}
	Actions[ActPgBouncerRepoint] = &Action{
		Help: "point the PgBouncer database at another server: rewrite pgbouncer.ini, RELOAD (and RECONNECT with reconnect)",
		Params: map[string]string{
			"then":      "blue or green: the server to point at (default green)",
			"reconnect": "also RECONNECT, closing server connections as they are released (default false)",
		},
		run: (*executor).bouncerRepoint,
	}
	Actions[ActPgBouncerResume] = &Action{
		Help:   "RESUME the database on the rig's PgBouncer: waiting clients go on, to wherever it points now",
		Params: map[string]string{"timeout": "longest wait for RESUME to return (default 30s)"},
		run: func(x *executor, ctx context.Context, st Step) error {
			return x.bouncerAdmin(ctx, st, "RESUME", (*pgbouncer.Bouncer).Resume)
		},
	}
	Builtins["pgbouncer"] = &Builtin{
		Name:    "pgbouncer",
		Summary: "a real PgBouncer in front of blue: PAUSE, green caught up and promoted, re-point, RESUME",
		Description: "the PgBouncer PAUSE/RESUME switchover: a real PgBouncer is the write endpoint, in front of blue; " +
			"PAUSE (clients wait instead of failing, up to their own timeouts), wait until green has replayed all of blue's WAL, " +
			"promote green, re-point the database at green and RELOAD, RESUME. Blue stays up, no longer reached.",
		Params: append([]Param{
			{"pool_mode", pgbouncer.ModeTransaction, "PgBouncer's pool mode: transaction, or session (PAUSE then waits for every client session to end)"},
			{"hold", "0s", "extra time paused before promotion starts (an operator's checks)"},
			{"reconnect", "false", "also RECONNECT after RELOAD"},
		}, common...),
		build: func(p params) []Step {
			return []Step{
				{Action: ActPgBouncerPause},
				{Action: ActGreenPromoted, After: p.dur("hold"), Params: map[string]string{"catch_up": "true"}},
				{Action: ActPgBouncerRepoint, Params: map[string]string{"then": TargetGreen, "reconnect": p["reconnect"]}},
				{Action: ActPgBouncerResume},
			}
		},
		rig: func(p params, o *RigOptions) { o.PgBouncer = p["pool_mode"] },
	}
}

// startBouncer starts the rig's PgBouncer in front of blue.
func startBouncer(ctx context.Context, r *Rig, mode string) (*pgbouncer.Bouncer, error) {
	b, err := pgbouncer.Start(ctx, pgbouncer.Options{
		Dir: filepath.Join(r.Dir, "pgbouncer"), Server: r.Blue.Addr(), PoolMode: mode,
		User: r.Blue.User(), Password: r.Blue.Password(),
	})
	if err != nil {
		return nil, fmt.Errorf("start pgbouncer in front of blue: %w", err)
	}
	return b, nil
}

func (x *executor) bouncer() (*pgbouncer.Bouncer, error) {
	if x.rig.Bouncer == nil {
		return nil, fmt.Errorf("this rig has no PgBouncer (the pgbouncer scenario, or RigOptions.PgBouncer, makes one)")
	}
	return x.rig.Bouncer, nil
}

func (x *executor) bouncerAdmin(ctx context.Context, st Step, command string, do func(*pgbouncer.Bouncer, context.Context) error) error {
	b, err := x.bouncer()
	if err != nil {
		return err
	}
	timeout := 30 * time.Second
	if _, ok := st.Params["timeout"]; ok {
		timeout = params(st.Params).dur("timeout")
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	if err := do(b, cctx); err != nil {
		return err
	}
	end := time.Now()
	x.log(store.Event{Time: start, End: &end, Name: st.Action,
		Attrs:   stepAttrs(st, "database", b.Database(), "pool_mode", b.PoolMode(), "addr", b.Server()),
		Message: fmt.Sprintf("pgbouncer: %s %s returned", command, b.Database())})
	return nil
}

func (x *executor) bouncerRepoint(ctx context.Context, st Step) error {
	b, err := x.bouncer()
	if err != nil {
		return err
	}
	target := st.Params["then"]
	if target == "" {
		target = TargetGreen
	}
	addr := x.rig.server(target).Addr()
	start := time.Now()
	if err := b.Repoint(ctx, addr); err != nil {
		return err
	}
	if params(st.Params).bool("reconnect") {
		if err := b.Reconnect(ctx); err != nil {
			return err
		}
	}
	end := time.Now()
	x.log(store.Event{Time: start, End: &end, Name: st.Action,
		Attrs:   stepAttrs(st, "target", target, "addr", addr, "database", b.Database()),
		Message: fmt.Sprintf("pgbouncer: database %s points at %s (%s), RELOAD returned", b.Database(), target, addr)})
	return nil
}
