package importer

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/lines"
	"github.com/switchwatch/switchwatch/internal/regular"
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
		f, err := regular.Open(src.Path)
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
	st, rep, srcs, existing, err := startImport("pgbench", files, &opt.Options)
	if err != nil {
		return nil, err
	}
	defer st.close()
	runID := st.runID
	settings, inferred, err := importPgbenchFiles(ctx, srcs, fileOpener(srcs), &opt, rep, runID, rowSink{spillDir: st.spillDir, write: st.write})
	if err != nil {
		return nil, fmt.Errorf("import pgbench: %w", err)
	}
	if st.rows == 0 {
		return nil, fmt.Errorf("import pgbench: the logs of %s hold no transaction (%s)", strings.Join(rep.Files, ", "), rep)
	}
	start, end := st.start, st.end
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
	dir, err := st.finish(info, existing, events)
	if err != nil {
		return nil, fmt.Errorf("import pgbench: %w", err)
	}
	return &Result{RunID: runID, RunDir: dir, Rows: st.rows, Counts: st.counts, Inferred: inferred, Report: rep, Replaced: existing != ""}, nil
}

// pgbenchSettings are the run.json settings every pgbench import has;
// each kind of log adds its own.
func pgbenchSettings(format string, srcs []source, opt *PgbenchOptions, rep *Report) map[string]any {
	return map[string]any{
		"format":   format,
		"sources":  srcs,
		"kind":     opt.Kind,
		"conn":     opt.Conn,
		"lines":    map[string]any{"taken": rep.Taken, "skipped": rep.Skipped},
		"inferred": false,
	}
}

// buildPgbench turns the aggregated lines readPgbench took into the run's
// rows (sorted, numbered, RunID set) and run.json settings. It touches no
// file. Per-transaction logs are streamed instead (streamPgbenchTxns).
func buildPgbench(srcs []source, in *pgbenchInput, opt *PgbenchOptions, rep *Report, runID string) ([]store.Probe, map[string]any, int64, error) {
	if err := opt.refuseSkipped(rep); err != nil {
		return nil, nil, 0, err
	}
	if len(in.aggs) == 0 {
		return nil, nil, 0, fmt.Errorf("no pgbench log lines in %s (%s)", strings.Join(rep.Files, ", "), rep)
	}
	settings := pgbenchSettings("pgbench-aggregate", srcs, opt, rep)
	rows, inferred := pgbenchAggRows(in.aggs, opt, settings, opt.note(rep))
	if w, err := checkAggRate(in.aggs, settings, opt.Rate, srcs); err != nil {
		return nil, nil, 0, err
	} else if w != "" {
		opt.note(rep)(w)
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
func pgbenchRates(fileSpan map[int]span, perFile map[int]int64, rate float64) runRates {
	var rr runRates
	rr.runOf, rr.runs = pgbenchRuns(fileSpan)
	perRun := make([]int64, len(rr.runs))
	for f, n := range perFile {
		perRun[rr.runOf[f]] += n
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
