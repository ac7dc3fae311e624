package event

import "strings"

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
// names.go has an entry, and an empty one is a decision too, said next
// to it (a test checks that no name is left out).
var visibleEdges = map[string]map[string]string{
	// The lab's proxy windows: clients fail from the start and are
	// answered again from the end.
	EndpointBlackhole: {EdgeStart: Fails, EdgeEnd: Recovers},
	EndpointRefuse:    {EdgeStart: Fails, EdgeEnd: Recovers},
	// Clients wait from the start and are answered from the end: the
	// edges of a stall (visible as such when clients wait longer than the
	// stall threshold without timing out).
	EndpointHold: {EdgeStart: Fails, EdgeEnd: Recovers},
	// Writes fail from blue's read-only switch (the lab stamps it when it
	// issues the change, which takes effect a little later).
	BlueReadOnly: {EdgeStart: Fails},
	BlueKilled:   {EdgeStart: Fails},
	BlueRestart:  {EdgeStart: Fails, EdgeEnd: Recovers},
	// Writes succeed once green's promotion has ended.
	GreenPromoted: {EdgeEnd: Recovers},
	// A wait inside the lab; clients see nothing of it.
	GreenCaughtUp: nil,
	// Pointing an endpoint somewhere changes what clients see only as the
	// end of a window (whose end is expected) or when it moves clients to
	// another server, which the server-change metric dates; pointed where
	// it already pointed, it changes nothing.
	EndpointToBlue:  nil,
	EndpointToGreen: nil,
	// Cutting open connections fails only the probes in flight on them,
	// which new connections do not see.
	EndpointCut: nil,
	// PgBouncer: clients wait from the pause (PAUSE has returned) and are
	// answered from the resume (a stall); the re-point happens while they
	// wait, unseen.
	PgBouncerPaused:    {EdgeEnd: Fails},
	PgBouncerRepointed: nil,
	PgBouncerResumed:   {EdgeEnd: Recovers},
	// Clients that need a server connection wait on past the resume until
	// PgBouncer's retry timer lets it open one; its janitor notices some
	// time after End, so no phase edge is expected at a known instant:
	// the event says why a stall outlasts the resume.
	PgBouncerLoginRetry: nil,
	// DNSFlip changes which server a new connection reaches, which
	// the DNS-change metric dates; in the dns scenario it falls inside a
	// refusal window, so no phase edge is expected at it.
	DNSFlip: nil,
	// A cache refresh that changes the answer moves its vantage's new
	// connections to the flip's server, as DNSFlip does everyone else's:
	// the DNS-change metric dates it. Whether they recover then depends
	// on that server (promoted yet or not), and most refreshes change
	// nothing; the lab's vantage test expects the cached vantage's
	// recovery at the later of the promotion's end and the first
	// refresh after the flip.
	DNSCacheRefresh: nil,
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
	PatroniSwitchover:    nil,
	PatroniDemoted:       nil,
	PatroniLeaderStopped: {EdgeStart: Fails},
	PatroniPromoted:      {EdgeEnd: Recovers},
	PatroniRejoined:      nil,
	HAProxyServerDown:    nil,
	HAProxyServerUp:      {EdgeStart: Recovers},
	// Spans every step.
	Scenario: nil,
	// AWS's events are stamped by the provider, seconds from what clients
	// see and on another clock: shown beside the phases, not expected at
	// a boundary.
	SwitchoverStarted:   nil,
	SwitchoverCompleted: nil,
	FailoverStarted:     nil,
	FailoverCompleted:   nil,
	// The recorder's own events and a user's marks say when
	// somebody asked or noticed, not when clients saw anything.
	SwitchoverCommand: nil,
	SwitchoverOutput:  nil,
	Recovered:         nil,
	Mark:              nil,
	// A server's log says what that server did, not what clients reached
	// it. A fast shutdown ends every session and refuses logins from its
	// request on (the same line starts PatroniLeaderStopped): clients
	// of that server fail from it. They are answered again from "ready to
	// accept connections" after a start (BlueRestart's end: 3 to 33
	// ms before the lab's first login that worked), and from "archive
	// recovery complete" at a promotion (GreenPromoted's end: writes
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
	PGShutdownRequested:       {EdgeStart: Fails},
	PGShutDown:                nil,
	PGReady:                   {EdgeStart: Recovers},
	PGReadyReadOnly:           nil,
	PGPromoteRequested:        nil,
	PGNewTimeline:             nil,
	PGArchiveRecoveryComplete: {EdgeStart: Recovers},
	PGSessionsTerminated:      nil,
	PGLoginRefused:            nil,
	PGReadOnlyErrors:          nil,
	// PgBouncer's log, as the lab's PgBouncer steps: clients wait from a
	// PAUSE (logged when received; it returns within milliseconds when
	// no transaction is in flight) and are answered from a RESUME (unless
	// a pause-closed login holds them on, which its own event says); the
	// re-point (RELOAD, RECONNECT) happens while they wait, unseen. A
	// pause-closed login explains a stall, as PgBouncerLoginRetry
	// does, and refused logins are counted failures as above.
	PgBouncerPauseIssued:       {EdgeStart: Fails},
	PgBouncerResumeIssued:      {EdgeStart: Recovers},
	PgBouncerReloadIssued:      nil,
	PgBouncerReconnectIssued:   nil,
	PgBouncerPauseClosedLogin:  nil,
	PgBouncerLoginRetryRefused: nil,
	// Every synthetic fault phase (FaultPrefix) changes what clients
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
	if strings.HasPrefix(name, FaultPrefix) {
		return Changes
	}
	return visibleEdges[name][edge]
}
