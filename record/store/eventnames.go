package store

import (
	"strings"
	"time"
)

// Event sources.
const (
	SourceLab    = "lab"    // the lab's ground truth (package lab)
	SourceAWS    = "aws"    // aws rds describe-events, read by ReadEvents
	SourceUser   = "user"   // the user's own annotations: a CSV read by ReadEvents, "switchwatch mark"
	SourceRecord = "record" // the recorder's own events (record --switchover, --until-recovered)
	SourceSynth  = "synth"  // the synthetic generator's fault phases (internal/synth)
	// A PostgreSQL server's log and a PgBouncer's log, read by package
	// importer/serverlog (registered with ReadEvents).
	SourcePostgreSQL = "postgresql"
	SourcePgBouncer  = "pgbouncer"
)

// The lab's event names. Each step of a lab scenario writes one event named
// after its action (the Act* constants of package lab are these names);
// Time is when the step's change took effect (or its start, for a step that
// takes time), End when it was complete; an instant has no End. Attrs are
// the step's parameters plus what the step learnt.
const (
	// EventBlueReadOnly: blue stops taking writes:
	// default_transaction_read_only=on (ALTER SYSTEM, reload), client
	// sessions ended. Attrs terminated, lsn (blue's WAL position after).
	EventBlueReadOnly = "blue_read_only"
	// EventBlueKilled: SIGKILL to blue's postmaster. Attrs pid.
	EventBlueKilled = "blue_killed"
	// EventBlueRestart: fast shutdown of blue, then start; End when it
	// accepts connections again. Attrs pid_before, pid_after,
	// shutdown_sent (RFC 3339: when the lab sent the postmaster SIGINT).
	EventBlueRestart = "blue_restart"
	// EventGreenCaughtUp: waiting until green had replayed blue's WAL up to
	// lsn (Time: start of the wait, End: caught up). Attrs lsn.
	EventGreenCaughtUp = "green_caught_up"
	// EventGreenPromoted: pg_promote on green; End when it accepts writes.
	// Attrs addr, promote_sent (RFC 3339: when pg_promote was sent; Time
	// is before the lab connects to green for it).
	EventGreenPromoted = "green_promoted"
	// EventEndpointBlackhole: a window in which the endpoint answered
	// nothing: Time when it started, End when the endpoint forwarded again.
	// Attrs endpoint (write/read), cut_conns when it reset the open
	// connections.
	EventEndpointBlackhole = "endpoint_blackhole"
	// EventEndpointRefuse: a window in which the endpoint refused
	// connections.
	EventEndpointRefuse = "endpoint_refuse"
	// EventEndpointHold: a window in which the endpoint held all traffic
	// without failing it (connections accepted, no byte passed on until the
	// release): Time when the hold began, End when it was released and the
	// held bytes passed on. Attrs endpoint.
	EventEndpointHold = "endpoint_hold"
	// EventEndpointToBlue: the endpoint forwards new connections to blue
	// (instant). Attrs endpoint, target, addr.
	EventEndpointToBlue = "endpoint_to_blue"
	// EventEndpointToGreen: ... to green (instant). Attrs endpoint, target,
	// addr.
	EventEndpointToGreen = "endpoint_to_green"
	// EventEndpointCut: the endpoint reset its open connections. Attrs
	// cut_conns.
	EventEndpointCut = "endpoint_cut"
	// EventPgBouncerPaused: PAUSE on the PgBouncer database (Time: sent,
	// End: it returned, every server connection released); clients wait
	// from then on. Attrs database, pool_mode, addr (where it pointed).
	EventPgBouncerPaused = "pgbouncer_paused"
	// EventPgBouncerRepointed: pgbouncer.ini rewritten to forward to
	// target, RELOAD (and RECONNECT with reconnect) returned. Attrs target,
	// addr.
	EventPgBouncerRepointed = "pgbouncer_repointed"
	// EventPgBouncerResumed: RESUME on the database (Time: sent, End:
	// returned); the clients held since the pause are answered.
	EventPgBouncerResumed = "pgbouncer_resumed"
	// EventPgBouncerLoginRetry: PgBouncer closed a server connection it
	// had opened during the pause, "because: pause mode" in its log (a
	// client logged in to a pool with no server parameters yet, as after
	// RELOAD pointed it elsewhere), and counts it a failed login: it opens
	// no new server connection until server_login_retry has passed, RESUME
	// or not (pgbouncer/pgbouncer#498). Time: the log line (PgBouncer's
	// clock, ms); End: Time + server_login_retry, the earliest it tries
	// again. Attrs server (host:port), server_login_retry, closes (how
	// many such lines). The resume step writes it.
	EventPgBouncerLoginRetry = "pgbouncer_login_retry"
	// EventDNSFlip: the rig's DNS server answers the endpoint name with
	// another address from Time on (an instant, the DNS server's own
	// clock). Attrs name, from, to, target, ttl (seconds).
	EventDNSFlip = "dns_flip"
	// EventPatroniSwitchover: patronictl switchover on the lab's Patroni
	// cluster (Time: started, End: returned, once the candidate held the
	// leader lock). Attrs leader, candidate, output (its last line).
	EventPatroniSwitchover = "patroni_switchover"
	// EventPatroniDemoted: the old leader's Patroni began demoting itself
	// (Time: its log's "manual failover: demoting myself"; its PostgreSQL
	// then shuts down) and released the leader key (End: "Leader key
	// released"). Attrs node, addr.
	EventPatroniDemoted = "patroni_demoted"
	// EventPatroniLeaderStopped: the old leader's PostgreSQL shut down for
	// the demotion (Time: its log's "received fast shutdown request", End:
	// "database system is shut down"; PostgreSQL's own clock, ms). Attrs
	// node, addr.
	EventPatroniLeaderStopped = "patroni_leader_stopped"
	// EventPatroniPromoted: the candidate's Patroni took the leader lock
	// (Time: its log's "... after acquiring leader lock") and its PostgreSQL began
	// the new timeline (End: the time GET /history gives it, the history
	// file's). Attrs node, addr, timeline (the new one), lsn, reason.
	EventPatroniPromoted = "patroni_promoted"
	// EventPatroniRejoined: the old leader's PostgreSQL started again as a
	// replica (an instant: postmaster_start_time from its GET /patroni).
	// Attrs node, addr, role.
	EventPatroniRejoined = "patroni_rejoined"
	// EventHAProxyServerDown and EventHAProxyServerUp: HAProxy marked a
	// server of its write port down or up (an instant: when its message
	// reached the lab; HAProxy's own messages carry no time). A server
	// marked down has its sessions shut. Attrs backend, node, addr.
	EventHAProxyServerDown = "haproxy_server_down"
	EventHAProxyServerUp   = "haproxy_server_up"
	// EventScenario spans all steps. Attrs: the scenario parameters, and
	// error when a step failed.
	EventScenario = "scenario"
)

// The names ReadEvents gives the switchover and failover steps of AWS
// describe-events, whatever their wording.
const (
	EventSwitchoverStarted   = "switchover_started"
	EventSwitchoverCompleted = "switchover_completed"
	EventFailoverStarted     = "failover_started"
	EventFailoverCompleted   = "failover_completed"
)

// The events of a PostgreSQL server's log (jsonlog, csvlog, or stderr with
// a timestamp in log_line_prefix), read by package importer/serverlog. Time
// is the log line's (the server's clock, ms with %m and the jsonlog and
// csvlog formats, whole seconds with %t); an instant has no End. Every
// event has Attrs node (the server that logged it: a flag, else the file
// name) and, where the log says, pid; Message is the log's message (text
// from outside: escape it wherever it is shown).
const (
	// EventPGShutdownRequested: "received fast shutdown request" (or
	// smart, immediate). Attrs mode.
	EventPGShutdownRequested = "postgresql_shutdown_requested"
	// EventPGShutDown: "database system is shut down".
	EventPGShutDown = "postgresql_shut_down"
	// EventPGReady: "database system is ready to accept connections": a
	// primary takes logins (after a start, or at the end of a promotion).
	EventPGReady = "postgresql_ready"
	// EventPGReadyReadOnly: "database system is ready to accept read-only
	// connections": a hot standby takes logins.
	EventPGReadyReadOnly = "postgresql_ready_read_only"
	// EventPGPromoteRequested: "received promote request" (pg_promote,
	// pg_ctl promote).
	EventPGPromoteRequested = "postgresql_promote_requested"
	// EventPGNewTimeline: "selected new timeline ID: N". Attrs timeline.
	EventPGNewTimeline = "postgresql_new_timeline"
	// EventPGArchiveRecoveryComplete: "archive recovery complete".
	EventPGArchiveRecoveryComplete = "postgresql_archive_recovery_complete"
	// The counted events: every line of the kind within one second of
	// the log's clock is ONE event (Time: the first line, End: the last,
	// when they differ), Attrs count (how many lines), sqlstate.
	//
	// EventPGSessionsTerminated: sessions ended by an administrator
	// (SQLSTATE 57P01, "terminating connection due to administrator
	// command": pg_terminate_backend, a fast shutdown).
	EventPGSessionsTerminated = "postgresql_sessions_terminated"
	// EventPGLoginRefused: logins refused while the server starts, shuts
	// down or recovers (57P03, "the database system is starting up", "...
	// is shutting down", ...).
	EventPGLoginRefused = "postgresql_login_refused"
	// EventPGReadOnlyErrors: statements refused by a read-only server or
	// transaction (25006, "cannot execute INSERT in a read-only
	// transaction").
	EventPGReadOnlyErrors = "postgresql_read_only_errors"
)

// The events of a PgBouncer's log, read by package importer/serverlog
// (the line patterns are internal/pgbouncer's). Time is the log line's
// (PgBouncer's clock, ms). Attrs node (the pooler that logged it), pid,
// database when the command named one.
const (
	// EventPgBouncerPauseIssued: "PAUSE command issued" (or PAUSE 'db'),
	// logged when PgBouncer received it.
	EventPgBouncerPauseIssued = "pgbouncer_pause_issued"
	// EventPgBouncerResumeIssued: "RESUME command issued".
	EventPgBouncerResumeIssued = "pgbouncer_resume_issued"
	// EventPgBouncerReloadIssued: "RELOAD command issued".
	EventPgBouncerReloadIssued = "pgbouncer_reload_issued"
	// EventPgBouncerReconnectIssued: "RECONNECT command issued".
	EventPgBouncerReconnectIssued = "pgbouncer_reconnect_issued"
	// EventPgBouncerPauseClosedLogin: a server connection opened during a
	// pause closed "because: pause mode", which PgBouncer counts a failed
	// login: it opens no server connection for server_login_retry (see
	// EventPgBouncerLoginRetry; the log does not say the setting). Attrs
	// server (host:port).
	EventPgBouncerPauseClosedLogin = "pgbouncer_pause_closed_login"
	// EventPgBouncerLoginRetryRefused: clients closed "because: server
	// login has been failing, try again later (server_login_retry)",
	// counted per second as the server log's counted events are.
	EventPgBouncerLoginRetryRefused = "pgbouncer_login_retry_refused"
)

// EventFaultPrefix starts the name of every synthetic fault phase
// (fault_<state>, from internal/synth).
const EventFaultPrefix = "fault_"

// The edges of an event: its Time, and its End for a step that takes time.
const (
	EdgeStart = "start"
	EdgeEnd   = "end"
)

// What a visible edge does to clients: from it they fail (or wait), or
// from it they are answered again. "analyze --truth" matches a Fails edge
// only with a boundary into a worse state and a Recovers edge only with
// one into a better state, so that a resume is never "found" at the
// start of the outage it was meant to end.
const (
	Fails    = "fails"
	Recovers = "recovers"
	// Changes: clients see a change, into a worse or a better state (a
	// synthetic fault phase that starts where a more severe one ends).
	Changes = "changes"
)

// visibleEdges is the one table of which edges of each event change what
// clients see, and how (Fails, Recovers), so that "analyze --truth"
// expects the probes to show such a change near them. Every event name of
// this file has an entry, and an empty one is a decision too, said next
// to it (a test checks that no name is left out).
var visibleEdges = map[string]map[string]string{
	// The lab's proxy windows: clients fail from the start and are
	// answered again from the end.
	EventEndpointBlackhole: {EdgeStart: Fails, EdgeEnd: Recovers},
	EventEndpointRefuse:    {EdgeStart: Fails, EdgeEnd: Recovers},
	// Clients wait from the start and are answered from the end: the
	// edges of a stall (visible as such when clients wait longer than the
	// stall threshold without timing out).
	EventEndpointHold: {EdgeStart: Fails, EdgeEnd: Recovers},
	// Writes fail from blue's read-only switch (the lab stamps it when it
	// issues the change, which takes effect a little later).
	EventBlueReadOnly: {EdgeStart: Fails},
	EventBlueKilled:   {EdgeStart: Fails},
	EventBlueRestart:  {EdgeStart: Fails, EdgeEnd: Recovers},
	// Writes succeed once green's promotion has ended.
	EventGreenPromoted: {EdgeEnd: Recovers},
	// A wait inside the lab; clients see nothing of it.
	EventGreenCaughtUp: nil,
	// Pointing an endpoint somewhere changes what clients see only as the
	// end of a window (whose end is expected) or when it moves clients to
	// another server, which the server-change metric dates; pointed where
	// it already pointed, it changes nothing.
	EventEndpointToBlue:  nil,
	EventEndpointToGreen: nil,
	// Cutting open connections fails only the probes in flight on them,
	// which new connections do not see.
	EventEndpointCut: nil,
	// PgBouncer: clients wait from the pause (PAUSE has returned) and are
	// answered from the resume (a stall); the re-point happens while they
	// wait, unseen.
	EventPgBouncerPaused:    {EdgeEnd: Fails},
	EventPgBouncerRepointed: nil,
	EventPgBouncerResumed:   {EdgeEnd: Recovers},
	// Clients that need a server connection wait on past the resume until
	// PgBouncer's retry timer lets it open one; its janitor notices some
	// time after End, so no phase edge is expected at a known instant:
	// the event says why a stall outlasts the resume.
	EventPgBouncerLoginRetry: nil,
	// EventDNSFlip changes which server a new connection reaches, which
	// the DNS-change metric dates; in the dns scenario it falls inside a
	// refusal window, so no phase edge is expected at it.
	EventDNSFlip: nil,
	// A Patroni switchover: clients fail from the old leader's demotion
	// (when its PostgreSQL starts its fast shutdown, after Patroni's
	// checkpoint) and write again once the new leader's promotion has
	// ended; through HAProxy, from when HAProxy has marked it up, which can
	// come first (its /primary answers 200 once Patroni holds the leader
	// lock), and then writes fail as read-only in between. The lab writes
	// the HAProxy events only when HAProxy is the write endpoint. The
	// command, Patroni's decision to demote (before its checkpoint), the
	// old leader's return as a replica and HAProxy marking the old leader
	// down (after clients already fail on it) are not what clients see.
	EventPatroniSwitchover:    nil,
	EventPatroniDemoted:       nil,
	EventPatroniLeaderStopped: {EdgeStart: Fails},
	EventPatroniPromoted:      {EdgeEnd: Recovers},
	EventPatroniRejoined:      nil,
	EventHAProxyServerDown:    nil,
	EventHAProxyServerUp:      {EdgeStart: Recovers},
	// Spans every step.
	EventScenario: nil,
	// AWS's events are stamped by the provider, seconds from what clients
	// see and on another clock: shown beside the phases, not expected at
	// a boundary.
	EventSwitchoverStarted:   nil,
	EventSwitchoverCompleted: nil,
	EventFailoverStarted:     nil,
	EventFailoverCompleted:   nil,
	// The recorder's own events (below) and a user's marks say when
	// somebody asked or noticed, not when clients saw anything.
	EventSwitchoverCommand: nil,
	EventSwitchoverOutput:  nil,
	EventRecovered:         nil,
	EventMark:              nil,
	// A server's log says what that server did, not what clients reached
	// it. A fast shutdown ends every session and refuses logins from its
	// request on (the same line starts EventPatroniLeaderStopped): clients
	// of that server fail from it. They are answered again from "ready to
	// accept connections" after a start (EventBlueRestart's end: 3 to 33
	// ms before the lab's first login that worked), and from "archive
	// recovery complete" at a promotion (EventGreenPromoted's end: writes
	// work from just after it); a promotion's "ready" comes when the
	// postmaster notices the startup process has exited, 60 ms after
	// "archive recovery complete" on an idle machine, 80-180 ms at a load
	// average of 15-25: a late mark, but no false one. The steps before
	// (shut down, promote request, new timeline) come while clients
	// already fail or before anything changes for them; a standby taking read-only logins fixes
	// no write. The counted events are clients' failures as the server
	// saw them, one per second: the probes date those failures
	// themselves, so no edge of a second's bucket is expected to be a
	// boundary.
	EventPGShutdownRequested:       {EdgeStart: Fails},
	EventPGShutDown:                nil,
	EventPGReady:                   {EdgeStart: Recovers},
	EventPGReadyReadOnly:           nil,
	EventPGPromoteRequested:        nil,
	EventPGNewTimeline:             nil,
	EventPGArchiveRecoveryComplete: {EdgeStart: Recovers},
	EventPGSessionsTerminated:      nil,
	EventPGLoginRefused:            nil,
	EventPGReadOnlyErrors:          nil,
	// PgBouncer's log, as the lab's PgBouncer steps: clients wait from a
	// PAUSE (logged when received; it returns within milliseconds when
	// no transaction is in flight) and are answered from a RESUME (unless
	// a pause-closed login holds them on, which its own event says); the
	// re-point (RELOAD, RECONNECT) happens while they wait, unseen. A
	// pause-closed login explains a stall, as EventPgBouncerLoginRetry
	// does, and refused logins are counted failures as above.
	EventPgBouncerPauseIssued:       {EdgeStart: Fails},
	EventPgBouncerResumeIssued:      {EdgeStart: Recovers},
	EventPgBouncerReloadIssued:      nil,
	EventPgBouncerReconnectIssued:   nil,
	EventPgBouncerPauseClosedLogin:  nil,
	EventPgBouncerLoginRetryRefused: nil,
	// Every synthetic fault phase (EventFaultPrefix) changes what clients
	// see at both edges: see ChangesWhatClientsSee.
}

// ChangesWhatClientsSee reports whether the given edge (EdgeStart or
// EdgeEnd) of an event named name changes what clients see, so that probes
// must show a change near it: the edges of the lab's faults and promotion,
// and both edges of every synthetic fault phase. Other events (a scenario,
// a catch-up wait, an endpoint pointed where it already pointed) may pass
// unseen.
func ChangesWhatClientsSee(name, edge string) bool {
	return EdgeEffect(name, edge) != ""
}

// EdgeEffect is what the given edge of an event named name does to
// clients: Fails, Recovers, Changes, or "" when they need not see it (see
// ChangesWhatClientsSee). Both edges of a synthetic fault phase Change
// what clients see: its state may be better or worse than the one before
// (read-only after unavailable) or after it.
func EdgeEffect(name, edge string) string {
	if strings.HasPrefix(name, EventFaultPrefix) {
		return Changes
	}
	return visibleEdges[name][edge]
}

// The recorder's own events (record --switchover, switchwatch mark), with
// the recorder's timestamps. visibleEdges expects none of their edges: a
// command's start says when somebody asked, not when clients saw anything.
const (
	// EventSwitchoverCommand: the --switchover command ran through the
	// shell (Time: started, End: exited). Attrs command (its passwords
	// redacted), trigger ("true": see AttrTrigger), pid, exit_status
	// (-1 when killed by a signal), signal (when killed by one), killed
	// (why the recorder killed it: interrupted, recording_ended), error
	// (it could not be started).
	EventSwitchoverCommand = "switchover_command"
	// EventSwitchoverOutput: one line the command wrote (an instant, when
	// the recorder read it). Message is the line as written (text from
	// outside: escape it wherever it is shown); Attrs stream (stdout or
	// stderr).
	EventSwitchoverOutput = "switchover_output"
	// EventRecovered: the recorder's --until-recovered saw every stream
	// healthy for the asked time (Time: the end of the outage, or of the
	// command when clients never noticed it; End: when it stopped the
	// recording). Attrs until_recovered, outage (true/false).
	EventRecovered = "recovered"
	// EventMark names a user event (UserEvent) whose label has no letter
	// or digit to name it after.
	EventMark = "mark"
)

// AttrTrigger, set to "true" in an event's Attrs, marks the event as the
// trigger: the moment the switchover was asked for, which the analyzer's
// event_to_* metrics count from. "switchwatch mark --trigger" sets it on a
// mark, the recorder on its --switchover command's event; any other mark is
// an annotation ("change window opened") and never the trigger.
const AttrTrigger = "trigger"

// IsTrigger reports whether e is marked as the trigger (AttrTrigger).
func IsTrigger(e Event) bool { return e.Attrs[AttrTrigger] == "true" }

// NamesSwitchover reports whether e is an event that the lab, a provider
// or a server names as (a step of) a switchover or failover: every step of
// a lab scenario, the AWS switchover_started and failover_started, and a
// server's "received promote request" (EventPGPromoteRequested: pg_promote
// or pg_ctl promote, which the lab sends as green_promoted's promote_sent
// and Patroni sends at a switchover or failover: the one line of a server's
// log that says a standby was asked to take over). The analyzer takes the
// first of them as the trigger when no event is marked as one and there is
// no --switchover command.
func NamesSwitchover(e Event) bool {
	return e.Source == SourceLab || e.Name == EventSwitchoverStarted || e.Name == EventFailoverStarted ||
		e.Name == EventPGPromoteRequested && e.Source == SourcePostgreSQL
}

// FromServerLog reports whether e was read from a PostgreSQL or PgBouncer
// log. Such an event says what one server did (a shutdown, a reload, a
// burst of read-only errors), which is no trigger: apart from a promote
// request (NamesSwitchover) it never becomes the run's trigger by being
// the first event, so that a post-mortem from traces and logs alone
// counts event_to_* from the promotion, or from nothing.
func FromServerLog(e Event) bool { return e.Source == SourcePostgreSQL || e.Source == SourcePgBouncer }

// EventLabel is an event's label as its source wrote it, for people: the
// Message of a user's annotation (a CSV label, "switchwatch mark") or of an
// AWS event, whose Name is made from it for matching (--trigger, lab
// truth); else the Name, which the source wrote itself (events.jsonl, the
// lab).
func EventLabel(e Event) string {
	if (e.Source == SourceUser || e.Source == SourceAWS) && e.Message != "" {
		return e.Message
	}
	return e.Name
}

// UserEvent is a user's annotation at t, as a CSV of annotations and
// "switchwatch mark" give it: named after its label (lower case, words
// joined by _), the label as given its Message.
func UserEvent(t time.Time, label string) Event {
	name := snake(label)
	if name == "" {
		name = EventMark
	}
	return Event{Time: t.UTC(), Name: name, Source: SourceUser, Message: label}
}
