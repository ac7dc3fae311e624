package event

// The lab's event names. Each step of a lab scenario writes one event named
// after its action (the Act* constants of package lab are these names);
// Time is when the step's change took effect (or its start, for a step that
// takes time), End when it was complete; an instant has no End. Attrs are
// the step's parameters plus what the step learnt.
const (
	// BlueReadOnly: blue stops taking writes:
	// default_transaction_read_only=on (ALTER SYSTEM, reload), client
	// sessions ended. Attrs terminated, lsn (blue's WAL position after).
	BlueReadOnly = "blue_read_only"
	// BlueKilled: SIGKILL to blue's postmaster. Attrs pid.
	BlueKilled = "blue_killed"
	// BlueRestart: fast shutdown of blue, then start; End when it
	// accepts connections again. Attrs pid_before, pid_after,
	// shutdown_sent (RFC 3339: when the lab sent the postmaster SIGINT).
	BlueRestart = "blue_restart"
	// GreenCaughtUp: waiting until green had replayed blue's WAL up to
	// lsn (Time: start of the wait, End: caught up). Attrs lsn.
	GreenCaughtUp = "green_caught_up"
	// GreenPromoted: pg_promote on green; End when it accepts writes.
	// Attrs addr, promote_sent (RFC 3339: when pg_promote was sent; Time
	// is before the lab connects to green for it).
	GreenPromoted = "green_promoted"
	// EndpointBlackhole: a window in which the endpoint answered
	// nothing: Time when it started, End when the endpoint forwarded again.
	// Attrs endpoint (write/read), cut_conns when it reset the open
	// connections.
	EndpointBlackhole = "endpoint_blackhole"
	// EndpointRefuse: a window in which the endpoint refused
	// connections.
	EndpointRefuse = "endpoint_refuse"
	// EndpointHold: a window in which the endpoint held all traffic
	// without failing it (connections accepted, no byte passed on until the
	// release): Time when the hold began, End when it was released and the
	// held bytes passed on. Attrs endpoint.
	EndpointHold = "endpoint_hold"
	// EndpointToBlue: the endpoint forwards new connections to blue
	// (instant). Attrs endpoint, target, addr.
	EndpointToBlue = "endpoint_to_blue"
	// EndpointToGreen: ... to green (instant). Attrs endpoint, target,
	// addr.
	EndpointToGreen = "endpoint_to_green"
	// EndpointCut: the endpoint reset its open connections. Attrs
	// cut_conns.
	EndpointCut = "endpoint_cut"
	// PgBouncerPaused: PAUSE on the PgBouncer database (Time: sent,
	// End: it returned, every server connection released); clients wait
	// from then on. Attrs database, pool_mode, addr (where it pointed).
	PgBouncerPaused = "pgbouncer_paused"
	// PgBouncerRepointed: pgbouncer.ini rewritten to forward to
	// target, RELOAD (and RECONNECT with reconnect) returned. Attrs target,
	// addr.
	PgBouncerRepointed = "pgbouncer_repointed"
	// PgBouncerResumed: RESUME on the database (Time: sent, End:
	// returned); the clients held since the pause are answered.
	PgBouncerResumed = "pgbouncer_resumed"
	// PgBouncerLoginRetry: PgBouncer closed a server connection it
	// had opened during the pause, "because: pause mode" in its log (a
	// client logged in to a pool with no server parameters yet, as after
	// RELOAD pointed it elsewhere), and counts it a failed login: it opens
	// no new server connection until server_login_retry has passed, RESUME
	// or not (pgbouncer/pgbouncer#498). Time: the log line (PgBouncer's
	// clock, ms); End: Time + server_login_retry, the earliest it tries
	// again. Attrs server (host:port), server_login_retry, closes (how
	// many such lines). The resume step writes it.
	PgBouncerLoginRetry = "pgbouncer_login_retry"
	// DNSFlip: the rig's DNS server answers the endpoint name with
	// another address from Time on (an instant, the DNS server's own
	// clock). Attrs name, from, to, target, ttl (seconds).
	DNSFlip = "dns_flip"
	// DNSCacheRefresh: a vantage's caching DNS forwarder (the lab's
	// dns-cache vantage: a stale host cache, like nscd or dnsmasq with a
	// minimum cache time) asked the rig's DNS server again and cached
	// the answer (an instant: when the answer reached the forwarder; its
	// clients get it from then on, and the old one until then). Attrs
	// vantage, name, addrs (the answer, comma-separated), previous (the
	// answer it replaced, empty at the first), changed (true/false),
	// cache_for (how long it is kept).
	DNSCacheRefresh = "dns_cache_refresh"
	// PatroniSwitchover: patronictl switchover on the lab's Patroni
	// cluster (Time: started, End: returned, once the candidate held the
	// leader lock). Attrs leader, candidate, output (its last line).
	PatroniSwitchover = "patroni_switchover"
	// PatroniDemoted: the old leader's Patroni began demoting itself
	// (Time: its log's "manual failover: demoting myself"; its PostgreSQL
	// then shuts down) and released the leader key (End: "Leader key
	// released"). Attrs node, addr.
	PatroniDemoted = "patroni_demoted"
	// PatroniLeaderStopped: the old leader's PostgreSQL shut down for
	// the demotion (Time: its log's "received fast shutdown request", End:
	// "database system is shut down"; PostgreSQL's own clock, ms). Attrs
	// node, addr.
	PatroniLeaderStopped = "patroni_leader_stopped"
	// PatroniPromoted: the candidate's Patroni took the leader lock
	// (Time: its log's "... after acquiring leader lock") and its PostgreSQL began
	// the new timeline (End: the time GET /history gives it, the history
	// file's). Attrs node, addr, timeline (the new one), lsn, reason.
	PatroniPromoted = "patroni_promoted"
	// PatroniRejoined: the old leader's PostgreSQL started again as a
	// replica (an instant: postmaster_start_time from its GET /patroni).
	// Attrs node, addr, role.
	PatroniRejoined = "patroni_rejoined"
	// HAProxyServerDown and HAProxyServerUp: HAProxy marked a
	// server of its write port down or up (an instant: when its message
	// reached the lab; HAProxy's own messages carry no time). A server
	// marked down has its sessions shut. Attrs backend, node, addr.
	HAProxyServerDown = "haproxy_server_down"
	HAProxyServerUp   = "haproxy_server_up"
	// Scenario spans all steps. Attrs: the scenario parameters, and
	// error when a step failed.
	Scenario = "scenario"
)

// The names store.ReadEvents gives (AWSName) the switchover and failover steps of AWS
// describe-events, whatever their wording.
const (
	SwitchoverStarted   = "switchover_started"
	SwitchoverCompleted = "switchover_completed"
	FailoverStarted     = "failover_started"
	FailoverCompleted   = "failover_completed"
)

// The events of a PostgreSQL server's log (jsonlog, csvlog, or stderr with
// a timestamp in log_line_prefix), read by package importer/serverlog. Time
// is the log line's (the server's clock, ms with %m and the jsonlog and
// csvlog formats, whole seconds with %t); an instant has no End. Every
// event has Attrs node (the server that logged it: a flag, else the file
// name) and, where the log says, pid; Message is the log's message (text
// from outside: escape it wherever it is shown).
const (
	// PGShutdownRequested: "received fast shutdown request" (or
	// smart, immediate). Attrs mode.
	PGShutdownRequested = "postgresql_shutdown_requested"
	// PGShutDown: "database system is shut down".
	PGShutDown = "postgresql_shut_down"
	// PGReady: "database system is ready to accept connections": a
	// primary takes logins (after a start, or at the end of a promotion).
	PGReady = "postgresql_ready"
	// PGReadyReadOnly: "database system is ready to accept read-only
	// connections": a hot standby takes logins.
	PGReadyReadOnly = "postgresql_ready_read_only"
	// PGPromoteRequested: "received promote request" (pg_promote,
	// pg_ctl promote).
	PGPromoteRequested = "postgresql_promote_requested"
	// PGNewTimeline: "selected new timeline ID: N". Attrs timeline.
	PGNewTimeline = "postgresql_new_timeline"
	// PGArchiveRecoveryComplete: "archive recovery complete".
	PGArchiveRecoveryComplete = "postgresql_archive_recovery_complete"
	// The counted events: every line of the kind within one second of
	// the log's clock is ONE event (Time: the first line, End: the last,
	// when they differ), Attrs count (how many lines), sqlstate.
	//
	// PGSessionsTerminated: sessions ended by an administrator
	// (SQLSTATE 57P01, "terminating connection due to administrator
	// command": pg_terminate_backend, a fast shutdown).
	PGSessionsTerminated = "postgresql_sessions_terminated"
	// PGLoginRefused: logins refused while the server starts, shuts
	// down or recovers (57P03, "the database system is starting up", "...
	// is shutting down", ...).
	PGLoginRefused = "postgresql_login_refused"
	// PGReadOnlyErrors: statements refused by a read-only server or
	// transaction (25006, "cannot execute INSERT in a read-only
	// transaction").
	PGReadOnlyErrors = "postgresql_read_only_errors"
)

// The events of a PgBouncer's log, read by package importer/serverlog
// (the line patterns are internal/pgbouncer's). Time is the log line's
// (PgBouncer's clock, ms). Attrs node (the pooler that logged it), pid,
// database when the command named one.
const (
	// PgBouncerPauseIssued: "PAUSE command issued" (or PAUSE 'db'),
	// logged when PgBouncer received it.
	PgBouncerPauseIssued = "pgbouncer_pause_issued"
	// PgBouncerResumeIssued: "RESUME command issued".
	PgBouncerResumeIssued = "pgbouncer_resume_issued"
	// PgBouncerReloadIssued: "RELOAD command issued".
	PgBouncerReloadIssued = "pgbouncer_reload_issued"
	// PgBouncerReconnectIssued: "RECONNECT command issued".
	PgBouncerReconnectIssued = "pgbouncer_reconnect_issued"
	// PgBouncerPauseClosedLogin: a server connection opened during a
	// pause closed "because: pause mode", which PgBouncer counts a failed
	// login: it opens no server connection for server_login_retry (see
	// PgBouncerLoginRetry; the log does not say the setting). Attrs
	// server (host:port).
	PgBouncerPauseClosedLogin = "pgbouncer_pause_closed_login"
	// PgBouncerLoginRetryRefused: clients closed "because: server
	// login has been failing, try again later (server_login_retry)",
	// counted per second as the server log's counted events are.
	PgBouncerLoginRetryRefused = "pgbouncer_login_retry_refused"
)

// FaultPrefix starts the name of every synthetic fault phase
// (fault_<state>, from internal/synth).
const FaultPrefix = "fault_"

// The recorder's own events (record --switchover, switchwatch mark), with
// the recorder's timestamps. visibleEdges expects none of their edges: a
// command's start says when somebody asked, not when clients saw anything.
const (
	// SwitchoverCommand: the --switchover command ran through the
	// shell (Time: started, End: exited). Attrs command (its passwords
	// redacted), trigger ("true": see AttrTrigger), pid, exit_status
	// (-1 when killed by a signal), signal (when killed by one), killed
	// (why the recorder killed it: interrupted, recording_ended), error
	// (it could not be started).
	SwitchoverCommand = "switchover_command"
	// SwitchoverOutput: one line the command wrote (an instant, when
	// the recorder read it). Message is the line as written (text from
	// outside: escape it wherever it is shown); Attrs stream (stdout or
	// stderr).
	SwitchoverOutput = "switchover_output"
	// Recovered: the recorder's --until-recovered saw every stream
	// healthy for the asked time (Time: the end of the outage, or of the
	// command when clients never noticed it; End: when it stopped the
	// recording). Attrs until_recovered, outage (true/false).
	Recovered = "recovered"
	// Mark names a user event (UserName) whose label has no letter
	// or digit to name it after.
	Mark = "mark"
)
