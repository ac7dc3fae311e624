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
//	gaps.go      holes in a stream: missing slots on the grid (no data), lulls of closed-loop
//	             traffic (no traffic) and changes too far from any request to place
//	services.go  what each service of a run with several saw (imported traces)
//	run.go       one run from rows to RunResult; the pass that collects per-phase facts
//	metrics.go   per-run metrics (downtime, flaps, server and DNS changes, latency, staleness, lost writes)
//	hist.go      the log-linear latency histogram
//	series.go    the probes of the runs drawn in detail, for the report's pictures (result.Series)
//	stats.go     grouping runs (groupRuns) apart from their statistics (Summarize) and
//	compare.go   comparisons of groups (CompareGroups), both reading RunResults only
//	combine.go   stored summaries as groups of one comparison (Combine)
//	vantage.go   one switchover seen from several vantages (result.Switchover): runs grouped by
//	             switchover id or endpoint and time, put on the servers' clock, their spreads
//	truth.go     accuracy of the detected boundaries against ground-truth events (which edges
//	             matter: event.ChangesWhatClientsSee)
//	output.go    the JSON summary and the rows of phases.parquet (store.PhaseRow)
//	analyze.go   Options and Analyze: sources to Summary, several runs at once
//
// The result types (package analyze/result, named again here in
// results.go) are the stable interface to the report and to automation:
// Summary is what `switchwatch analyze --json` writes, and all that the
// report renders, so that a stored summary.json renders without its runs.
// The layers are benchstat's: per-run segmentation and metrics
// (analyzeRun: rows to a RunResult), then grouping, statistics and
// comparison, which read RunResults only and so work alike on a fresh
// analysis and on stored summaries. Everything
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
// known to ± one probe interval, and says so (on the recorder's grid;
// closed-loop traffic: "Edges of closed-loop traffic" below).
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
// percentile exceeds one interval and 100 ms, or its steady median latency
// itself exceeds the slow ceiling (1 s), so that its ordinary probes count
// as slow. A steady state between 100 ms and 1 s (a distant vantage, a
// path with added latency: lab run --vantages' latency vantage answers in
// about 0.9 s) only cuts the derived thresholds to their ceilings, 1 s
// slow and 2 s stalled, which the output shows; it is not degraded.
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
// # Missing data and lulls
//
// Two states say that the data cannot tell: they are neither healthy nor
// down, never count toward downtime or healthy time, and a lull between
// two failing stretches does not end the outage (Outages counts them as
// one; the downtime leaves the lull out). Metrics.NoDataTime and
// NoTrafficTime say how much of the window they took.
//
// no_data is the recorder's: its streams have a row for every slot of the
// grid, so a jump of Seq is missing rows, and the missing slots (half an
// interval either side of each missing intended start) are no data. A
// stream that starts, or ends, more than an interval after (before) the
// run's others has no data there too: phases never extend past a stream's
// data (within an interval a stream's first and last states are stretched
// to the run's ends, since the streams' grids are offset by a fraction of
// one). When streams are combined, a known failure outranks no data (the
// run was failing whatever the missing rows said), and no data outranks
// stalled and healthy (a hole may hide a failure): the order is
// unavailable > error > read_only > no_data > stalled > healthy. A
// downtime whose streams have no data somewhere is unknown (nil, named in
// Metrics.Unknown), its known part, a lower bound, kept as
// KnownWriteDowntime and KnownReadDowntime. Recovered is the last known
// state's: a run whose data ends failing, or failing then without data,
// has not shown a recovery.
//
// no_traffic is for closed-loop traffic, told by run.json's
// settings.schedule ("irregular": import otlp and import jsonl;
// "closed_loop": pgbench without --rate; RunResult.ClosedLoop). An
// application sends when it has work, in bursts and lulls, so a stretch
// without requests is not an outage. The lull bound of a stream is ten
// times its 90th percentile gap between requests, at least 1 s and at
// most 10 s: the 90th percentile, not the median, because the median of
// bursty traffic is the gap inside a burst and a multiple of it would
// call every pause between bursts a lull; ten times it gives a Poisson
// stream a chance of e^-23 per gap of a false lull; under 1 s a change
// is placed to ± half a second anyway, and over 10 s it cannot be placed
// within 5 s. A longer gap between requests of the same severity is a
// lull: each request stands for half the stream's median gap either side
// (at most a quarter of the gap), the rest is no traffic. A lull ranks
// below every state, so the run (or a service: ServiceResult) is in
// no_traffic only when none of its streams sent.
//
// # Edges of closed-loop traffic
//
// Without a grid each edge has its own resolution. A change between the
// last request in one state and the first in another lies somewhere
// between them: the edge is their midpoint (unbiased, as on the grid) and
// known to ± half their gap, whatever the lull bound, as long as that is
// within MaxEdgeUncertainty (5 s). Window.StartResolutionNS and
// EndResolutionNS say the ± of each edge of every phase and segment, and
// ResolutionNS, their sum, that of its duration; a downtime sums its
// windows' edges. A change across a gap of more than 10 s is
// unplaceable: the gap is no traffic, the change is listed in
// RunResult.UnplaceableEdges with the requests either side, and the
// edges next to it are ± the whole gap. A stream's own ends are its first
// request and its last request's answer.
//
// # Services
//
// A trace import's streams are service.name × server address (× pool),
// each a client profile that run.json's settings.profiles maps to its
// service. RunResult.Services says, for each service, its first and last
// failed request, its failures by class, and the server that answered
// its last success before the first failure and its first success after
// the last (the peer address where the spans carry one).
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
