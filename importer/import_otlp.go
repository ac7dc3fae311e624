package importer

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/switchwatch/switchwatch/record/store"
)

// OTLPOptions are the settings of an OTLP import.
type OTLPOptions struct {
	Options
	// Kinds maps an operation (upper case, as otlpOperation names it:
	// SELECT, CALL, COPY FROM, CONNECT, ...) to the kind (write, read or
	// connect) of its rows, over DefaultOTLPKinds.
	Kinds map[string]string
}

// OTLPResult is what an OTLP import wrote and read.
type OTLPResult struct {
	*Result
	// Lines are the lines (protobuf messages) read, Spans the spans in
	// them; Report.Taken counts the rows.
	Lines, Spans int64
}

// Summary is the one-line summary of an OTLP import: "read 120 spans in
// 4 lines of 1 files, took 100 rows, skipped 20: 15 not a database span
// (first at a.json:1:3), 5 other database (first at a.json:2:1)". The
// place named for a reason is its first occurrence: file:line for a line,
// file:line:span for a span.
func (r *OTLPResult) Summary() string { return otlpSummary(r.Report, r.Lines, r.Spans) }

func otlpSummary(rep *Report, lines, spans int64) string {
	s := fmt.Sprintf("read %d spans in %d lines of %d files", spans, lines, len(rep.Files))
	if len(rep.DuplicateFiles) > 0 {
		s += fmt.Sprintf(" (%d duplicate files ignored: %s)", len(rep.DuplicateFiles), strings.Join(rep.DuplicateFiles, ", "))
	}
	s += fmt.Sprintf(", took %d rows", rep.Taken)
	total := rep.SkippedTotal()
	if total == 0 {
		return s + ", skipped 0"
	}
	firstAt := func(reason string) string {
		for _, e := range rep.Examples {
			if strings.HasPrefix(e.Err.Error(), reason+":") || e.Err.Error() == reason {
				return fmt.Sprintf(" (first at %s:%d)", e.File, e.Line)
			}
		}
		return ""
	}
	return fmt.Sprintf("%s, skipped %d: %s", s, total, FormatCounts(rep.Skipped, firstAt))
}

// ImportOTLP converts OTLP trace files (see readOTLPFile) into one run
// folder in opt.Out: a row for every PostgreSQL client span, see the
// package documentation.
func ImportOTLP(ctx context.Context, files []string, opt OTLPOptions) (*OTLPResult, error) {
	for op, k := range opt.Kinds {
		if k != store.KindWrite && k != store.KindRead && k != store.KindConnect {
			return nil, fmt.Errorf("import otlp: kind %q for %s: want write, read or connect", k, op)
		}
	}
	st, rep, srcs, existing, err := startImport("otlp", files, &opt.Options)
	if err != nil {
		return nil, err
	}
	defer st.close()
	im := &otlpImport{opt: &opt, st: st, rep: rep, note: opt.note(rep), res: &OTLPResult{},
		profiles: map[profileKey]int64{}, dbs: map[profileKey]map[string]bool{}, formats: map[string]string{}, taken: map[profileKey]int64{},
		queryKinds: map[profileKey]map[string]int64{}}
	im.byID = &spillSorter[otlpSpan]{group: otlpIDGroup, at: otlpIDAt, size: sizeOTLPSpan, enc: encOTLPSpan, dec: decOTLPSpan,
		dir: st.spillDir, maxBytes: spillBytes}
	im.byStream = &spillSorter[otlpSpan]{group: otlpStreamGroup, at: otlpStreamAt, size: sizeOTLPSpan, enc: encOTLPSpan, dec: decOTLPSpan,
		dir: st.spillDir, maxBytes: spillBytes}
	for _, src := range srcs {
		if err := im.readFile(ctx, src); err != nil {
			return nil, err
		}
	}
	im.names = otlpProfileNames(im.profiles)
	if im.noServer > 0 {
		im.note(fmt.Sprintf("%d PostgreSQL spans name no server (server.address, network.peer.address or the names before them): their rows have no server_addr, and their profile is their service's", im.noServer))
	}
	if im.withPeer == 0 && im.rows > im.noServer {
		im.note("no PostgreSQL span records network.peer.address (or net.sock.peer.addr): server_addr is the address the clients dialled, so the rows cannot show which server answered")
	}
	if err := im.byID.each(im.addByID); err != nil {
		return nil, fmt.Errorf("import otlp: %w", err)
	}
	if err := im.flushTrace(); err != nil {
		return nil, fmt.Errorf("import otlp: %w", err)
	}
	if im.conflicts > maxExamples {
		im.note(fmt.Sprintf("... and %d more conflicting duplicate spans", im.conflicts-maxExamples))
	}
	if im.poolConnects > 0 {
		im.note(fmt.Sprintf("%d failed connects of a pool are rows of the requests that waited for them (the kind of their trace's first query, else of most of their pool's queries)", im.poolConnects))
	}
	if im.bigTraces > 0 {
		im.note(fmt.Sprintf("%d traces hold over %d PostgreSQL spans: a pool's connects beyond that many are rows of their own", im.bigTraces, maxTraceSpans))
	}
	if err := opt.refuseSkipped(rep); err != nil {
		return nil, fmt.Errorf("import otlp: %w", err)
	}
	if rep.Taken == 0 {
		return nil, fmt.Errorf("import otlp: no PostgreSQL client span in %s (%s)", strings.Join(rep.Files, ", "), otlpSummary(rep, im.res.Lines, im.res.Spans))
	}
	return im.finish(srcs, existing)
}

// otlpImport is the state of one OTLP import: the two sorts and what is
// counted on the way.
type otlpImport struct {
	opt      *OTLPOptions
	st       *stage
	rep      *Report
	note     func(string)
	res      *OTLPResult
	byID     *spillSorter[otlpSpan]
	byStream *spillSorter[otlpSpan]
	// profiles counts the spans of each stream identity (service, server,
	// pool), and dbs the databases each named: few, whatever the input.
	profiles map[profileKey]int64
	dbs      map[profileKey]map[string]bool
	names    map[profileKey]string
	taken    map[profileKey]int64
	formats  map[string]string
	ord      int64
	// noServer counts the spans that name no server, withPeer those
	// whose row has the address of the server that answered.
	noServer, withPeer int64
	// The spans of the trace being read back by id (see addByID).
	trace     []otlpSpan
	traceID   string
	poolWaits map[string]bool // span ids of the trace's pool waits
	traceKind string          // the kind of the trace's first query
	// queryKinds counts the kinds of each profile's queries (not
	// connects), poolConnects the failed connects of a pool given one.
	queryKinds   map[profileKey]map[string]int64
	poolConnects int64
	overflow     bool // the trace outgrew maxTraceSpans
	bigTraces    int
	prev         otlpSpan // the span taken last
	havePrev     bool
	conflicts    int
	rows         int64 // spans read that are rows (copies too)
}

// readFile reads one source into the sort by id.
func (im *otlpImport) readFile(ctx context.Context, src source) error {
	var fileSpans, fileRows int64
	rep := im.rep
	before := maps.Clone(rep.Skipped)
	skipLine := func(reason string, line int, err error) { rep.skip(reason, src.Path, line, err) }
	format, lines, err := readOTLPFile(src.Path, func(line int, tr ptrace.Traces) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := 0
		for i := 0; i < tr.ResourceSpans().Len(); i++ {
			rs := tr.ResourceSpans().At(i)
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				spans := rs.ScopeSpans().At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					n++
					im.res.Spans++
					fileSpans++
					// A span's place is file:line:span; a LineError holds
					// it as File "file:line" and Line span.
					took, err := im.addSpan(rs.Resource().Attributes(), spans.At(k), fmt.Sprintf("%s:%d", src.Path, line), n)
					if err != nil {
						return err
					}
					if took {
						fileRows++
					}
				}
			}
		}
		if n == 0 {
			skipLine(ReasonNoSpans, line, errNoSpans)
		}
		return nil
	}, skipLine)
	im.res.Lines += int64(lines)
	if err != nil {
		return fmt.Errorf("import otlp: %w", err)
	}
	im.formats[src.Path] = string(format)
	if fileSpans == 0 {
		return fmt.Errorf("import otlp: %s: no OTLP span in its %d lines (%s)", src.Path, lines, skippedSince(before, rep.Skipped))
	}
	if fileRows == 0 {
		im.note(fmt.Sprintf("%s: none of its %d spans is a PostgreSQL client call (%s)", src.Path, fileSpans, skippedSince(before, rep.Skipped)))
	}
	return ctx.Err()
}

// addSpan reads the n-th span of a line (where is file:line) into the sort
// by id: a row, or the mark of a pool's wait (see otlpSpan.PoolWait). It
// reports whether the span is a row.
func (im *otlpImport) addSpan(res pcommon.Map, sp ptrace.Span, where string, n int) (bool, error) {
	s, err := otlpSpanRow(res, sp, im.opt.Kinds)
	if err != nil {
		var se *skipError
		if !errors.As(err, &se) {
			return false, err
		}
		im.rep.skip(se.reason, where, n, se.detail)
		if !se.poolWait {
			return false, nil
		}
		// The wait is no row, but the pool's connects under it are known
		// by it when the spans are read back by trace.
		s = &otlpSpan{PoolWait: true}
	}
	im.ord++
	s.Ord, s.Loc = im.ord, fmt.Sprintf("%s:%d", where, n)
	if id := sp.TraceID(); !id.IsEmpty() {
		s.Trace = hex.EncodeToString(id[:])
	}
	if id := sp.SpanID(); !id.IsEmpty() {
		s.Span = hex.EncodeToString(id[:])
	}
	if id := sp.ParentSpanID(); !id.IsEmpty() {
		s.Parent = hex.EncodeToString(id[:])
	}
	if s.PoolWait {
		return false, im.byID.add(*s)
	}
	im.rows++
	switch {
	case s.Row.ServerAddr == "":
		im.noServer++
	case s.Peer:
		im.withPeer++
	}
	key := s.profileKey()
	im.profiles[key]++
	if s.Op != "CONNECT" {
		if im.queryKinds[key] == nil {
			im.queryKinds[key] = map[string]int64{}
		}
		im.queryKinds[key][s.Row.Kind]++
	}
	if s.DB != "" {
		if im.dbs[key] == nil {
			im.dbs[key] = map[string]bool{}
		}
		if len(im.dbs[key]) < maxProfileDBs {
			im.dbs[key][s.DB] = true
		}
	}
	return true, im.byID.add(*s)
}

// maxTraceSpans bounds the spans of one trace held while the import looks
// for a pool's waits in it; a request makes a few.
const maxTraceSpans = 10000

// addByID takes the spans back in order of trace and span id and holds
// those of one trace, so that a connect span whose parent is a pool's wait
// is known as the pool's (see take).
func (im *otlpImport) addByID(s *otlpSpan) error {
	if s.Trace != im.traceID || s.Trace == "" {
		if err := im.flushTrace(); err != nil {
			return err
		}
		im.traceID, im.poolWaits, im.overflow, im.traceKind = s.Trace, nil, false, ""
	}
	switch {
	case s.Trace == "": // no trace: no parent to find
		if s.PoolWait {
			return nil
		}
		return im.take(s)
	case im.overflow:
		if s.PoolWait {
			im.addPoolWait(s)
			return nil
		}
		return im.take(s)
	}
	im.trace = append(im.trace, *s)
	if len(im.trace) == maxTraceSpans {
		im.bigTraces++
		im.overflow = true
		return im.flushTrace()
	}
	return nil
}

func (im *otlpImport) addPoolWait(s *otlpSpan) {
	if s.Span == "" {
		return
	}
	if im.poolWaits == nil {
		im.poolWaits = map[string]bool{}
	}
	im.poolWaits[s.Span] = true
}

// flushTrace takes the spans of the trace held.
func (im *otlpImport) flushTrace() error {
	var first int64
	im.traceKind = ""
	for i := range im.trace {
		s := &im.trace[i]
		switch {
		case s.PoolWait:
			im.addPoolWait(s)
		case s.Op != "CONNECT" && (im.traceKind == "" || s.Row.Start < first):
			im.traceKind, first = s.Row.Kind, s.Row.Start
		}
	}
	for i := range im.trace {
		if s := &im.trace[i]; !s.PoolWait {
			if err := im.take(s); err != nil {
				return err
			}
		}
	}
	im.trace = im.trace[:0]
	return nil
}

// take makes s a row, unless it is a copy of the span before it (spans
// read twice, by a Collector retrying an export or files that overlap,
// are counted once: sorted by trace and span id, copies lie side by side)
// or a connection a pool opened that worked.
//
// A pool opens a connection while a request waits for one (the connect
// span's parent is the pool's wait). One that worked says nothing the
// request's query, a span of its own, does not say better: it is skipped
// as not a request. Taken as rows, a pool's connects were a stream of
// their own, seconds apart, whose edges fell in the middle of those
// seconds: in the lab's aurora switchover the traces' outage began 2.3 s
// before the recorder's, and the stream's 236 ms resolution hid it. One
// that failed is the failure of the request that waited, which then sent
// no query: it joins the stream of the request's query (as a recorder's
// pooled probe that fails to connect is a failed write or read), whose
// kind is that of its trace's first query, else of most of its pool's
// queries (poolKind).
func (im *otlpImport) take(s *otlpSpan) error {
	rep := im.rep
	if im.havePrev && s.Trace != "" && s.Span != "" && s.Trace == im.prev.Trace && s.Span == im.prev.Span {
		file, line, span := splitLoc(s.Loc)
		where := fmt.Sprintf("%s:%d", file, line)
		if sameOTLPRow(s, &im.prev) {
			rep.skip(ReasonDuplicate, where, span, fmt.Errorf("trace %s span %s was read at %s", s.Trace, s.Span, im.prev.Loc))
			return nil
		}
		rep.skip(ReasonConflict, where, span, fmt.Errorf("trace %s span %s was read at %s with another row", s.Trace, s.Span, im.prev.Loc))
		im.conflicts++
		if im.conflicts <= maxExamples {
			im.note(fmt.Sprintf("%s: span %s of trace %s was read at %s as %s, here as %s: the first is kept",
				s.Loc, s.Span, s.Trace, im.prev.Loc, describeOTLPRow(&im.prev), describeOTLPRow(s)))
		}
		return nil
	}
	im.prev, im.havePrev = *s, true
	c := *s
	if s.Op == "CONNECT" && s.Parent != "" && im.poolWaits[s.Parent] {
		if s.Row.Outcome == store.OutcomeOK {
			file, line, span := splitLoc(s.Loc)
			rep.skip(ReasonNotRequest, fmt.Sprintf("%s:%d", file, line), span,
				fmt.Errorf("a connection the pool opened for a waiting request, whose query is a span of its own (span %s of trace %s)", s.Span, s.Trace))
			return nil
		}
		im.poolFailed(&c)
	}
	rep.Taken++
	c.Row.Profile = im.names[c.profileKey()]
	im.taken[c.profileKey()]++
	return im.byStream.add(c)
}

// poolFailed moves the failed connect of a pool, c, into the stream of
// the request that waited for it (see take), unless --kind gave connects
// a kind of their own.
func (im *otlpImport) poolFailed(c *otlpSpan) {
	if c.Row.Kind != store.KindConnect {
		return
	}
	kind := im.traceKind
	if kind == "" {
		kind = poolKind(im.queryKinds[c.profileKey()])
	}
	if kind == "" {
		return // the pool made no query at all: a connect it stays
	}
	c.Row.Kind, c.Row.Conn, c.Row.Endpoint = kind, store.ConnPooled, store.EndpointWrite
	if kind == store.KindRead {
		c.Row.Endpoint = store.EndpointRead
	}
	im.poolConnects++
}

// poolKind is the kind of most of a pool's queries (write on a tie), ""
// for none.
func poolKind(kinds map[string]int64) string {
	best := ""
	for _, k := range []string{store.KindWrite, store.KindRead} {
		if kinds[k] > kinds[best] || best == "" && kinds[k] > 0 {
			best = k
		}
	}
	return best
}

// finish writes the rows in stream order, run.json and the events.
func (im *otlpImport) finish(srcs []source, existing string) (*OTLPResult, error) {
	st, rep, opt, res := im.st, im.rep, im.opt, im.res
	w := &streamWriter{sink: rowSink{write: st.write}, runID: st.runID, streams: map[string]int64{}}
	if err := im.byStream.each(func(s *otlpSpan) error { return w.write(&s.Row) }); err != nil {
		return nil, fmt.Errorf("import otlp: %w", err)
	}
	info := &store.RunInfo{
		RunID: st.runID, Tool: "switchwatch import otlp", ToolVersion: store.Version(), Labels: maps.Clone(opt.Labels),
		Settings: map[string]any{
			"format":   "otlp",
			"sources":  srcs,
			"formats":  im.formats,
			"lines":    map[string]any{"read": res.Lines},
			"spans":    map[string]any{"read": res.Spans, "taken": rep.Taken},
			"skipped":  rep.Skipped,
			"streams":  w.streams,
			"interval": intervalSetting(w.interval()),
			"schedule": "irregular",
			"profiles": otlpProfileSetting(im.names, im.taken, im.dbs),
		},
		Start: time.Unix(0, st.start).UTC(), End: stamp(st.end),
	}
	if info.Labels == nil {
		info.Labels = map[string]string{}
	}
	if len(opt.Kinds) > 0 {
		info.Settings["kind_overrides"] = maps.Clone(opt.Kinds)
	}
	if len(opt.Events) > 0 {
		info.Settings["event_files"] = opt.Events
	}
	events, err := readRunEvents(&opt.Options, rep, st.start, st.end)
	if err != nil {
		return nil, fmt.Errorf("import otlp: %w", err)
	}
	dir, err := st.finish(info, existing, events)
	if err != nil {
		return nil, fmt.Errorf("import otlp: %w", err)
	}
	res.Result = &Result{RunID: st.runID, RunDir: dir, Rows: st.rows, Counts: st.counts, Report: rep, Replaced: existing != ""}
	return res, nil
}

// maxProfileDBs bounds the database names run.json lists per profile.
const maxProfileDBs = 10

// skippedSince says the skips counted since before, "none skipped" for none.
func skippedSince(before, now map[string]int64) string {
	d := map[string]int64{}
	for k, v := range now {
		if v -= before[k]; v > 0 {
			d[k] = v
		}
	}
	if len(d) == 0 {
		return "none skipped"
	}
	return "skipped " + FormatCounts(d, nil)
}

// splitLoc splits "file:line:span" (file may hold ':').
func splitLoc(loc string) (file string, line, span int) {
	i := strings.LastIndexByte(loc, ':')
	j := strings.LastIndexByte(loc[:i], ':')
	fmt.Sscan(loc[i+1:], &span)
	fmt.Sscan(loc[j+1:i], &line)
	return loc[:j], line, span
}

// sameOTLPRow reports whether two spans make the same row in the same
// stream: then the second is a plain copy.
func sameOTLPRow(a, b *otlpSpan) bool {
	return a.Row == b.Row && a.Op == b.Op && a.profileKey() == b.profileKey() && a.DB == b.DB
}

// describeOTLPRow says what a span became, for the note on a conflict.
func describeOTLPRow(s *otlpSpan) string {
	p := &s.Row
	d := fmt.Sprintf("%s %s %s", s.Op, p.Outcome, time.Duration(p.LatencyNS))
	if p.ErrorClass != "" {
		d += " " + p.ErrorClass
	}
	return fmt.Sprintf("%q", d)
}

// The two orders of an OTLP import, each a group (in string order), a
// time within it, then the order the spans were read in: by trace, then
// span id, so that copies of a span lie side by side; and by stream, then
// intended start, the order rows are written in.
func otlpIDGroup(s *otlpSpan) string { return s.Trace }

func otlpIDAt(s *otlpSpan) int64 {
	id, _ := strconv.ParseUint(s.Span, 16, 64)
	return int64(id)
}

func otlpStreamGroup(s *otlpSpan) string { return s.Row.Stream() }

func otlpStreamAt(s *otlpSpan) int64 { return s.Row.Intended }

func sizeOTLPSpan(s *otlpSpan) int {
	return 400 + len(s.Loc) + len(s.Service) + len(s.Server) + len(s.Pool) + len(s.DB) + len(s.Row.Error) + len(s.Row.ServerAddr)
}

// A spilled span is its JSON, preceded by its length.
func encOTLPSpan(w *bufio.Writer, s *otlpSpan) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	var n [binary.MaxVarintLen64]byte
	if _, err := w.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))]); err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func decOTLPSpan(r *bufio.Reader, s *otlpSpan) error {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return err // io.EOF at the end of a run
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return fmt.Errorf("a cut record: %w", err)
	}
	*s = otlpSpan{}
	return json.Unmarshal(b, s)
}

// otlpProfileNames names the profile of every stream identity: its
// service, server and pool, lower-cased, other characters than letters,
// digits, '_' and '-' made '-', joined by '-' and cut to fit
// store.MaxProfileName; a name taken by an earlier identity (in sorted
// order) gets "-2", "-3", ... So the names are the same for the same
// input, and run.json's "profiles" says which identity each stands for.
func otlpProfileNames(profiles map[profileKey]int64) map[profileKey]string {
	keys := slices.SortedFunc(maps.Keys(profiles), func(a, b profileKey) int {
		return cmp.Or(strings.Compare(a.Service, b.Service), strings.Compare(a.Server, b.Server), strings.Compare(a.Pool, b.Pool))
	})
	names := map[profileKey]string{}
	used := map[string]bool{}
	for _, k := range keys {
		parts := []string{profilePart(k.Service, 24)}
		if k.Server != "" {
			parts = append(parts, profilePart(k.Server, 20))
		}
		if k.Pool != "" {
			parts = append(parts, profilePart(k.Pool, 10))
		}
		base := strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), "-")
		base = strings.Trim(base[:min(len(base), store.MaxProfileName-4)], "-_")
		if base == "" || !(base[0] >= 'a' && base[0] <= 'z' || base[0] >= '0' && base[0] <= '9') {
			base = "p" + base
		}
		name := base
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		used[name] = true
		names[k] = name
	}
	return names
}

// profilePart is s made fit for a profile name, at most n bytes.
func profilePart(s string, n int) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= n {
			break
		}
	}
	return strings.Trim(b.String(), "-_")
}

// otlpProfileSetting is run.json's "profiles", a list as the recorder
// writes it (each with its "name", in order of name, which the analyzer
// reads): for each profile, the service, server and pool it stands for,
// the rows taken (spans, each copy counted once) and the databases they
// named.
func otlpProfileSetting(names map[profileKey]string, counts map[profileKey]int64, dbs map[profileKey]map[string]bool) []map[string]any {
	var out []map[string]any
	for k, name := range names {
		if counts[k] == 0 {
			continue // all its spans were skipped after all (a pool's connects)
		}
		m := map[string]any{"name": name, "service": k.Service, "rows": counts[k]}
		if k.Server != "" {
			m["server"] = k.Server
		}
		if k.Pool != "" {
			m["pool"] = k.Pool
		}
		if len(dbs[k]) > 0 {
			m["databases"] = slices.Sorted(maps.Keys(dbs[k]))
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(a["name"].(string), b["name"].(string)) })
	return out
}
