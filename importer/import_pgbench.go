package importer

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/lines"
	"github.com/switchwatch/switchwatch/record/store"
)

// PgbenchOptions are the settings of ImportPgbench.
type PgbenchOptions struct {
	Options
	// Kind is the probe kind of every transaction: store.KindWrite (the
	// default; pgbench's built-in TPC-B-like script writes) or
	// store.KindRead (-S, select-only).
	Kind string
	// Conn is store.ConnPooled (default) or store.ConnNew (pgbench -C).
	Conn string
	// Rate is pgbench's --rate in transactions per second (times its
	// --sampling-rate, if it sampled: a sample of a Poisson schedule is a
	// Poisson schedule at the sampled rate); 0 estimates it from the logs
	// when they have a schedule_lag column.
	Rate float64
	// Seventh says what a seventh per-transaction column is (SeventhLag,
	// SeventhRetries); empty takes schedule_lag.
	Seventh string
	// AggregateInterval is pgbench's --aggregate-interval; 0 takes the
	// most common step between interval starts.
	AggregateInterval time.Duration
	// MinGap overrides the shortest stretch without transactions that is
	// inferred as unavailable (0: derived from the rate, see findGaps).
	MinGap time.Duration
	// NoInfer turns the inference of unavailability off.
	NoInfer bool
}

func (o *PgbenchOptions) defaults() error {
	if err := oneOf("kind", &o.Kind, store.KindWrite, store.KindRead); err != nil {
		return err
	}
	if err := oneOf("conn", &o.Conn, store.ConnPooled, store.ConnNew); err != nil {
		return err
	}
	switch o.Seventh {
	case SeventhAuto, SeventhLag, SeventhRetries:
	default:
		return fmt.Errorf("seventh column %q: want %s or %s", o.Seventh, SeventhLag, SeventhRetries)
	}
	if o.Rate < 0 || o.MinGap < 0 || o.AggregateInterval < 0 {
		return fmt.Errorf("rate, minimum gap and aggregate interval must not be negative")
	}
	return nil
}

// oneOf checks that *v is one of choices, setting it to the first (the
// default) when empty.
func oneOf(name string, v *string, choices ...string) error {
	if *v == "" {
		*v = choices[0]
		return nil
	}
	if slices.Contains(choices, *v) {
		return nil
	}
	return fmt.Errorf("%s %q: want %s", name, *v, strings.Join(choices, " or "))
}

// pgbenchInput is what the reader took from the files.
type pgbenchInput struct {
	txns []pgTxn
	aggs []pgAgg
	agg  bool // the files are aggregated logs
}

// readPgbench reads every file; lines of the format the first file's first
// good line sets are taken, everything else is counted as skipped.
func readPgbench(srcs []source, rep *Report) (*pgbenchInput, error) {
	in := &pgbenchInput{}
	format := 0 // 0 unknown, 1 per-transaction, 2 aggregated
	for fi, src := range srcs {
		f, err := os.Open(src.Path)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", src.Path, err)
		}
		err = readPgbenchFrom(f, src.Path, fi, in, &format, rep)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", src.Path, err)
		}
	}
	in.agg = format == 2
	return in, nil
}

// readPgbenchFrom reads the lines of one file (number fi, named path).
func readPgbenchFrom(r io.Reader, path string, fi int, in *pgbenchInput, format *int, rep *Report) error {
	return lines.Scan(r, func(line int, text string, terminated, tooLong bool) error {
		readPgbenchLine(in, format, path, fi, line, text, terminated, tooLong, rep)
		return nil
	})
}

func readPgbenchLine(in *pgbenchInput, format *int, path string, fi, line int, text string, terminated, tooLong bool, rep *Report) {
	if tooLong {
		rep.skip(ReasonNotPgbench, path, line, lines.ErrTooLong)
		return
	}
	if strings.TrimSpace(text) == "" {
		rep.skip(ReasonBlank, path, line, nil)
		return
	}
	if !terminated {
		// pgbench ends every line with a newline: one without is cut,
		// even when what is left happens to parse.
		rep.skip(ReasonTruncated, path, line, fmt.Errorf("no newline at the end of the file"))
		return
	}
	agg := isAggLine(strings.Fields(text))
	var a pgAgg
	var t pgTxn
	var err error
	if agg {
		a, err = parseAggLine(text)
	} else if t, err = parsePgbenchLine(text); err != nil && *format == 2 {
		_, err = parseAggLine(text) // say what is wrong with it as an aggregated line
	}
	if err != nil {
		rep.skip(ReasonNotPgbench, path, line, err)
		return
	}
	if *format == 0 {
		*format = 1
		if agg {
			*format = 2
		}
	}
	if agg != (*format == 2) {
		first := "a per-transaction"
		if *format == 2 {
			first = "an aggregated"
		}
		rep.skip(ReasonMixed, path, line, fmt.Errorf("the first pgbench line read is from %s log", first))
		return
	}
	if agg {
		a.file, a.line = fi, line
		in.aggs = append(in.aggs, a)
	} else {
		t.file, t.line = fi, line
		in.txns = append(in.txns, t)
	}
	rep.Taken++
}

// ImportPgbench converts pgbench logs (per-transaction or aggregated, one
// file per pgbench thread, from one or several consecutive pgbench runs)
// into one run folder in opt.Out. See the package documentation for the
// mapping and for what is inferred.
func ImportPgbench(ctx context.Context, files []string, opt PgbenchOptions) (*Result, error) {
	if err := opt.defaults(); err != nil {
		return nil, fmt.Errorf("import pgbench: %w", err)
	}
	rep := newReport()
	srcs, err := digestSources(files, rep)
	if err != nil {
		return nil, fmt.Errorf("import pgbench: %w", err)
	}
	runID := runIDFor("pgbench", srcs)
	existing, err := checkImported(opt.Out, runID, srcs, opt.Replace)
	if err != nil {
		return nil, fmt.Errorf("import pgbench: %w", err)
	}
	in, err := readPgbench(srcs, rep)
	if err != nil {
		return nil, fmt.Errorf("import pgbench: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, settings, inferred, err := buildPgbench(srcs, in, &opt, rep, runID)
	if err != nil {
		return nil, fmt.Errorf("import pgbench: %w", err)
	}
	start, end := rows[0].Intended, rows[0].Intended
	for i := range rows {
		start = min(start, rows[i].Intended)
		end = max(end, rows[i].Intended, rows[i].End)
	}
	labels := map[string]string{}
	for k, v := range opt.Labels {
		labels[k] = v
	}
	info := &store.RunInfo{
		RunID: runID, Tool: "switchwatch import pgbench", ToolVersion: store.Version(),
		Labels: labels, Settings: settings, Start: time.Unix(0, start).UTC(), End: stamp(end),
	}
	if len(opt.Events) > 0 {
		info.Settings["event_files"] = opt.Events
	}
	events, err := readRunEvents(&opt.Options, rep, start, end)
	if err != nil {
		return nil, fmt.Errorf("import pgbench: %w", err)
	}
	dir, counts, err := writeRun(&opt.Options, info, rows, existing, events)
	if err != nil {
		return nil, fmt.Errorf("import pgbench: %w", err)
	}
	return &Result{RunID: runID, RunDir: dir, Rows: int64(len(rows)), Counts: counts, Inferred: inferred, Report: rep, Replaced: existing != ""}, nil
}

// buildPgbench turns what readPgbench took into the run's rows (sorted,
// numbered, RunID set) and run.json settings. It touches no file.
func buildPgbench(srcs []source, in *pgbenchInput, opt *PgbenchOptions, rep *Report, runID string) ([]store.Probe, map[string]any, int64, error) {
	// A line that parses but contradicts itself once its columns are
	// known is skipped too.
	seventh := opt.Seventh
	if !in.agg {
		if seventh == SeventhAuto {
			seventh = guessSeventh(in.txns, rep)
		}
		kept := in.txns[:0]
		for _, t := range in.txns {
			if err := t.interpret(seventh); err != nil {
				rep.skip(ReasonNotPgbench, srcs[t.file].Path, t.line, err)
				rep.Taken--
				continue
			}
			kept = append(kept, t)
		}
		in.txns = kept
	}
	if opt.Strict && rep.SkippedTotal() > 0 {
		return nil, nil, 0, fmt.Errorf("%w: %v (%s)", ErrStrict, rep.Examples[0], rep)
	}
	if len(in.txns) == 0 && len(in.aggs) == 0 {
		return nil, nil, 0, fmt.Errorf("no pgbench log lines in %s (%s)", strings.Join(rep.Files, ", "), rep)
	}
	note := func(s string) {
		rep.Notes = append(rep.Notes, s)
		if opt.Warn != nil {
			opt.Warn(s)
		}
	}
	settings := map[string]any{
		"format":   "pgbench",
		"sources":  srcs,
		"kind":     opt.Kind,
		"conn":     opt.Conn,
		"lines":    map[string]any{"taken": rep.Taken, "skipped": rep.Skipped},
		"inferred": false,
	}
	var rows []store.Probe
	var inferred int64
	if in.agg {
		settings["format"] = "pgbench-aggregate"
		rows, inferred = pgbenchAggRows(in.aggs, opt, settings, note)
	} else {
		settings["seventh_column"] = seventh
		rows, inferred = pgbenchTxnRows(in.txns, opt, settings, note)
	}
	if len(rows) == 0 {
		return nil, nil, 0, fmt.Errorf("the logs of %s hold no transaction (%s)", strings.Join(rep.Files, ", "), rep)
	}
	settings["inferred"] = inferred > 0
	settings["inferred_rows"] = inferred
	iv := finishRows(rows, runID)
	settings["interval"] = intervalSetting(iv)
	return rows, settings, inferred, nil
}

// rowsByIntended sorts rows by intended start, keeping fileOf beside them.
type rowsByIntended struct {
	rows   []store.Probe
	fileOf []int
}

func (r rowsByIntended) Len() int           { return len(r.rows) }
func (r rowsByIntended) Less(i, j int) bool { return r.rows[i].Intended < r.rows[j].Intended }
func (r rowsByIntended) Swap(i, j int) {
	r.rows[i], r.rows[j] = r.rows[j], r.rows[i]
	r.fileOf[i], r.fileOf[j] = r.fileOf[j], r.fileOf[i]
}

// guessSeventh decides what a seventh column is when nobody said: retries
// when there are no skipped transactions (which exist only under --rate)
// and at least half the successful transactions have 0 in it (pgbench's
// schedule lag is the time a client woke up late, hardly ever exactly 0
// µs; retries are mostly 0), else schedule_lag. The import notes the
// guess.
func guessSeventh(txns []pgTxn, rep *Report) string {
	var seven, zero int64
	for _, t := range txns {
		if t.nExtra == 2 {
			return SeventhLag // 8 columns: lag and retries, no guess needed
		}
		if t.nExtra != 1 {
			continue
		}
		if t.status == txSkipped {
			return SeventhLag
		}
		if t.status == txOK {
			seven++
			if t.extra[0] == 0 {
				zero++
			}
		}
	}
	if seven == 0 {
		return SeventhLag
	}
	if 2*zero >= seven {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the seventh column is taken as retries (pgbench --max-tries without --rate): %d of %d successful transactions have 0 in it, which a schedule lag hardly ever is; pass --seventh lag if pgbench ran with --rate", zero, seven))
		return SeventhRetries
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("the seventh column is taken as schedule_lag (pgbench --rate): %d of %d successful transactions have a non-zero value; pass --seventh retries if pgbench ran with --max-tries and without --rate", seven-zero, seven))
	return SeventhLag
}

// pgbenchTxnRows maps per-transaction lines to probe rows, sorted by
// scheduled start, with the inferred rows of every gap.
func pgbenchTxnRows(txns []pgTxn, opt *PgbenchOptions, settings map[string]any, note func(string)) ([]store.Probe, int64) {
	endpoint := probeEndpoint(opt.Kind)
	rows, fileOf, sum := txnProbes(txns, opt, endpoint)
	settings["transactions"] = sum.byStatus
	settings["retries"] = sum.retries
	settings["schedule_lag"] = sum.hasLag
	settings["schedule"] = "poisson"
	if !sum.hasLag {
		settings["schedule"] = "closed_loop"
		note("the logs have no schedule_lag column (pgbench ran without --rate), so they cannot say when transactions were due: no unavailability is inferred; a stretch without transactions reads as no load, not as an outage")
		return rows, 0
	}
	rr := pgbenchRates(sum.fileSpan, fileOf, opt.Rate)
	settings["rate_source"] = rr.source
	settings["rate_per_s"] = rr.rates
	settings["pgbench_runs"] = len(rr.runs)
	if opt.NoInfer {
		note("inference of unavailability is off (--no-infer)")
		return rows, 0
	}
	return inferTxnGaps(rows, fileOf, rr, opt, endpoint, settings, note)
}

// probeEndpoint is the endpoint role of imported probes of kind.
func probeEndpoint(kind string) string {
	if kind == store.KindRead {
		return store.EndpointRead
	}
	return store.EndpointWrite
}

// txnSummary is what the transactions of a log say beside their rows.
type txnSummary struct {
	hasLag   bool
	retries  int64
	byStatus map[string]int64
	fileSpan map[int]span // scheduled starts of each file
}

// txnProbes maps every transaction to its row and sorts the rows by
// scheduled start (stable); fileOf[i] is the file of rows[i].
func txnProbes(txns []pgTxn, opt *PgbenchOptions, endpoint string) ([]store.Probe, []int, txnSummary) {
	rows := make([]store.Probe, 0, len(txns))
	sum := txnSummary{byStatus: map[string]int64{}, fileSpan: map[int]span{}}
	for _, t := range txns {
		p := txnProbe(t, opt, endpoint)
		sum.hasLag = sum.hasLag || t.lagUS >= 0
		sum.retries += max(t.retries, 0)
		sum.byStatus[txStatusNames[t.status]]++
		if s, ok := sum.fileSpan[t.file]; !ok {
			sum.fileSpan[t.file] = span{p.Intended, p.Intended}
		} else {
			sum.fileSpan[t.file] = span{min(s.lo, p.Intended), max(s.hi, p.Intended)}
		}
		rows = append(rows, p)
	}
	fileOf := make([]int, len(rows))
	for i := range txns {
		fileOf[i] = txns[i].file
	}
	sort.Stable(rowsByIntended{rows, fileOf})
	return rows, fileOf, sum
}

// txnProbe is the row of one transaction.
func txnProbe(t pgTxn, opt *PgbenchOptions, endpoint string) store.Probe {
	p := store.Probe{Kind: opt.Kind, Conn: opt.Conn, Endpoint: endpoint}
	end := t.endUS * 1000
	lag := max(t.lagUS, 0) * 1000
	switch t.status {
	case txOK:
		// time runs from the scheduled start (which is the actual
		// start without --rate), so it includes the schedule lag.
		p.Intended = end - t.timeUS*1000
		// A lag longer than the time cannot come from pgbench (the time
		// includes it); a seventh column read as lag that was something
		// else must not put the start after the end.
		p.Start = min(p.Intended+lag, end)
		p.End = end
		p.LatencyNS = p.End - p.Start
		p.Outcome = store.OutcomeOK
	case txSkipped:
		// pgbench 15 logs skipped transactions when it skips them and
		// with a schedule lag of 0: the row sits at that time, not
		// where the transaction was due (earlier, by more than
		// --latency-limit).
		p.Intended = end - lag
		p.Outcome = store.OutcomeSkipped
		p.Error = "pgbench: skipped, it would have started later than --latency-limit"
	default:
		// pgbench logs a failed transaction's end, not its start.
		p.Intended = end
		p.End = end
		p.Outcome = store.OutcomeError
		p.ErrorClass = store.ClassOther
		switch t.status {
		case txSerialization:
			p.SQLState, p.Error = "40001", "pgbench: serialization failure"
		case txDeadlock:
			p.SQLState, p.Error = "40P01", "pgbench: deadlock"
		default:
			p.Error = "pgbench: failed (a serialization or deadlock error; pgbench logs no other failure)"
		}
	}
	return p
}

// runRates are the transaction rates of the pgbench runs of a log.
type runRates struct {
	runOf            map[int]int // file → run
	runs             []span
	rates            []float64 // per run, transactions/s
	total, totalSpan float64   // transactions and seconds of all runs
	source           string    // "option" or "estimated per pgbench run"
}

// pgbenchRates finds the pgbench runs of the files and the rate of each:
// rate when given, else estimated run by run, since consecutive runs need
// not share one.
func pgbenchRates(fileSpan map[int]span, fileOf []int, rate float64) runRates {
	var rr runRates
	rr.runOf, rr.runs = pgbenchRuns(fileSpan)
	perRun := make([]int64, len(rr.runs))
	for _, f := range fileOf {
		perRun[rr.runOf[f]]++
	}
	rr.rates = make([]float64, len(rr.runs))
	for r := range rr.runs {
		rr.rates[r] = rate
		if rate == 0 {
			rr.rates[r] = runRate(perRun[r], rr.runs[r])
		}
		rr.total += float64(perRun[r])
		rr.totalSpan += float64(rr.runs[r].hi-rr.runs[r].lo) / 1e9
	}
	rr.source = "option"
	if rate == 0 {
		rr.source = "estimated per pgbench run"
		for r := range rr.rates {
			if rr.rates[r] == 0 && rr.totalSpan > 0 {
				rr.rates[r] = rr.total / rr.totalSpan // a run too short to tell: the overall rate
			}
		}
	}
	return rr
}

// inferTxnGaps adds the inferred rows of every gap in the scheduled starts
// of rows (sorted by scheduled start) and sorts the result.
func inferTxnGaps(rows []store.Probe, fileOf []int, rr runRates, opt *PgbenchOptions, endpoint string, settings map[string]any, note func(string)) ([]store.Probe, int64) {
	minGap := func(rate float64) int64 {
		if opt.MinGap > 0 {
			return int64(opt.MinGap)
		}
		return minGapNS(rate, len(rows))
	}
	times := make([]int64, len(rows))
	rowRates := make([]float64, len(rows))
	excused := make([]bool, len(rows))
	var inFlightUntil int64
	for i := range rows {
		times[i] = rows[i].Intended
		rowRates[i] = rr.rates[rr.runOf[fileOf[i]]]
		// A stretch without scheduled starts is no outage when pgbench
		// was demonstrably alive through it: a transaction that started
		// before it ended after it (a hang shows as a slow transaction,
		// and with --latency-limit the slots it blocked are skipped), or
		// the stretch ends in a skipped transaction (pgbench 15 logs those
		// when it skips them, with a schedule lag of 0, not when they were
		// due, so a burst of skips stands for the stretch before it).
		excused[i] = rows[i].Outcome == store.OutcomeSkipped || inFlightUntil >= rows[i].Intended
		inFlightUntil = max(inFlightUntil, rows[i].End)
	}
	gaps, due := findGaps(times, rowRates, excused, minGap)
	settings["inferred_gaps"] = gaps
	if len(gaps) == 0 {
		return rows, 0
	}
	var n int64
	for gi, g := range gaps {
		if n+int64(len(due[gi])) > maxInferredRows {
			note(fmt.Sprintf("not inferred: %s, and every later gap: more than %d inferred rows in one import (two unrelated pgbench runs?)", g, maxInferredRows))
			settings["inferred_gaps"] = gaps[:gi]
			break
		}
		for _, at := range due[gi] {
			rows = append(rows, store.Probe{
				Kind: opt.Kind, Conn: opt.Conn, Endpoint: endpoint, Intended: at,
				Outcome: store.OutcomeTimeout, ErrorClass: store.ClassInferred, Error: InferredError,
			})
			n++
		}
		note(fmt.Sprintf("inferred unavailable: %s", g))
	}
	note(fmt.Sprintf("%d rows inferred in %d gaps at the rate of the pgbench run before each (%s; %d runs, %.1f transactions/s overall); a gap is a stretch without any scheduled transaction that would happen by chance less than once in 1000 such imports, and includes the time pgbench took to be restarted", n, len(gaps), rr.source, len(rr.runs), rr.total/max(rr.totalSpan, 1e-9)))
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Intended < rows[j].Intended })
	return rows, n
}
