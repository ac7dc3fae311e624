// Package serverlog reads PostgreSQL's and PgBouncer's own logs as
// switchwatch events (store.Event, sources "postgresql" and "pgbouncer"):
// what the server or pooler did during a switchover, on its own clock,
// beside what the probes saw.
//
// # Where it sits
//
// store.ReadEvents is the one entry point for events files ("analyze
// --events", "import --events", a run's events.jsonl). store cannot
// import this package, so this package registers its formats with
// store.RegisterEventsFormat (Register); the commands call Register once,
// with the flags --log-prefix and --log-node, and from then on every
// events file is sniffed for these formats first. ReadEvents here reads
// one log directly (tests, the lab).
//
// # Formats, told apart by content
//
//   - PostgreSQL jsonlog (log_destination = 'jsonlog'): a line starting
//     with {"timestamp":". SQLSTATE from state_code.
//   - PostgreSQL csvlog: CSV rows of 26 columns (PostgreSQL 14 and later;
//     24 for 13, 23 for 12) whose first is a timestamp and twelfth a
//     severity. SQLSTATE from sql_state_code.
//   - PostgreSQL stderr (log_destination = 'stderr', with or without the
//     logging collector): lines of log_line_prefix, then "LOG:  " (or
//     ERROR, FATAL, ...) and the message. With --log-prefix the prefix
//     is read as given (%m, %t or %n must be in it; %e gives SQLSTATE).
//     Without, the prefix is detected when it starts with %m or %t (the
//     default '%m [%p] ', Debian's '%m [%p] %q%u@%d ', RDS's
//     '%t:%r:%u@%d:[%p]:'): the line's timestamp first, the prefix's rest
//     up to the first severity followed by a colon and two spaces, and
//     the message; the SQLSTATE is then unknown and the message tells.
//     Lines that continue a message (a tab first) are part of it.
//   - PgBouncer's log file ("2026-12-06 14:00:01.234 UTC [pid] LOG ..."),
//     parsed by internal/pgbouncer, which holds every pattern of its
//     messages.
//
// A file's first non-blank line decides its format.
//
// # Events
//
// The names are in internal/event/names.go (PG*, PgBouncer*Issued,
// ...), each with its visible-edge decision. Instants take the line's
// time. Errors clients met (57P01, 57P03, 25006) are counted: one
// event per kind and second of the log's clock with a count attribute,
// never one per line. Every event has the attribute node, the server or
// pooler that logged it: Options.Node, else the file's name without its
// extension, or, when that is generic (postgresql-*.json, stderr.log,
// server.log, ...), the nearest folder whose name is not (log, pg_log,
// data, logs). Message is the log's own message: text from outside,
// escape it (internal/termtext) wherever it is shown.
//
// # Bad input
//
// A line that cannot be read (not in the file's format, cut off, a
// timestamp before 2000 or more than a day in the future, a time zone
// it cannot place, a csvlog row of another column count) is a
// store.LineError naming file and line, counted beside the events; a
// file in none of the formats is an error. Lines that can be read but
// say nothing of interest are not errors.
//
// This package reads files only: it must not talk to a server or pooler.
package serverlog
