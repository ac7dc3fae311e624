// Package logtime parses the timestamps PostgreSQL and PgBouncer write in
// their logs ("2026-12-06 14:00:01.234 UTC"): a local date and time and a
// time-zone abbreviation. It is the one place both log readers
// (importer/serverlog, internal/pgbouncer) turn those into instants.
//
// It must not guess: an abbreviation it cannot place (CST is three zones)
// is an error, never UTC.
package logtime
