// Package record probes a PostgreSQL endpoint on an open-loop schedule and
// writes every timestamped outcome through package store.
//
// The scheduler (scheduler.go) owns time, timeouts and concurrency: every
// probe has an intended start on a fixed grid, runs in its own goroutine
// under a bounded in-flight limit, and is recorded as skipped, never
// dropped, when the limit is hit. A probe kind is one small function in its
// own file (probe_write.go, probe_read.go, probe_connect.go); a connection
// mode (new, pooled) is a way of getting a connection (conn.go). Errors are
// classified in classify.go (through internal/errclass, which the importers share).
//
// This package talks to PostgreSQL through pgx; it must not analyze or
// render anything: that is package analyze's and package report's job.
package record
