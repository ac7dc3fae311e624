// Package vocab holds the words of the probe format that readers of an
// analysis need too: probe kinds, connection modes, endpoint roles,
// outcomes, error classes, and how labels are shown. It is constants and
// one small function, and must stay so: no reader, no writer, no I/O, so
// that the report (which renders summaries, never run folders) can use the
// same words without depending on record/store's readers. record/store
// names every word here again for its own users.
package vocab

import "sort"

// Probe kinds.
const (
	KindWrite   = "write"   // INSERT one row with a unique key into the probe table
	KindRead    = "read"    // SELECT the newest key visible on the read endpoint
	KindConnect = "connect" // connect + SELECT 1
)

// Kinds lists every kind a row may have, in the order flags and help name
// them; the recorder has a prober for each (record's probers).
var Kinds = []string{KindWrite, KindRead, KindConnect}

// Connection modes.
const (
	ConnNew    = "new"    // a fresh connection per probe
	ConnPooled = "pooled" // long-lived pooled connections, replaced after errors
)

// Endpoint roles.
const (
	EndpointWrite = "write"
	EndpointRead  = "read"
)

// Outcomes.
const (
	OutcomeOK      = "ok"
	OutcomeError   = "error"
	OutcomeTimeout = "timeout"
	OutcomeSkipped = "skipped" // the in-flight bound was hit: the probe never ran
)

// Error classes. The list is closed: every failed probe carries exactly one.
const (
	ClassConnectTimeout     = "connect_timeout"
	ClassQueryTimeout       = "query_timeout"
	ClassRefused            = "refused"
	ClassReset              = "reset"
	ClassDNS                = "dns"
	ClassTLS                = "tls"
	ClassAuth               = "auth"
	ClassReadOnly           = "read_only"            // SQLSTATE 25006
	ClassShutdown           = "shutdown"             // SQLSTATE 57P01, 57P02, 57P03
	ClassTooManyConnections = "too_many_connections" // SQLSTATE 53300; PgBouncer's 08P01 "no more connections allowed"
	ClassOther              = "other"
	ClassInflightLimit      = "inflight_limit" // only with OutcomeSkipped
	// ClassInferred marks rows an importer inferred rather than observed:
	// a stretch in which requests were due and none completed (pgbench logs
	// only successful transactions). It counts as unavailable.
	ClassInferred = "inferred"
)

// ErrorClasses lists every error class in a stable order, so that counts by
// class can always show every class, a missing one reading as zero.
var ErrorClasses = []string{
	ClassConnectTimeout, ClassQueryTimeout, ClassRefused, ClassReset, ClassDNS,
	ClassTLS, ClassAuth, ClassReadOnly, ClassShutdown, ClassTooManyConnections,
	ClassOther, ClassInflightLimit, ClassInferred,
}

// LabelPairs returns labels as "key=value" strings sorted by key: the one
// way labels are shown, so every output lists them alike.
func LabelPairs(labels map[string]string) []string {
	pairs := make([]string, 0, len(labels))
	for k, v := range labels {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	return pairs
}
