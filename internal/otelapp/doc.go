// Package otelapp is the lab's instrumented application: a small workload
// that uses PostgreSQL the way services do, and reports it the way they do,
// with the OpenTelemetry Go SDK, so that a switchover leaves application
// traces beside the recorder's probes.
//
// Two services share one timeline: "checkout", whose clients use a
// pgxpool and write (an INSERT into the app's own table, then a SELECT of
// the row), and "reports", whose clients open a new connection for every
// request and read. Clients are closed-loop: each sends a request, waits
// for its answer (or its timeout), then thinks for a random time, in
// bursts with lulls between them, so the load is not a grid. Every request
// is a SERVER span with the database calls under it as CLIENT spans, made
// by github.com/exaring/otelpgx; tracer.go adds what the stable database
// semantic conventions ask and otelpgx leaves out (db.response.status_code
// = SQLSTATE, error.type, network.peer.address and network.peer.port). The
// SDK exports over OTLP/HTTP to an endpoint the caller names (the lab's
// receiver, package internal/otlpfile). Quiet windows stop all requests for
// a stretch, and the app's Truth says when exactly it sent nothing.
//
// This package must not measure, classify or analyze anything: it produces
// traffic and traces, and says what it did. It touches only its own table
// (DefaultTable), and talks only to the DSN and OTLP endpoint it is given.
package otelapp
