// Package importer turns traces made by other tools into switchwatch runs,
// and reads the events other tools publish about a switchover, so that the
// analyzer treats a pgbench run, an application's request log and a
// "switchwatch record" run alike and draws a provider's events on the same
// timeline.
//
// It writes runs only through package store, in exactly the layout the
// recorder writes (run=<id>/run.json, probes-NNNNNN.parquet): store owns
// every byte on disk, this package only what other tools' files mean. It
// must not talk to a database or import package record (pgx) or analyze:
// it is a pure file-to-file conversion. The analyzer does not import it;
// it reads what this package writes through store.
//
// # Bad input
//
// Bad input never passes silently. Every line is either taken or skipped
// for a reason (ReasonTruncated, ReasonNotPgbench, ...); a skipped line is
// a store.LineError naming its file and line; Report counts both and
// prints a one-line summary. With Options.Strict the first skipped line
// fails the import and nothing is written.
//
// # Run identity
//
// The run id is derived from the contents of the input files (SHA-256,
// whatever their names or order): "pgbench-<16 hex>", "jsonl-<16 hex>" or
// "otlp-<16 hex>".
// Importing the same files again is refused (ErrAlreadyImported) unless
// Options.Replace is set, which rewrites that run. A file whose content was
// imported as part of another run is refused too, even with Replace, since
// replacing would drop that run's other files. Files given twice in one
// import are read once. run.json records every source file's name and
// SHA-256 in settings.sources.
//
// # pgbench per-transaction logs
//
// pgbench -l writes one file per thread (prefix.PID, prefix.PID.1, ...),
// one line per transaction (PostgreSQL 15 "Per-Transaction Logging"):
//
//	client_id transaction_no time script_no time_epoch time_us [ schedule_lag ] [ retries ]
//
// time is the elapsed time in µs, or "failed" ("serialization" or
// "deadlock" with --failures-detailed), or "skipped" (--rate with
// --latency-limit); time_epoch.time_us is when the transaction ended (was
// given up, for failed and skipped ones); schedule_lag is there with
// --rate, retries with --max-tries other than 1. A seventh column cannot
// tell which of the two it is: it is taken as schedule_lag unless
// PgbenchOptions.Seventh says retries.
//
// pgbench measures time from the transaction's scheduled start (its actual
// start without --rate), so time includes schedule_lag; the real binary
// confirms it (pgbench_real_test.go). Each line becomes one probe row:
//
//	Intended   completion - time                 (the scheduled start under --rate)
//	Start      Intended + schedule_lag           (the actual start)
//	End        completion
//	LatencyNS  End - Start
//	Outcome    ok; error for failed/serialization/deadlock (class other,
//	           SQLSTATE 40001/40P01 when known, Intended = End = when pgbench
//	           logged it: the start of a failed transaction is not logged);
//	           skipped (Intended = logged time - schedule_lag, no Start/End)
//	Kind       PgbenchOptions.Kind: write (default, the TPC-B-like script) or read (-S)
//	Conn       PgbenchOptions.Conn: pooled (default) or new (pgbench -C)
//	Endpoint   write, or read for Kind read
//	Seq        0, 1, ... over all files in order of Intended
//
// All files are one run whatever pgbench invocations wrote them: people
// restart pgbench back to back through a switchover.
//
// # What the pgbench log cannot say, and what is inferred
//
// pgbench 15 aborts a client on any error other than a serialization or
// deadlock error (a lost connection, a read-only server, a failed connect
// with -C) and ends when every client is aborted; --max-tries and
// --failures-detailed cover only serialization and deadlock errors. So the
// log of a switchover holds the successful transactions and almost no
// failures: the outage is a stretch without lines.
//
// The analyzer cuts streams by the rows' scheduled starts; a stretch with
// no rows is no outage to it. So, when the schedule is known, the importer
// fills it in. Under --rate (schedule_lag present) pgbench schedules
// transactions as a Poisson process at the rate, and keeps scheduling
// through a slow or hung server (late transactions keep their scheduled
// start), so the scheduled starts of all files together stay dense as long
// as any pgbench client is alive. The rate is PgbenchOptions.Rate, else
// estimated per pgbench run (transactions per second of the run's span; a
// pgbench run is the union of input files whose time spans overlap; a run
// of fewer than 10 transactions takes the overall rate).
//
// A stretch between two consecutive scheduled starts is a gap when so long
// a stretch would happen by chance less than once in a thousand healthy
// imports of this size: longer than ln(1000·N)/rate (at least 2/rate), N
// being the number of transactions, rate that of the pgbench run before the
// stretch. A stretch is excused, not a gap, when pgbench was demonstrably
// alive through it: a logged transaction that started before it ended
// after it, or the stretch ends in a skipped transaction (pgbench 15 logs a
// skipped transaction when it skips it, with a schedule lag of 0, so a
// burst of skips stands for the stretch before it). Into each gap go
// round(gap·rate)-1 rows, spread evenly (at most 100,000 per gap, and
// 1,000,000 per import; beyond that the import says what it left out), with
//
//	Outcome timeout, error class "inferred" (store.ClassInferred), Error InferredError
//
// which the analyzer classifies as unavailable and counts under its own
// class, so an inferred failure is never mistaken for an observed one;
// run.json says settings.inferred = true, settings.inferred_rows, and lists
// settings.inferred_gaps, each with its edges (the scheduled starts either
// side, known to ± one mean inter-arrival time, 1/rate), the due count and
// the rows. These rows are not observations: nobody saw those transactions
// fail; the log shows that none was scheduled, because no pgbench client
// was alive. A gap therefore includes the time pgbench took to be
// restarted, and a pause between two pgbench runs reads as an outage.
// Stretches where only some clients were aborted are not inferred (the
// remaining clients keep the schedule dense). Nothing is inferred before
// the first or after the last transaction, nor without --rate: without a
// schedule the log cannot say that anything was due (the import says so).
// PgbenchOptions.NoInfer turns inference off; PgbenchOptions.MinGap
// overrides the gap threshold.
//
// Two things in a log are not believed. A transaction whose latency is
// more than 100 times the median and more than 10 s (a hung TCP
// connection) is named by file:line in a note and counted in
// settings.suspicious_transactions; it is kept as a row, but excuses no
// gap and counts for neither a run's rate nor the interval, each of which
// it would otherwise set alone. A line stamped far outside its file's
// time order (pgbench writes each thread's log in time order: more than 1
// s before the last line taken, or after the next line when that one is
// in order) is skipped, ReasonOutOfOrder; a clock that steps back (the
// next line as early) is no reason.
//
// # Memory and speed
//
// Imports stream: memory is bounded whatever the input's size. A pgbench
// import reads its files three times (pgbench_stream.go); JSON lines are
// read once. Lines are parsed on all cores (parseFiles: chunks of lines in
// parallel, results taken in input order, so reports, line numbers and
// the order of ties are those of a reading line by line), JSON objects by
// goccy/go-json with encoding/json for any line it refuses or that is not
// plain ASCII (decodeJSONL). The taken lines are sorted by spillSorter (a
// radix sort of the times in memory, skipped when they came in order, or
// sorted runs on disk in the import's hidden folder, merged with a heap),
// and rows are written as they come, segmentRows per segment, by a stage,
// which writes up to segmentWriters segments at once in the background,
// each encoded chunk by chunk as its rows come.
// Medians come from a bounded estimator (median.go), exact for inputs of
// up to medianExact values.
//
// # Writing an importer
//
// An importer of another format (an OTLP import, say) uses the same
// pieces, in this order (ImportJSONL is the short example):
//
//   - startImport(format, files, &opt) digests the files, names the run
//     (format-<16 hex>), refuses one already imported and returns the
//     stage st, the Report, the sources and the folder a Replace rewrites;
//     defer st.close(), which removes whatever is left of the hidden
//     folder.
//   - parseFiles(paths, fileOpener(srcs), parse, take) reads the files:
//     parse(*lineIn) runs on all cores and must keep no part of the line's
//     text; take(fi, *lineIn, *R) runs in input order on the caller's
//     goroutine and is where rep.skip(reason, path, line, err) and
//     rep.Taken++ go. (A format that is not lines reads its own way.)
//   - spillSorter[T]{group, at, size, enc, dec, dir: st.spillDir,
//     maxBytes: spillBytes}: add each record (a small struct of what the
//     row needs, not a store.Probe: it bounds memory by size's bytes),
//     then each(fn) gets them by group (a stream name, string order),
//     time, then input order. enc/dec write and read one record of a run
//     on disk; dec returns io.EOF at a run's end.
//   - streamWriter{sink: rowSink{write: st.write}, runID: st.runID,
//     streams: map[string]int64{}} numbers the rows of each stream, moves
//     a row with the time of the one before 1 ns later, and gives the
//     interval for run.json (interval()); a row passed to it (or to
//     st.write) is copied, so one Probe can be reused for every row.
//   - st.finish(info, existing, events) writes the last segments and
//     run.json (with st.counts) and moves the run into place; st.start,
//     st.end and st.rows are what was written.
//
// # Interval
//
// The analyzer reads the probe interval from run.json (settings.interval)
// and takes a step of more than three intervals between consecutive rows
// of a stream for a step of the clock, shifting later rows back. Imported
// rows are not on a grid, so the importer records as interval the larger of
// the median step and a third of the longest step of any stream: no pause
// is then taken for a clock step, at the price of a coarser resolution
// where the rows have long pauses (the analyzer states it beside every
// duration). Rows of one stream with the same scheduled start are moved
// 1 ns apart. settings.schedule says what the rows' times are: "poisson"
// (pgbench --rate), "closed_loop" (pgbench without --rate), "intervals"
// (aggregated) or "irregular" (JSON lines).
//
// # pgbench aggregated logs
//
// With --aggregate-interval each line is one interval of one thread.
// PostgreSQL 15 and later write 15 columns:
//
//	interval_start num_transactions sum_latency sum_latency_2 min_latency max_latency
//	sum_lag sum_lag_2 min_lag max_lag skipped retried retries serialization_failures deadlock_failures
//
// (versions before 15: the first 6, then the 4 lag columns with --rate and
// skipped with --latency-limit; also read). Lines of the same interval in
// several files are summed, and each interval becomes one row at its start:
// error (class other, with the counts in Error) if any transaction failed,
// else ok with the mean latency of the interval, else skipped if all were
// skipped. Without --failures-detailed pgbench counts no failures in
// aggregated logs at all. Under --rate (some lag) an interval with no
// transaction, and every interval missing between two logged ones, becomes
// an inferred row (Outcome timeout, Error InferredIntervalError), provided
// an empty interval is too unlikely by chance at the rate (as above). The
// analyzer's resolution is then one interval.
//
// # JSON lines requests
//
// ImportJSONL reads an application's own request log, one JSON object per
// line (see jsonl.go for the exact rules):
//
//	{"time":"2026-11-25T19:00:00.123456Z","op":"write","outcome":"ok","latency_ms":1.8}
//	{"start":"2026-11-25T19:00:00.2Z","end":"2026-11-25T19:00:02.2Z","op":"read","outcome":"timeout","error":"context deadline exceeded"}
//	{"time":"2026-11-25T19:00:00.3Z","op":"write","outcome":"error","latency_ns":350000,"error":"cannot execute INSERT in a read-only transaction","sqlstate":"25006","server":"10.0.1.7:5432"}
//
// # OpenTelemetry traces
//
// ImportOTLP reads the files of the Collector's file exporter (JSON lines
// of ExportTraceServiceRequest, or length-prefixed protobuf; plain, gzip
// or zstd, told from the content; readOTLPFile) through pdata's own
// unmarshalers, one line at a time, and makes a row of every PostgreSQL
// client span (otlpSpanRow; the mapping table is in the README, "Importing
// other tools' traces"). Other spans are skipped by reason (ReasonNotDB,
// ReasonOtherDB, ReasonNotClient, ...), named file:line:span. Spans are
// sorted twice by spillSorter: by trace and span id, so that a span read
// twice is counted once (ReasonDuplicate, or ReasonConflict with a note
// when the copies differ) and a trace's spans are seen together (a
// pool's connect is known by its parent, the pool's wait: one that worked
// is no request, one that failed joins its request's stream; see
// otlpImport.take), then by stream and start. Each stream identity
// (service.name, server.address:port, pool) becomes a profile whose name
// is derived from it (otlpProfileNames), and settings.profiles says which
// is which. Rows are not on a grid: settings.schedule is "irregular".
//
// # Events
//
// store.ReadEvents reads an events file in any of three formats, told
// apart by content: the lab's events.jsonl (store.Event per line), the JSON
// printed by "aws rds describe-events --output json", or a CSV
// "time,label[,end]"; and, once the command has called
// serverlog.Register (package importer/serverlog, which registers its
// formats with store), PostgreSQL's jsonlog, csvlog and stderr logs and
// PgBouncer's. Options.Events stores events of such files with an
// imported run, in its events.jsonl.
//
// # Tests
//
// The golden cases live in testdata/import at the module root: logs of the
// real pgbench (testdata/import/pgbench, regenerated with
//
//	go test ./importer -run TestRegenerate -regenerate && go test ./importer -run TestGolden -update
//
// which needs the PostgreSQL server binaries and pgbench), hand-written
// edge cases (pgbench-edge, jsonl, and events, whose golden test and
// fuzz test FuzzEvents are in record/store). Every parser has a fuzz test
// (FuzzPgbenchLine, FuzzJSONLLine; see fuzz_test.go; FuzzOTLPFile in
// otlp_fuzz_test.go). The OTLP import's fixtures are built through pdata
// (internal/otlpgen); its golden case, testdata/import/otlp/basic, is
// rewritten with "go test ./importer -run TestOTLPGolden -update". The
// fast paths are held to the code they replaced (equiv_test.go):
// FuzzJSONLLine and TestJSONLDecodersAgree compare each line's row and
// error with encoding/json's, TestImportJSONLMatchesReference compares a
// large messy import, in memory and spilled, with finishRows' rows, and
// TestCompareRuns compares two run folders row by row (an old binary's
// import against a new one's).
package importer
