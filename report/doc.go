// Package report turns an analysis (result.Summary) into something people
// look at: a Markdown report (report.md) and its pictures, each as PNG and
// SVG, good enough to paste into a wiki page or a pull request unchanged.
//
// The layers are the usual ones:
//
//	Build        computes the report model from a Summary: groups, the runs
//	             drawn in detail, availability timelines, capacity planning
//	WriteMarkdown renders the model as Markdown to an io.Writer
//	WriteText    renders a Summary as the plain text of `switchwatch analyze`
//	WriteCSV     writes every run's metrics as CSV, a row per run
//	Figure.Render renders one picture to an io.Writer ("png" or "svg")
//
// # One presentation model, several renderers
//
// The text and the Markdown show the same things the same way: the cells
// of the accuracy tables, the phase lines and the stream lines are made
// once (present.go) with the one set of formatters (format.go: a time on the probe grid shows the decimals its
// resolution warrants, "7.1 s"; a time measured exactly, such as a
// latency, three significant digits, "3.59 ms"; counts with fmtCount), as
// a table of cells (table.go) that the text renderer lays out in aligned
// columns and the Markdown renderer as a pipe table, escaping the cells
// that come from the data. A renderer picks columns and writes its own
// prose around the tables; it formats no number itself. The JSON is the
// Summary itself (analyze.WriteJSON); WriteCSV writes every run's metrics,
// a row per run.
//
// # The text's group tables
//
// What `switchwatch analyze` prints is shaped like benchstat's output
// (grouptab.go): a table per kind of request (writes, reads, the whole
// run; metricKinds), a metric per row and a group per column. A row is
// formatted by one numFmt (format.go), so that its cells keep the same
// unit and decimals: seconds to the decimals the row's coarsest
// resolution warrants, exact latencies in milliseconds, counts bare. A
// cell is the median ± the half-width of its 95% confidence interval, or
// below 6 runs the median and the range [min max]; beside each group but
// the baseline, the difference from it: "~" when not significant, a
// percentage only against a baseline that does not show as 0, with the p
// and n unless most differences share them. What the cells mean, and why
// a group has no comparison, is said once under the tables, not in every
// cell. The per-run sections (TextOptions.Runs) come before them; the
// Markdown keeps its own long tables (statsTable, comparisonTable).
//
// Every probe state, phase state and error class has its colour
// (palette.go) and its prose (prose.go) in a table keyed by the analyzer's
// lists; a test fails when one lacks an entry.
//
// Pictures: figures.go lists them and holds what several share (the run
// window, phase bands, event lines, legends, ticks); each picture is one
// file, figure_typical.go, figure_spread.go, figure_ecdf.go,
// figure_timeline.go and figure_latency.go.
//
// The caller (the switchwatch command) decides where the files go and
// writes them: report.md references every picture as Figure.Name plus
// "." and the format, beside it. This package never creates files. Every string that comes from the
// data (labels, run ids, error messages, server names, event names) goes
// through Escape or EscapeCell before it reaches the Markdown, so that it
// can neither break the layout nor inject links, images or HTML.
//
// # Colours
//
// One colour per probe state, defined once (StateColor, from the
// Okabe–Ito palette, which stays distinguishable with the common forms of
// colour blindness) and used by every picture; phases are shaded in the
// colour of their state.
//
// # Many runs
//
// Tables list every run; pictures of single runs (a timeline with one lane
// per probe stream, every probe a mark at its intended time, and the
// latency of every probe on a log scale) are drawn only for the median and
// the worst run by write downtime (per group, up to four groups) and the
// runs named in Options.Show (result.Summary.DetailRuns). Their probes
// come from the summary (result.Series: each stream's states run-length
// encoded, and the latency points, which the analysis thinned to the
// lowest and highest of each state in each of 1,500 time bins above
// 20,000). A run whose probes the summary does not carry (an older
// summary, a --show run the analysis did not keep) has its timeline drawn
// from its segments, and its latency picture fails to render with an error
// that says so (the caller shows it in place of the picture).
//
// # Availability timelines
//
// A run's write availability timeline is built from the segments the
// analyzer found (result.StreamResult.Segments) of its write streams: a
// moment is failing when any write stream is then in state read_only,
// unavailable or error; a skipped probe carries on the state before it
// (unavailable at the very start). This is the same definition as the
// analyzer's write downtime, so the length of the failing set equals
// Metrics.WriteDowntime. Reads are treated the same way with the read
// streams.
//
// # Retry replay (capacity planning)
//
// With a request rate R and a retry policy, the report replays each run's
// recorded availability timeline against the policy. The model:
//
//   - requests arrive uniformly in time at R per second over the run;
//   - an attempt at time t fails exactly when the timeline is failing at t
//     (any write stream failing for writes, any read stream for reads);
//     after the end of the run the timeline keeps its last state;
//   - a failed attempt takes what the recorded probes took where it
//     landed: the median latency of the failing segment (analyze's
//     Segment.MedianLatencyNS; where several streams of the kind fail at
//     once, the largest), so an attempt in a window of connect timeouts
//     costs the timeout and one in a read-only window a round trip; the
//     next attempt starts that long plus the policy's delay later;
//   - a request fails when every attempt fails; its added latency is the
//     time from its arrival to the start of its successful attempt (the
//     failed attempts' latencies and the delays between them);
//   - attempts of different requests are independent (no extra load, no
//     circuit breaker, no connection-pool effects).
//
// The expected number of failed requests of a run is then R times the
// length of the set of arrival times whose every attempt fails, computed
// exactly: the arrival times still failing are kept as stretches, each
// with the offset of its next attempt, and each retry intersects them with
// the failing set shifted by that offset (a stretch that meets failing
// windows of different costs splits into stretches of different offsets). Every boundary is known to ± half a probe interval
// (a window to ± one), so these numbers are too.
//
// This package renders summaries, never run folders: of this module it
// imports analyze/result (the results and the analyzer's lists of states,
// classes and metrics, never a copy) and internal packages (internal/vocab
// for the probe format's words), and never record/store or analyze, whose
// readers it has no use for (deps_test.go). A stored summary.json renders
// the same report as the analysis that wrote it. It must not write files
// or depend on the current time: the same Summary gives byte-identical
// Markdown.
package report
