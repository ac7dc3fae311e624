package lab

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/pgbouncer"
	"github.com/switchwatch/switchwatch/record/store"
)

// PgBouncer step actions, each also the name of the event it writes: Time
// when the admin command was sent, End when PgBouncer answered it.
const (
	ActPgBouncerPause   = event.PgBouncerPaused
	ActPgBouncerRepoint = event.PgBouncerRepointed
	ActPgBouncerResume  = event.PgBouncerResumed
)

func init() {
	register(map[string]*Action{
		ActPgBouncerPause: {
			Help: "PAUSE the database on the rig's PgBouncer: returns once every server connection is released " +
				"(transaction mode: in-flight transactions done; session mode: every client session ended); clients then wait",
			Params: map[string]string{"timeout": timeoutParam("PAUSE to return")},
			run: func(x *executor, ctx context.Context, st Step) error {
				if err := x.bouncerAdmin(ctx, st, "PAUSE", (*pgbouncer.Bouncer).Pause); err != nil {
					return err
				}
				x.bouncerPaused = time.Now()
				return nil
			},
		},
		ActPgBouncerRepoint: {
			Help: "point the PgBouncer database at another server: rewrite pgbouncer.ini, RELOAD (and RECONNECT with reconnect)",
			Params: map[string]string{
				"then":      "blue or green: the server to point at (default green)",
				"reconnect": "also RECONNECT, closing server connections as they are released (default false)",
			},
			run: (*executor).bouncerRepoint,
		},
		ActPgBouncerResume: {
			Help: "RESUME the database on the rig's PgBouncer: waiting clients go on, to wherever it points now " +
				"(unless a login during the pause made PgBouncer wait server_login_retry: then a " + event.PgBouncerLoginRetry + " event says so)",
			Params: map[string]string{"timeout": timeoutParam("RESUME to return")},
			run: func(x *executor, ctx context.Context, st Step) error {
				if err := x.bouncerAdmin(ctx, st, "RESUME", (*pgbouncer.Bouncer).Resume); err != nil {
					return err
				}
				return x.bouncerLoginRetry(ctx)
			},
		},
	}, &Builtin{
		Name:    "pgbouncer",
		Summary: "a real PgBouncer in front of blue: PAUSE, green caught up and promoted, re-point, RESUME",
		Description: "the PgBouncer PAUSE/RESUME switchover: a real PgBouncer is the write endpoint, in front of blue; " +
			"PAUSE (clients wait instead of failing, up to their own timeouts), wait until green has replayed all of blue's WAL, " +
			"promote green, re-point the database at green and RELOAD, RESUME. Blue stays up, no longer reached.",
		Params: []Param{
			{"pool_mode", pgbouncer.ModeTransaction, "PgBouncer's pool mode: transaction, or session (PAUSE then waits for every client session to end)"},
			{"hold", "0s", "extra time paused before promotion starts (an operator's checks)"},
			{"reconnect", "false", "also RECONNECT after RELOAD"},
			{"resume_after", "0s", "time between RELOAD and RESUME (an operator's checks of the new target); " +
				"a client that logs in then makes PgBouncer wait server_login_retry, see " + event.PgBouncerLoginRetry},
			{"server_login_retry", "15s", "the rig's PgBouncer server_login_retry (15s is PgBouncer's default): how long it opens no server connection after a failed login; rehearse a lower one"},
		},
		build: func(p params) []Step {
			return []Step{
				{Action: ActPgBouncerPause},
				{Action: ActGreenPromoted, After: p.dur("hold"), Params: map[string]string{"catch_up": "true"}},
				{Action: ActPgBouncerRepoint, Params: map[string]string{"then": TargetGreen, "reconnect": p["reconnect"]}},
				{Action: ActPgBouncerResume, After: p.dur("resume_after")},
			}
		},
		rig: func(p params, o *RigOptions) {
			o.PgBouncer = p["pool_mode"]
			o.PgBouncerLoginRetry = p.dur("server_login_retry")
		},
	})
}

// startBouncer starts the rig's PgBouncer in front of blue, with
// server_login_retry set when loginRetry is not 0.
func startBouncer(ctx context.Context, r *Rig, mode string, loginRetry time.Duration) (*pgbouncer.Bouncer, error) {
	var settings map[string]string
	if loginRetry > 0 {
		// PgBouncer reads plain numbers as seconds, fractions too.
		settings = map[string]string{"server_login_retry": strconv.FormatFloat(loginRetry.Seconds(), 'f', -1, 64)}
	}
	b, err := pgbouncer.Start(ctx, pgbouncer.Options{
		Dir: filepath.Join(r.Dir, "pgbouncer"), Server: r.Blue.Addr(), PoolMode: mode,
		User: r.Blue.User(), Password: r.Blue.Password(), Settings: settings,
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
	cctx, cancel := context.WithTimeout(ctx, params(st.Params).timeout())
	defer cancel()
	start := time.Now()
	if err := do(b, cctx); err != nil {
		return err
	}
	x.logStep(st, start, time.Now(), fmt.Sprintf("pgbouncer: %s %s returned", command, b.Database()),
		"database", b.Database(), "pool_mode", b.PoolMode(), "addr", b.Server())
	return nil
}

func (x *executor) bouncerRepoint(ctx context.Context, st Step) error {
	b, err := x.bouncer()
	if err != nil {
		return err
	}
	target := params(st.Params).or("then", TargetGreen)
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
	x.logStep(st, start, time.Now(), fmt.Sprintf("pgbouncer: database %s points at %s (%s), RELOAD returned", b.Database(), target, addr),
		"target", target, "addr", addr, "database", b.Database())
	return nil
}

// bouncerLoginRetry writes a pgbouncer_login_retry event when PgBouncer's
// log shows a server connection opened and closed during the pause (a
// client logged in to a pool with no server parameters yet, as after the
// re-point): PgBouncer then waits server_login_retry before it opens
// another, and clients wait past the resume. It happens when a client's
// login falls between RELOAD and RESUME, so a few runs in a hundred show it
// at the lab's default probe rate; real switchovers meet it too.
func (x *executor) bouncerLoginRetry(ctx context.Context) error {
	b, err := x.bouncer()
	if err != nil {
		return err
	}
	if x.bouncerPaused.IsZero() {
		return nil // resumed without a pause step in this play
	}
	closes, err := b.PausedLogins(x.bouncerPaused)
	if err != nil || len(closes) == 0 {
		return err
	}
	retry, err := b.LoginRetry(ctx)
	if err != nil {
		return err
	}
	first := closes[0]
	end := first.Time.Add(retry)
	x.log(store.Event{Time: first.Time, End: &end, Name: event.PgBouncerLoginRetry,
		Attrs: map[string]string{"server": first.Server, "server_login_retry": retry.String(),
			"closes": fmt.Sprint(len(closes)), "database": b.Database()},
		Message: fmt.Sprintf("pgbouncer: a server connection opened during the pause was closed by it (a login to %s); "+
			"no new server connection before server_login_retry (%v) has passed", first.Server, retry)})
	return nil
}
