// Package duckbench compares switchwatch with DuckDB on the same files
// (issue 19): it makes the datasets (synthetic runs, pgbench logs, a JSON
// lines request log), runs "switchwatch analyze", "import jsonl" and
// "import pgbench" and DuckDB's nearest equivalent queries (the .sql
// files beside this, run through DuckDB's Node.js package by duck.cjs) as
// whole processes, alternating, and reports median wall and CPU time and
// peak RSS (from the kernel's rusage of each process, as /usr/bin/time
// -f %M reads it).
//
// It measures whatever binary it is given and asserts nothing about time:
// the figures depend on the machine and on what else runs on it, so the
// table says the core count and the load average beside them. It must
// not import analyze, importer or record beyond the store's and the
// generators' public API: it compares processes, not functions.
//
// The command is internal/duckbench/cmd/duckbench; docs/performance.md
// holds the figures of record and the command that made them.
package duckbench
