// Package record probes a PostgreSQL endpoint on an open-loop schedule and
// writes every timestamped outcome through package store.
//
// A recording is planned (plan.go: Config to checked settings, clients and
// streams), its rows go through a sink to the run's segments (sink.go), and
// Run owns its lifecycle (record.go: start, the hands-free switchover of
// switchover.go and --until-recovered of recovered.go, stop, run.json, the
// lost-write check of verify.go).
//
// The scheduler (scheduler.go) owns time, timeouts and concurrency: every
// probe has an intended start on a fixed grid, runs in its own goroutine
// under a bounded in-flight limit, and is recorded as skipped, never
// dropped, when the limit is hit. A probe kind is a prober in its own file
// with its SQL (probe_write.go, probe_read.go, probe_connect.go), listed in
// one registry (prober.go); a connection mode (new, pooled) is a way of
// getting a connection (conn.go). Errors are classified in classify.go
// (through internal/errclass, which the importers share).
//
// This package talks to PostgreSQL through pgx; it must not analyze or
// render anything: that is package analyze's and package report's job.
package record
