// Package errclass is switchwatch's one classifier of failed database
// requests: it maps what is known of a failure (a Go error from pgx and the
// network, or what another tool reported: a SQLSTATE, an error type, a
// message) to a probe outcome and one of store's error classes.
//
// The recorder (record), the importers (pgbench, JSON lines, OpenTelemetry
// traces) and anything else that turns a failure into a probe row call it,
// so a read-only rejection is read_only, and a reset a reset, whichever tool
// saw it. The class names themselves live in record/store (store.Class*,
// store.ErrorClasses), beside the row that carries them; this package owns
// the judgement, not the vocabulary.
//
// Evidence is trusted in this order: the server's SQLSTATE (its own word);
// a timeout the caller saw itself; the error's Go type (recorder) or the
// error type another tool named (OpenTelemetry's error.type, which is
// often a SQLSTATE or an exception class); and last the message, matched
// against the wording of pgx, libpq, JDBC, psycopg, node-postgres and
// Npgsql (Message's table). Whatever matches nothing is "other", never a
// guess.
//
// It must not read files or talk to a database; it imports pgconn only for
// the error types pgx returns.
package errclass
