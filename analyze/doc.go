// Package analyze turns recorded switchover runs into outage phases, per-run
// metrics and statistics across runs.
//
// The pipeline is layered, one job per file:
//
//	read.go      find run folders and Parquet files; load a run (store.ListRunFiles); events (store.ReadEvents)
//	colread.go   store.ProbeReader's batches into compact rows: the columns the options need
//	             (columnsFor; Options.GroupsOnly leaves out those only per-run details use)
//	model.go     the compact row, the symbol table, a run's rows by stream
//	classify.go  give every probe a State; the slow and stall thresholds
//	stall.go     the stall threshold option, stalled spans until the answer, the disruption metrics
//	segment.go   order a stream, take out clock steps, cut it into maximal intervals of one State,
//	             and combine the streams into the run's phases
//	run.go       one run from rows to RunResult; the pass that collects per-phase facts
//	metrics.go   per-run metrics (downtime, flaps, server and DNS changes, latency, staleness, lost writes)
//	hist.go      the log-linear latency histogram
//	stats.go     group statistics across runs and comparisons of groups (benchmath, gonum/stat)
//	truth.go     accuracy of the detected boundaries against ground-truth events (which edges
//	             matter: store.ChangesWhatClientsSee)
//	output.go    the JSON summary and the rows of phases.parquet (store.PhaseRow)
//	analyze.go   Options and Analyze: sources to Summary, several runs at once
//
// The result types (result.go) are the stable interface to the report and to
// automation: Summary is what `switchwatch analyze --json` writes. Everything
// people read is rendered from it by package report, the text table of
// `switchwatch analyze` as well as report.md, with one set of formatters.
//
// # Decisions per class and state
//
// Every error class of store.ErrorClasses has its state in one table
// (classStates, ClassState), every phase state its label (PhaseLabel);
// tests walk the lists and fail when one has no decision.
//
// # Timing and resolution
//
// Every probe is placed at its intended start on the recorder's grid, not at
// the moment it actually ran or answered, so a probe that hung in a
// no-answer window is counted at the moment it was meant to start. A
// boundary between two states lies midway between the intended starts of
// the last probe of the one and the first of the other (stream.edge): the
// change lies somewhere between them, so the midpoint is unbiased and known
// to ± half their gap. Between a success and a failure the server answered
// promptly (read-only, an error, refused, reset; not a timeout, nor a
// failure that came only after hanging longer than the slow threshold),
// both probes show the state at their answer, so that boundary lies
// midway between the answers instead (Observed, else End), kept between
// the intended starts: a probe on a new connection is answered a set-up
// after it was meant to start. A window between two boundaries, and every Duration, is therefore
// known to ± one probe interval, and says so.
//
// Changes are the exception: a change of answering server, of timeline or
// of DNS answer is dated when a probe saw it (ClockObserved: Probe.Observed,
// else End for files of schema version 1; ClockIntended only for rows with
// neither), so that "when did clients reach the new primary" is the moment
// the new server answered, not the intended start of a probe that waited
// through a hold. Its resolution runs back to the last observation of the
// old value. DNS answers are dated by when the connection that used them
// was made, in lookup order (a pooled probe on an old connection carries an
// old answer, which is not news). Every change says its clock.
//
// # Slow probes
//
// Unless --slow sets it, the slow threshold is derived from the run's
// steady state, one threshold for every stream of the run (the run-wide
// rule, so that one pause reads the same on every stream): ten times the
// largest of its streams' steady medians (the median latency of a
// stream's successful probes before its first failure, or of all of them
// when fewer than 20 precede it), at least 10 ms, so that ordinary jitter
// never counts as slow, and at most 1 s, so that a run whose own steady
// state is slow cannot make its slowness the norm.
// Slow is mild slowness and stays healthy.
//
// # Stalled probes
//
// A probe that succeeded above its stream's stall threshold is stalled: the
// client waited, a disruption though not a failure (a pooler's PAUSE, a
// proxy buffering a switchover). Unless --stall sets it (an SLO, e.g. 1 s),
// the stall threshold is a hundred times the same run-wide steady median,
// at least 100 ms and at most 2 s (store.StallCeiling). Above it a
// probe is stalled whatever the slow threshold is. A stalled stretch of a
// stream lasts until its last stalled probe was answered: held requests are
// released together, and by intended start alone a hold of H would measure
// H minus the threshold. The backlog after failures is stalled the same way,
// so a stream is not healthy until its latency is back under the threshold.
// Failing and stalling stay separate numbers: downtime and outages count
// failures; stalled time and Metrics.Disruption (by kind: stall time,
// disruption time from the first failure or stall to the last, and the max
// and p99 latency inside it) measure the wait.
//
// # Degraded recordings
//
// A run's thresholds come from the run, so a run whose recorder fell
// behind judges itself by its own slowness. recorder.go measures how well
// the recorder kept its schedule (RunResult.Recorder) and flags the run
// degraded when more than 1 % of its slots were skipped, its median
// schedule lag (start − intended) exceeds half an interval, its 99th
// percentile exceeds one interval and 100 ms, or its steady state is so
// slow that the derived thresholds were cut to their ceilings.
//
// # Phases
//
// At every moment each stream is in the state of its latest probe; ok and
// slow are healthy, and a skipped probe (the in-flight limit was hit) carries
// on the state before it, since it tells nothing new. The run is in the most
// severe state of its streams: unavailable > error > read_only > stalled >
// healthy.
// Read-only therefore means: writes fail with read_only while no stream is
// unavailable or failing otherwise. No order of phases is assumed.
//
// Every byte on disk is record/store's: the probe rows and their Parquet
// columns, run.json, journals, verify.json, the events formats and
// phases.parquet. This package imports store and statistics libraries only
// (no importer, lab or recorder; deps_test.go checks it).
//
// This package must never import pgx or anything that talks to a database,
// and never renders pictures or text for people (package report does). It must not keep a
// whole dataset in memory: memory grows with the largest single run.
package analyze
