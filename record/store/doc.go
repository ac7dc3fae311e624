// Package store owns every byte switchwatch keeps on disk: the probe row
// type and its Parquet columns (probe.go, columns.go), its crash-safe
// writer, its one streaming reader (ProbeReader: only the columns a
// caller asks for, as rows or as row-group batches; every schema-version
// and timestamp-unit rule in one place), the list of a run's readable files
// (ListRunFiles), the run.json metadata, the lost-write verdicts
// (verify.json), the events files in all the formats switchwatch reads and
// how they are told apart (events.go, events_read.go), the analyzer's
// phases.parquet (phases.go) and the cut
// of a stored error message (CutError).
//
// No other package spells a file name or a column name of this format;
// the names of events and which of their edges clients see are package
// internal/event's. The recorder writes through it; the analyzer, the report,
// the lab and the importers read and write through it. Its readers also
// read run folders in object storage (s3://) through a Remote that the
// command registers (remote.go); its writers write to the local disk only.
// It must not import pgx or anything that talks to a database, so that the analyzer and the
// report stay free of database code.
//
// # Schema versions
//
// ProbeColumns says, for every column, whether it may be NULL and which
// schema version introduced it. A new column must be optional: readers
// read it as NULL in a file that lacks it, so files written before it
// stay readable. Version 2 added what each probe's own connection did and
// when it saw the server (dialed_addr, conn_established, observed,
// server_time, timeline); readers read versions OldestSchemaVersion (1) to
// SchemaVersion.
//
// # Layout
//
// A run is a Hive-style folder that DuckDB and Spark open as is:
//
//	OUT/run=<run-id>/run.json               metadata (labels, settings without passwords, start, end)
//	OUT/run=<run-id>/probes-000001.parquet  closed segments, one row per probe
//	OUT/run=<run-id>/events.jsonl           ground-truth or annotated events (optional)
//	OUT/run=<run-id>/verify.json            lost-write verdicts (optional)
//	OUT/run=<run-id>/_journal-000002.jsonl  the open segment's journal (hidden)
//
// Files whose names start with "_" or "." are hidden from Hive readers, and
// only closed, complete segments carry the .parquet suffix, so a reader
// globbing OUT/**/*.parquet never sees a half-written file.
//
// # Crash safety
//
// Every probe row is appended to the open segment's journal (JSON lines) and
// the journal is handed to the kernel at least every FlushInterval, so a
// kill -9 loses at most the rows of the last flush interval. A segment is
// closed by writing all its rows to a hidden temporary file, syncing it,
// renaming it to probes-NNNNNN.parquet and only then removing its journal.
// Recover turns journals left behind by a crash into segments.
package store
