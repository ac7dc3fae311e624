package importer

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unsafe"

	"github.com/switchwatch/switchwatch/internal/lines"
	"github.com/switchwatch/switchwatch/internal/regular"
	"github.com/switchwatch/switchwatch/record/store"
)

// A pgbench import reads its files three times, holding a bounded amount
// whatever their size: a first pass for what the interpretation of every
// line depends on (the log format, what a seventh column is, the median
// latency), a second that takes or skips each line (the report) and
// collects the spans and counts the rates come from, sorting the taken
// transactions by scheduled start (spillSorter: in memory when few, in
// sorted runs on disk when many), and a merge of those that infers the
// gaps and writes the rows as they come (stage). Aggregated logs, one line
// per interval and thread, are read into memory.

// opener opens input file number i.
type opener func(i int) (io.ReadCloser, error)

func fileOpener(srcs []source) opener {
	return func(i int) (io.ReadCloser, error) {
		f, err := regular.Open(srcs[i].Path)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", srcs[i].Path, err)
		}
		return f, nil
	}
}

// pgbenchGlobals is what the first pass found.
type pgbenchGlobals struct {
	format int // 0 no pgbench line, 1 per-transaction, 2 aggregated
	// what a seventh column is (see guessSeventh)
	lagSure     bool
	seven, zero int64
	latency     median // time of the successful transactions, µs
}

// pgLine is what one line of a pgbench log is, as classifyPgLine finds
// on any goroutine: both passes decide from it what to do with the line.
type pgLine struct {
	blank  bool
	agg    bool  // it looks like an aggregated line (isAggLine)
	aggErr error // parseAggLine's, for an aggregated line
	t      pgTxn // parsePgbenchLine's, for any other
	err    error
	// failure: a per-transaction line refused (err) whose time field
	// still says a failure (failed, serialization or deadlock)
	failure bool
}

func classifyPgLine(l *lineIn) pgLine {
	var r pgLine
	if l.tooLong {
		return r
	}
	// The line is read in place, not copied (a string per line was a
	// fifth of a pgbench import's allocations); the parsers keep no part
	// of it, and a line they refuse is parsed again from a copy, so that
	// no error can point into the reused buffer.
	text := unsafe.String(unsafe.SliceData(l.text), len(l.text))
	if strings.TrimSpace(text) == "" {
		r.blank = true
		return r
	}
	var dst [maxFields]string
	f, n := fieldsOf(text, &dst)
	r.agg = isAggLine(f)
	if r.agg {
		if _, r.aggErr = parseAggLine(text); r.aggErr != nil {
			_, r.aggErr = parseAggLine(strings.Clone(text))
		}
		return r
	}
	if r.t, r.err = parsePgbenchFields(f, n); r.err != nil {
		r.t, r.err = parsePgbenchLine(strings.Clone(text))
		r.failure = n >= 3 && (f[2] == "failed" || f[2] == "serialization" || f[2] == "deadlock")
	}
	return r
}

// scanPgLines calls fn for every line of every file, in order, with what
// classifyPgLine found, which runs on all cores.
func scanPgLines(srcs []source, open opener, fn func(fi int, l *lineIn, r *pgLine)) error {
	paths := make([]string, len(srcs))
	for i, src := range srcs {
		paths[i] = src.Path
	}
	return parseFiles(paths, open, classifyPgLine, func(fi int, l *lineIn, res *pgLine) error {
		fn(fi, l, res)
		return nil
	})
}

// scanPgbench is the first pass. It reports nothing: the second pass
// takes or skips each line.
func scanPgbench(srcs []source, open opener) (*pgbenchGlobals, error) {
	g := &pgbenchGlobals{}
	err := scanPgLines(srcs, open, func(fi int, l *lineIn, r *pgLine) {
		if l.tooLong || !l.terminated || r.blank {
			return
		}
		if g.format == 0 {
			if r.agg {
				if r.aggErr == nil {
					g.format = 2
				}
				return
			}
			if r.err == nil {
				g.format = 1
			}
		}
		if g.format != 1 || r.agg || r.err != nil {
			return
		}
		t := r.t
		switch {
		case t.nExtra == 2, t.nExtra == 1 && t.status == txSkipped:
			g.lagSure = true
		case t.nExtra == 1 && t.status == txOK:
			g.seven++
			if t.extra[0] == 0 {
				g.zero++
			}
		}
		if t.status == txOK {
			g.latency.add(t.timeUS)
		}
	})
	return g, err
}

// seventh decides what a seventh column is when nobody said: see
// guessSeventh.
func (g *pgbenchGlobals) seventh(rep *Report) string {
	if g.lagSure || g.seven == 0 {
		return SeventhLag
	}
	if 2*g.zero >= g.seven {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the seventh column is taken as retries (pgbench --max-tries without --rate): %d of %d successful transactions have 0 in it, which a schedule lag hardly ever is; pass --seventh lag if pgbench ran with --rate", g.zero, g.seven))
		return SeventhRetries
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("the seventh column is taken as schedule_lag (pgbench --rate): %d of %d successful transactions have a non-zero value; pass --seventh retries if pgbench ran with --max-tries and without --rate", g.seven-g.zero, g.seven))
	return SeventhLag
}

// A transaction is suspicious when its latency is far beyond the others:
// more than suspectFactor times the median and more than suspectMin (a
// hung TCP connection, say). It is kept as a row, but it excuses no gap
// and counts for neither the rate nor the interval, which it would
// otherwise set alone.
const (
	suspectFactor = 100
	suspectMin    = 10 * time.Second
)

// orderSlack is how far back a line's time may step within one file:
// pgbench writes each thread's log in time order, so a line stamped
// further outside its neighbours' order is out of order.
const orderSlack = time.Second

// orderCheck finds the lines of one file stamped far outside the file's
// time order, looking one line ahead: a line after the next one by more
// than orderSlack, when the next one is in order with the last line
// taken, is stamped late; one before the last line taken by more than
// orderSlack is stamped early, unless the next line is as early (then the
// clock stepped back, and the lines after it are in order again).
type orderCheck struct {
	hasPrev  bool
	prev     pgTxn
	hasCur   bool
	cur      pgTxn
	slack    int64 // µs
	accept   func(t pgTxn)
	outOfOrd func(t pgTxn, err error)
}

func (o *orderCheck) push(t pgTxn) {
	if o.hasCur {
		o.decide(&t)
	}
	o.cur, o.hasCur = t, true
}

func (o *orderCheck) end() {
	if o.hasCur {
		o.decide(nil)
	}
	o.hasCur = false
}

func (o *orderCheck) decide(next *pgTxn) {
	cur := o.cur
	us := func(d int64) time.Duration { return (time.Duration(d) * time.Microsecond).Round(time.Millisecond) }
	switch {
	case next != nil && next.endUS < cur.endUS-o.slack && (!o.hasPrev || next.endUS >= o.prev.endUS-o.slack):
		o.outOfOrd(cur, fmt.Errorf("stamped %v after the next line (%d); pgbench writes each thread's log in time order", us(cur.endUS-next.endUS), next.line))
	case o.hasPrev && cur.endUS < o.prev.endUS-o.slack && (next == nil || next.endUS > cur.endUS+o.slack || next.endUS < cur.endUS-o.slack):
		o.outOfOrd(cur, fmt.Errorf("stamped %v before line %d; pgbench writes each thread's log in time order", us(o.prev.endUS-cur.endUS), o.prev.line))
	default:
		o.prev, o.hasPrev = cur, true
		o.accept(cur)
	}
}

// txRec is a taken transaction as the sorter holds it: what txnProbe and
// gapMerge read of it, in 48 bytes.
// The sorter keeps records of the same scheduled start in input order.
type txRec struct {
	intended             int64 // the sort key: the scheduled start, ns
	endUS, timeUS, lagUS int64
	file, line           int32
	status               uint8
	suspect              bool
}

func newTxRec(t *pgTxn, intended int64, suspect bool) txRec {
	return txRec{intended: intended, endUS: t.endUS, timeUS: t.timeUS, lagUS: t.lagUS,
		file: int32(t.file), line: int32(t.line), status: t.status, suspect: suspect}
}

// txn is the transaction again, as far as txnProbe and gapMerge read it.
func (r *txRec) txn() pgTxn {
	return pgTxn{endUS: r.endUS, timeUS: r.timeUS, lagUS: r.lagUS, file: int(r.file), line: int(r.line), status: r.status}
}

const txRecSize = 8 * 6

func encTxRec(w *bufio.Writer, r *txRec) error {
	var b [txRecSize]byte
	flags := uint64(r.status)
	if r.suspect {
		flags |= 1 << 8
	}
	for i, v := range []uint64{uint64(r.intended), uint64(r.endUS), uint64(r.timeUS), uint64(r.lagUS),
		uint64(uint32(r.file)) | uint64(uint32(r.line))<<32, flags} {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	_, err := w.Write(b[:])
	return err
}

func decTxRec(rd *bufio.Reader, r *txRec) error {
	var b [txRecSize]byte
	if _, err := io.ReadFull(rd, b[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return fmt.Errorf("a cut record")
		}
		return err
	}
	u := func(i int) uint64 { return binary.LittleEndian.Uint64(b[8*i:]) }
	*r = txRec{intended: int64(u(0)), endUS: int64(u(1)), timeUS: int64(u(2)), lagUS: int64(u(3)),
		file: int32(uint32(u(4))), line: int32(uint32(u(4) >> 32)), status: uint8(u(5)), suspect: u(5)&(1<<8) != 0}
	return nil
}

// rowSink receives the finished rows of an import, in order.
type rowSink struct {
	spillDir func() (string, error)
	write    func(*store.Probe) error
}

// importPgbenchFiles reads the files and writes the rows of the run to
// sink; it returns the run.json settings and the number of inferred rows.
func importPgbenchFiles(ctx context.Context, srcs []source, open opener, opt *PgbenchOptions, rep *Report, runID string, sink rowSink) (map[string]any, int64, error) {
	g, err := scanPgbench(srcs, open)
	if err != nil {
		return nil, 0, err
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if g.format == 2 {
		in := &pgbenchInput{}
		format := 0
		for fi, src := range srcs {
			r, err := open(fi)
			if err != nil {
				return nil, 0, err
			}
			err = readPgbenchFrom(r, src.Path, fi, in, &format, rep)
			r.Close()
			if err != nil {
				return nil, 0, fmt.Errorf("read %s: %w", src.Path, err)
			}
		}
		in.agg = true
		rows, settings, inferred, err := buildPgbench(srcs, in, opt, rep, runID)
		if err != nil {
			return nil, 0, err
		}
		for i := range rows {
			if err := sink.write(&rows[i]); err != nil {
				return nil, 0, err
			}
		}
		return settings, inferred, nil
	}
	return streamPgbenchTxns(ctx, srcs, open, g, opt, rep, runID, sink)
}

// txnPass is the second pass over per-transaction logs: what it collects
// and what it needs to take each line.
type txnPass struct {
	srcs      []source
	opt       *PgbenchOptions
	rep       *Report
	seventh   string
	suspectUS int64
	sorter    *spillSorter[txRec]
	sortErr   error
	// lines whose columns contradict them: reported after the others, as ever
	deferred []*store.LineError

	sum      txnSummary
	perFile  map[int]int64 // transactions that count for the rate, by file
	taken    int64
	suspects []string // the first, "file:line (latency)"
	nSuspect int64
	fails    *failureCounts
}

func streamPgbenchTxns(ctx context.Context, srcs []source, open opener, g *pgbenchGlobals, opt *PgbenchOptions, rep *Report, runID string, sink rowSink) (map[string]any, int64, error) {
	seventh := opt.Seventh
	if seventh == SeventhAuto {
		seventh = g.seventh(rep)
	}
	note := opt.note(rep)
	medUS := g.latency.value()
	ps := &txnPass{srcs: srcs, opt: opt, rep: rep, seventh: seventh, suspectUS: max(suspectFactor*medUS, suspectMin.Microseconds()),
		sorter: &spillSorter[txRec]{at: func(r *txRec) int64 { return r.intended }, size: func(*txRec) int { return int(unsafe.Sizeof(txRec{})) },
			enc: encTxRec, dec: decTxRec, dir: sink.spillDir, maxBytes: spillBytes},
		sum: txnSummary{byStatus: map[string]int64{}, fileSpan: map[int]span{}}, perFile: map[int]int64{}, fails: newFailureCounts(len(srcs))}
	if err := ps.scan(open); err != nil {
		return nil, 0, err
	}
	for _, le := range ps.deferred {
		if len(rep.Examples) < maxExamples {
			rep.Examples = append(rep.Examples, le)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if err := opt.refuseSkipped(rep); err != nil {
		return nil, 0, err
	}
	if ps.taken == 0 {
		return nil, 0, fmt.Errorf("no pgbench log lines in %s (%s)", strings.Join(rep.Files, ", "), rep)
	}
	if err := checkPgbenchFiles(srcs, ps.sum.fileSpan, rep); err != nil {
		return nil, 0, err
	}
	if err := ps.fails.check(sourcePaths(srcs), opt.MaxSkippedFailures); err != nil {
		return nil, 0, err
	}
	if ps.nSuspect > 0 {
		more := ""
		if ps.nSuspect > int64(len(ps.suspects)) {
			more = fmt.Sprintf(" and %d more", ps.nSuspect-int64(len(ps.suspects)))
		}
		note(fmt.Sprintf("suspicious: %d transactions took more than %d times the median latency %v and more than %v (a hung connection?): %s%s; kept as rows, but they excuse no gap and count for neither the rate nor the interval",
			ps.nSuspect, suspectFactor, time.Duration(medUS)*time.Microsecond, suspectMin, strings.Join(ps.suspects, ", "), more))
	}
	settings := pgbenchSettings("pgbench", srcs, opt, rep)
	settings["seventh_column"] = seventh
	settings["transactions"] = ps.sum.byStatus
	settings["retries"] = ps.sum.retries
	settings["schedule_lag"] = ps.sum.hasLag
	settings["schedule"] = "poisson"
	if ps.nSuspect > 0 {
		settings["suspicious_transactions"] = ps.nSuspect
	}
	inferred, err := ps.merge(settings, note, runID, sink)
	return settings, inferred, err
}

// scan reads the files, takes or skips each line and sorts the taken
// transactions (sorter).
func (ps *txnPass) scan(open opener) error {
	var oc *orderCheck
	curFile := -1
	err := scanPgLines(ps.srcs, open, func(fi int, l *lineIn, r *pgLine) {
		line := l.line
		if fi != curFile {
			if oc != nil {
				oc.end()
			}
			curFile = fi
			oc = &orderCheck{slack: orderSlack.Microseconds(), accept: ps.accept, outOfOrd: func(t pgTxn, err error) {
				ps.rep.skip(ReasonOutOfOrder, ps.srcs[t.file].Path, t.line, err)
			}}
		}
		path := ps.srcs[fi].Path
		t, le := takeTxnLine(path, l, r, ps.rep)
		if le != nil {
			if r.failure {
				ps.fails.skip(fi, le)
			}
			return
		}
		t.file, t.line = fi, line
		if err := t.interpret(ps.seventh); err != nil {
			ps.rep.Skipped[ReasonNotPgbench]++
			le := &store.LineError{File: path, Line: line, Err: fmt.Errorf("%s: %w", ReasonNotPgbench, err)}
			if len(ps.deferred) < maxExamples {
				ps.deferred = append(ps.deferred, le)
			}
			if txFailure(t.status) {
				ps.fails.skip(fi, le)
			}
			return
		}
		oc.push(t)
	})
	if oc != nil {
		oc.end()
	}
	if err != nil {
		return err
	}
	return ps.sortErr
}

// accept takes a transaction that is in order: it counts it and hands it
// to the sorter.
func (ps *txnPass) accept(t pgTxn) {
	ps.rep.Taken++
	ps.taken++
	if txFailure(t.status) {
		ps.fails.taken[t.file]++
	}
	p := txnProbe(t, ps.opt, "")
	rec := newTxRec(&t, p.Intended, t.status == txOK && t.timeUS > ps.suspectUS)
	ps.sum.hasLag = ps.sum.hasLag || t.lagUS >= 0
	ps.sum.retries += max(t.retries, 0)
	ps.sum.byStatus[txStatusNames[t.status]]++
	if rec.suspect {
		ps.nSuspect++
		if len(ps.suspects) < maxExamples {
			ps.suspects = append(ps.suspects, fmt.Sprintf("%s:%d (%v)", ps.srcs[t.file].Path, t.line, time.Duration(t.timeUS)*time.Microsecond))
		}
	} else {
		if s, ok := ps.sum.fileSpan[t.file]; !ok {
			ps.sum.fileSpan[t.file] = span{p.Intended, p.Intended}
		} else {
			ps.sum.fileSpan[t.file] = span{min(s.lo, p.Intended), max(s.hi, p.Intended)}
		}
		ps.perFile[t.file]++
	}
	if ps.sortErr == nil {
		ps.sortErr = ps.sorter.add(rec)
	}
}

// merge writes the sorted transactions and the rows inferred in their
// gaps to sink, adding what it found to settings; it returns the number
// of inferred rows.
func (ps *txnPass) merge(settings map[string]any, note func(string), runID string, sink rowSink) (int64, error) {
	opt := ps.opt
	out := &txnWriter{sink: sink, runID: runID}
	m := &gapMerge{opt: opt, endpoint: probeEndpoint(opt.Kind), note: note, out: out, n: ps.taken}
	if !ps.sum.hasLag {
		settings["schedule"] = "closed_loop"
		note("the logs have no schedule_lag column (pgbench ran without --rate), so they cannot say when transactions were due: no unavailability is inferred; a stretch without transactions reads as no load, not as an outage")
	} else {
		m.rr = pgbenchRates(ps.sum.fileSpan, ps.perFile, opt.Rate)
		w, err := checkRate(m.rr, opt.Rate, ps.perFile, ps.srcs)
		if err != nil {
			return 0, err
		}
		if w != "" {
			note(w)
		}
		settings["rate_source"] = m.rr.source
		settings["rate_per_s"] = m.rr.rates
		settings["pgbench_runs"] = len(m.rr.runs)
		if opt.NoInfer {
			note("inference of unavailability is off (--no-infer)")
		} else {
			m.infer = true
		}
	}
	if err := ps.sorter.each(m.take); err != nil {
		return 0, err
	}
	if err := m.done(); err != nil {
		return 0, err
	}
	if m.infer {
		settings["inferred_gaps"] = m.gaps
		if m.found > 0 {
			note(fmt.Sprintf("%d rows inferred in %d gaps at the rate of the pgbench run before each (%s; %d runs, %.1f transactions/s overall); a gap is a stretch without any scheduled transaction that would happen by chance less than once in 1000 such imports, and includes the time pgbench took to be restarted", m.inferred, m.found, m.rr.source, len(m.rr.runs), m.rr.total/max(m.rr.totalSpan, 1e-9)))
		}
	}
	settings["inferred"] = m.inferred > 0
	settings["inferred_rows"] = m.inferred
	settings["interval"] = intervalSetting(out.interval())
	return m.inferred, nil
}

// takeTxnLine takes one line of a per-transaction log, or skips it for a
// reason (as readPgbenchLine does for either format) and returns the
// skipped line.
func takeTxnLine(path string, l *lineIn, r *pgLine, rep *Report) (pgTxn, *store.LineError) {
	line := l.line
	switch {
	case l.tooLong:
		return pgTxn{}, rep.skip(ReasonNotPgbench, path, line, lines.ErrTooLong)
	case r.blank:
		return pgTxn{}, rep.skip(ReasonBlank, path, line, nil)
	case !l.terminated:
		return pgTxn{}, rep.skip(ReasonTruncated, path, line, fmt.Errorf("no newline at the end of the file"))
	case r.agg && r.aggErr != nil:
		return pgTxn{}, rep.skip(ReasonNotPgbench, path, line, r.aggErr)
	case r.agg:
		return pgTxn{}, rep.skip(ReasonMixed, path, line, fmt.Errorf("the first pgbench line read is from a per-transaction log"))
	case r.err != nil:
		return pgTxn{}, rep.skip(ReasonNotPgbench, path, line, r.err)
	}
	return r.t, nil
}

// gapMerge takes the transactions in order of scheduled start, infers the
// rows of every gap between them (see findGaps) and passes all rows on.
type gapMerge struct {
	opt      *PgbenchOptions
	endpoint string
	note     func(string)
	out      *txnWriter
	rr       runRates
	infer    bool
	n        int64 // transactions in all

	hasLast  bool
	last     int64 // scheduled start of the last transaction that counts
	lastRate float64
	inFlight int64 // the latest end of those
	pending  []store.Probe
	row      store.Probe // the row of the transaction being taken
	inf      store.Probe // the inferred row being written (take's row waits meanwhile)
	stopped  bool
	found    int // gaps found, inferred or not
	gaps     []Gap
	inferred int64
}

func (m *gapMerge) take(r *txRec) error {
	t := r.txn()
	// One row, used again for each: a row passed on by address would
	// otherwise be a heap allocation of a few hundred bytes per line.
	m.row = txnProbe(t, m.opt, m.endpoint)
	p := &m.row
	if r.suspect {
		// written in order, but after any inferred row before it
		m.pending = append(m.pending, *p)
		return nil
	}
	rate := 0.0
	if m.infer {
		rate = m.rr.rates[m.rr.runOf[t.file]]
	}
	// A stretch without scheduled starts is no outage when pgbench was
	// demonstrably alive through it: a transaction that started before it
	// ended after it (a hang shows as a slow transaction, and with
	// --latency-limit the slots it blocked are skipped), or the stretch
	// ends in a skipped transaction (pgbench 15 logs those when it skips
	// them, with a schedule lag of 0, not when they were due, so a burst
	// of skips stands for the stretch before it). A suspicious
	// transaction excuses nothing.
	excused := p.Outcome == store.OutcomeSkipped || m.inFlight >= p.Intended
	if m.infer && m.hasLast && !excused && m.lastRate > 0 {
		if err := m.gap(m.last, p.Intended, m.lastRate); err != nil {
			return err
		}
	}
	if err := m.flushPending(math.MaxInt64); err != nil {
		return err
	}
	m.hasLast, m.last, m.lastRate = true, p.Intended, rate
	m.inFlight = max(m.inFlight, p.End)
	return m.out.write(p, false)
}

// gap infers the rows of the stretch a..b when it is a gap.
func (m *gapMerge) gap(a, b int64, rate float64) error {
	mg := int64(m.opt.MinGap)
	if mg <= 0 {
		mg = minGapNS(rate, int(m.n))
	}
	if mg <= 0 || b-a <= mg {
		return nil
	}
	m.found++
	if m.stopped {
		return nil
	}
	n := max(math.Round(float64(b-a)*rate/1e9)-1, 1)
	// The rows stand for the due transactions; past maxRowsPerGap fewer
	// rows, evenly spread, stand for them all.
	rows := int64(min(n, maxRowsPerGap))
	g := Gap{From: time.Unix(0, a).UTC(), To: time.Unix(0, b).UTC(), Due: int64(min(n, 1e15)), Rows: rows, ResolutionNS: int64(1e9 / rate)}
	if m.inferred+rows > maxInferredRows {
		m.note(fmt.Sprintf("not inferred: %s, and every later gap: more than %d inferred rows in one import (two unrelated pgbench runs?)", g, maxInferredRows))
		m.stopped = true
		if m.gaps == nil {
			m.gaps = []Gap{}
		}
		return nil
	}
	for k := int64(1); k <= rows; k++ {
		at := a + int64(float64(b-a)*float64(k)/float64(rows+1))
		if err := m.flushPending(at); err != nil {
			return err
		}
		m.inf = store.Probe{
			Kind: m.opt.Kind, Conn: m.opt.Conn, Endpoint: m.endpoint, Intended: at,
			Outcome: store.OutcomeTimeout, ErrorClass: store.ClassInferred, Error: InferredError,
		}
		if err := m.out.write(&m.inf, false); err != nil {
			return err
		}
		m.inferred++
	}
	m.gaps = append(m.gaps, g)
	m.note(fmt.Sprintf("inferred unavailable: %s", g))
	return nil
}

// flushPending writes the suspicious rows scheduled at or before t.
func (m *gapMerge) flushPending(t int64) error {
	k := 0
	for ; k < len(m.pending) && m.pending[k].Intended <= t; k++ {
		if err := m.out.write(&m.pending[k], true); err != nil {
			return err
		}
	}
	m.pending = m.pending[k:]
	if len(m.pending) == 0 {
		m.pending = nil
	}
	return nil
}

func (m *gapMerge) done() error { return m.flushPending(math.MaxInt64) }

// txnWriter numbers the rows of the one stream of a pgbench import, moves
// a row scheduled at the same time as the one before 1 ns later (as
// finishRows does), and measures the steps the interval comes from.
type txnWriter struct {
	sink    rowSink
	runID   string
	seq     int64
	last    int64
	steps   stepStats
	lastCnt int64 // intended of the last row that counts for the interval
	hasCnt  bool
}

func (w *txnWriter) write(p *store.Probe, suspect bool) error {
	if w.seq > 0 && p.Intended <= w.last {
		nudge(p, w.last)
	}
	p.RunID, p.Seq = w.runID, w.seq
	w.seq++
	w.last = p.Intended
	if !suspect {
		if w.hasCnt {
			w.steps.add(p.Intended - w.lastCnt)
		}
		w.lastCnt, w.hasCnt = p.Intended, true
	}
	return w.sink.write(p)
}

func (w *txnWriter) interval() int64 { return w.steps.interval() }

// stepStats measures the steps between consecutive intended starts of a
// stream for importInterval, in bounded memory.
type stepStats struct {
	med     median
	longest int64
}

func (s *stepStats) add(d int64) {
	s.med.add(d)
	s.longest = max(s.longest, d)
}

// interval is importInterval's: the larger of the median step and a
// third of the longest, 0 without steps.
func (s *stepStats) interval() int64 {
	if s.med.n == 0 {
		return 0
	}
	return max(s.med.value(), (s.longest+2)/3, 1)
}
