package analyze

import (
	"fmt"
	"slices"

	"github.com/switchwatch/switchwatch/record/store"
)

// The fast reader: store.ProbeReader's batches (only the column chunks
// the analysis needs, as typed int64 slices and symbols of the run's
// symbol table) turned into compact rows, never a store.Probe.
// readSegmentRows is its twin over the reader's row view, kept for tests
// that check both agree.

// readColumns are the columns the analysis reads (by their store names).
// Those of detailColumns are left out under Options.GroupsOnly.
var readColumns = []string{
	store.ColRunID, store.ColKind, store.ColConn, store.ColEndpoint, store.ColProfile, store.ColOutcome, store.ColErrorClass,
	store.ColResolvedAddrs, store.ColServerAddr, store.ColSystemID,
	store.ColSeq, store.ColIntended, store.ColStart, store.ColEnd, store.ColLatency, store.ColServerStart, store.ColSeenSeq,
	store.ColObserved, store.ColConnEstablished, store.ColTimeline,
	store.ColError, store.ColDialedAddr, store.ColServerTime, store.ColConnectDone,
}

// detailColumns feed only details of a run that neither the group
// statistics, the comparisons, the profile comparison nor the accuracy
// use: the error message of a segment (error), the stale dials
// (dialed_addr) and the clock offset (server_time, connect_done).
// Everything else is needed by some grouped metric or by the phases
// themselves: observed dates the edges of every outage, conn_established
// and resolved_addrs the DNS changes, server_addr and server_start the
// server changes, timeline the timeline changes, seen_seq the staleness.
var detailColumns = []string{store.ColError, store.ColDialedAddr, store.ColServerTime, store.ColConnectDone}

// columnsFor is the projection an analysis with opt reads.
func columnsFor(opt *Options) []string {
	if opt == nil || !opt.GroupsOnly {
		return readColumns
	}
	var out []string
	for _, c := range readColumns {
		if !slices.Contains(detailColumns, c) {
			out = append(out, c)
		}
	}
	return out
}

// colReader turns batches of store.ProbeReader into rows; it and its
// reader's buffers are kept from file to file and run to run.
type colReader struct {
	syms  *symtab
	r     store.ProbeReader
	cols  []string // the projection (columnsFor)
	codes codeTable
	// oneRun skips the run_id column (the rows of a run folder).
	oneRun bool
	// the projection without run_id, and without the stream columns
	// too, made once
	colsNoRun, colsNoStream []string
	// counted are the blocks of each row group of the file being read as
	// the counting pass found them (countStreams), nil when it did not
	// read the file through: the stream columns are then not read again.
	counted [][]streamBlock
	// blockBuf holds the blocks of a batch found by blockEnd
	blockBuf []streamBlock
	// cache keeps the segments of a run folder open from the counting
	// pass to the reading pass; nil elsewhere
	cache *store.SegmentCache
	// keys are the stream columns of a batch that can end a block
	// (keyColumns)
	keys [][]uint32
	// NULL columns of a batch, for the columns not read
	null    []uint32
	nullInt []int64
	// absent are the absentBits of the file being read (path)
	absent uint8
	path   string
}

func newColReader(syms *symtab) *colReader {
	return &colReader{syms: syms, cols: readColumns}
}

// projection is the columns to read from a file.
func (cr *colReader) projection() []string {
	if !cr.oneRun {
		return cr.cols
	}
	if cr.colsNoRun == nil {
		for _, c := range cr.cols {
			if c != store.ColRunID {
				cr.colsNoRun = append(cr.colsNoRun, c)
			}
			if c != store.ColRunID && !slices.Contains(streamColumns[:], c) {
				cr.colsNoStream = append(cr.colsNoStream, c)
			}
		}
	}
	if cr.counted != nil {
		return cr.colsNoStream
	}
	return cr.colsNoRun
}

// readSegmentFast appends the rows of one Parquet file of probes to the run
// that into(runID symbol) returns. It returns the number of rows appended.
// A file that fails part way keeps the row groups read before the failure.
func readSegmentFast(path string, cr *colReader, into func(runID uint32) *runRows) (int64, error) {
	cr.r.Reset(path, store.ReadOptions{Columns: cr.projection(), Symbols: cr.syms, Cache: cr.cache})
	defer cr.r.Close()
	var appended int64
	cr.absent = 0
	for first := true; cr.r.NextBatch(); first = false {
		b := cr.r.Batch()
		if first {
			cr.absent, cr.path = absentBits(cr.r.Absent()), path
		}
		if err := cr.emit(b, into); err != nil {
			return appended, fmt.Errorf("%s: %w", path, err)
		}
		appended += int64(b.Len)
	}
	return appended, cr.r.Err()
}

// countStreams counts the rows of each stream in a Parquet file of probes,
// reading only the kind, conn, endpoint and profile columns (dictionary
// indexes, a small part of the file; profile may be absent), so that the
// reading pass can allocate every stream's rows once. It returns the
// blocks of each row group, which spare the reading pass those columns
// (colReader.counted); nil when the file cannot be read through, whose
// errors are left to the reading pass.
func countStreams(path string, cr *colReader, counts map[streamKey]int) [][]streamBlock {
	cr.r.Reset(path, store.ReadOptions{Columns: streamColumns[:], Symbols: cr.syms, Cache: cr.cache})
	defer cr.r.Close()
	var groups [][]streamBlock
	for cr.r.NextBatch() {
		b := cr.r.Batch()
		kind, conn, ep, prof := b.Symbols(store.ColKind), b.Symbols(store.ColConn), b.Symbols(store.ColEndpoint), b.Symbols(store.ColProfile)
		blocks := cr.findBlocks(b, nil, kind, conn, ep, prof)
		for _, bl := range blocks {
			counts[bl.key] += bl.n
		}
		groups = append(groups, slices.Clone(blocks))
	}
	if cr.r.Err() != nil {
		return nil
	}
	return groups
}

// streamBlock is a block of rows of one run (its run_id symbol) and one
// stream in a row group.
type streamBlock struct {
	run uint32
	key streamKey
	n   int
}

// blocks are the blocks of rows of one run and stream of batch b: as the
// counting pass found them, or found in its stream columns (findBlocks).
func (cr *colReader) blocks(b *store.Batch, runID, kind, conn, ep, prof []uint32) ([]streamBlock, error) {
	if cr.counted == nil {
		return cr.findBlocks(b, runID, kind, conn, ep, prof), nil
	}
	if b.RowGroup >= len(cr.counted) {
		return nil, fmt.Errorf("row group %d was not there when its streams were counted", b.RowGroup)
	}
	blocks, rows := cr.counted[b.RowGroup], 0
	for _, bl := range blocks {
		rows += bl.n
	}
	if rows != b.Len {
		return nil, fmt.Errorf("row group %d holds %d rows, %d when its streams were counted", b.RowGroup, b.Len, rows)
	}
	return blocks, nil
}

// findBlocks finds the blocks of rows of one run and stream in the
// stream columns of batch b. Rows come in such blocks: segments are
// sorted by stream.
func (cr *colReader) findBlocks(b *store.Batch, runID, kind, conn, ep, prof []uint32) []streamBlock {
	keys := cr.keyColumns(b, runID, kind, conn, ep, prof)
	blocks := cr.blockBuf[:0]
	for i := 0; i < b.Len; {
		j := blockEnd(keys, i, b.Len)
		bl := streamBlock{key: keyOf(kind[i], conn[i], ep[i], prof[i]), n: j - i}
		if runID != nil {
			bl.run = runID[i]
		}
		blocks = append(blocks, bl)
		i = j
	}
	cr.blockBuf = blocks
	return blocks
}

// streamColumns name a row's stream.
var streamColumns = [...]string{store.ColKind, store.ColConn, store.ColEndpoint, store.ColProfile}

func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// emit turns the decoded columns of a row group into rows. A column not
// read (run_id in a run folder, the detail columns under
// Options.GroupsOnly) reads as NULL. A row group with a value the format
// does not allow (checkValues) appends nothing and is the error.
func (cr *colReader) emit(b *store.Batch, into func(uint32) *runRows) error {
	n := b.Len
	cr.null = grow(cr.null, n)
	null := cr.null // symbol 0 and int 0 (the same bits): NULL
	sym := func(name string) []uint32 {
		if v := b.Symbols(name); v != nil {
			return v
		}
		return null
	}
	ints := func(name string) []int64 {
		if v := b.Int64(name); v != nil {
			return v
		}
		return nullInts(cr, n)
	}
	runID, kind, conn, ep := sym(store.ColRunID), sym(store.ColKind), sym(store.ColConn), sym(store.ColEndpoint)
	prof := sym(store.ColProfile)
	outcome, class := sym(store.ColOutcome), sym(store.ColErrorClass)
	addr := sym(store.ColServerAddr)
	seq, intended, start, end := ints(store.ColSeq), ints(store.ColIntended), ints(store.ColStart), ints(store.ColEnd)
	lat, stime := ints(store.ColLatency), ints(store.ColServerStart)
	cold := coldCols(b)
	sysid := sym(store.ColSystemID)
	oc := obsCols{observed: ints(store.ColObserved), established: ints(store.ColConnEstablished), serverTime: ints(store.ColServerTime),
		connectDone: ints(store.ColConnectDone), timeline: ints(store.ColTimeline), dialed: sym(store.ColDialedAddr)}
	// the observations are kept only where some row has one (rowObs)
	hasObs := anyObs(b)
	// every symbol of the batch is interned by now: the codes of all of
	// them are known before the loop, which only indexes
	cr.codes.cover(cr.syms)
	blocks, err := cr.blocks(b, runID, kind, conn, ep, prof)
	if err != nil {
		return err
	}
	if err := cr.checkValues(blocks, outcome, class); err != nil {
		return err
	}
	outCodes, classCodes := cr.codes.out, cr.codes.cls
	// Rows come in blocks of one run and stream: find the stream once per
	// block and fill its rows in place.
	i := 0
	for _, bl := range blocks {
		j := i + bl.n
		run := into(bl.run)
		if cr.absent != 0 {
			run.noteAbsent(cr.absent, cr.path)
		}
		s := run.stream(bl.key, j-i)
		base := len(s.rows)
		if hasObs {
			run.keepObs(s)
		}
		if s.obs != nil {
			oc.appendTo(s, i, j)
		}
		cold.appendTo(s, run.pool, base, i, j)
		s.rows = s.rows[:base+j-i]
		out := s.rows[base:]
		last, ooo := s.lastIntended, s.outOfOrder
		plausible := true
		if base == 0 {
			last = intended[i]
		}
		for k := i; k < j; k++ {
			x := &out[k-i]
			*x = row{
				intended: intended[k],
				seq:      seq[k],
				latency:  lat[k],
				start:    start[k],
				end:      end[k],
				outcome:  outCodes[outcome[k]],
				class:    classCodes[class[k]],
			}
			if addr[k] != 0 {
				x.ident = cr.syms.ident(addr[k], stime[k], sysid[k], oc.timeline[k])
			}
			if intended[k] < last {
				ooo++
			}
			last = intended[k]
			plausible = plausible && store.Plausible(lat[k], intended[k])
		}
		s.lastIntended, s.outOfOrder = last, ooo
		if !plausible {
			// a second pass over the rows only for a block that has a row
			// to drop: it cost 3.5% of an analysis done for every block
			run.dropImplausible(s, base)
		}
		i = j
	}
	return nil
}

// batchCold are the columns of a batch that make rowCold, each nil when
// the batch has no value in it (NULL throughout, or not read).
type batchCold struct {
	seen    []int64
	seenDef []bool // nil: every value of seen is defined
	dns     []uint32
	msg     []uint32
}

func coldCols(b *store.Batch) batchCold {
	var c batchCold
	if !b.AllNull(store.ColSeenSeq) {
		c.seen, c.seenDef = b.Int64(store.ColSeenSeq), b.Defined(store.ColSeenSeq)
	}
	if !b.AllNull(store.ColResolvedAddrs) {
		c.dns = b.Symbols(store.ColResolvedAddrs)
	}
	if !b.AllNull(store.ColError) {
		c.msg = b.Symbols(store.ColError)
	}
	return c
}

// appendTo appends the values of rows i to j of the batch to the columns
// s keeps, keeping those the block has a value of from now on; base is
// the number of rows s had before the block.
func (c *batchCold) appendTo(s *streamRows, p *rowPool, base, i, j int) {
	k := &s.cold
	if k.seen == nil && c.seen != nil && anyTrue(c.seenDef, i, j) {
		k.keep(coldRow{seen: 0}, base, cap(s.rows), p)
	}
	if k.dns == nil && c.dns != nil && anyNonZero(c.dns[i:j]) {
		k.keep(coldRow{seen: -1, dns: 1}, base, cap(s.rows), p)
	}
	if k.msg == nil && c.msg != nil && anyNonZero(c.msg[i:j]) {
		k.keep(coldRow{seen: -1, msg: 1}, base, cap(s.rows), p)
	}
	if k.seen != nil {
		n := len(k.seen)
		if c.seen == nil {
			for range j - i {
				k.seen = append(k.seen, -1)
			}
		} else {
			// seen_seq's NULL is -1, not 0 (a reader may have seen Seq 0)
			k.seen = append(k.seen, c.seen[i:j]...)
			if c.seenDef != nil {
				for x := i; x < j; x++ {
					if !c.seenDef[x] {
						k.seen[n+x-i] = -1
					}
				}
			}
		}
	}
	if k.dns != nil {
		k.dns = appendSyms(k.dns, c.dns, i, j)
	}
	if k.msg != nil {
		k.msg = appendSyms(k.msg, c.msg, i, j)
	}
}

// appendSyms appends v[i:j] to to, or j-i zeros when v is nil.
func appendSyms(to, v []uint32, i, j int) []uint32 {
	if v == nil {
		n := len(to)
		to = slices.Grow(to, j-i)[:n+j-i]
		clear(to[n:])
		return to
	}
	return append(to, v[i:j]...)
}

// anyTrue reports whether some of def[i:j] is true (nil: all are).
func anyTrue(def []bool, i, j int) bool {
	if def == nil {
		return i < j
	}
	return slices.Contains(def[i:j], true)
}

func anyNonZero(v []uint32) bool {
	for _, x := range v {
		if x != 0 {
			return true
		}
	}
	return false
}

// obsCols are the columns of a batch that make rowObs.
type obsCols struct {
	observed, established, serverTime, connectDone, timeline []int64
	dialed                                                   []uint32
}

// appendTo appends the observations of rows i to j of the batch to s.
func (c *obsCols) appendTo(s *streamRows, i, j int) {
	base := len(s.obs)
	s.obs = slices.Grow(s.obs, j-i)[:base+j-i]
	obs := s.obs[base:]
	for k := i; k < j; k++ {
		obs[k-i] = rowObs{observed: c.observed[k], established: c.established[k], serverTime: c.serverTime[k],
			connectDone: c.connectDone[k], timeline: c.timeline[k], dialed: c.dialed[k]}
	}
}

// keyColumns are the columns of a row's run and stream (runID, kind,
// conn, ep, prof) that are not NULL throughout batch b: run_id is not
// read in a run folder, and profile is NULL in files of version 1 and
// in the synthetic sets, so comparing them row by row found nothing.
func (cr *colReader) keyColumns(b *store.Batch, runID, kind, conn, ep, prof []uint32) [][]uint32 {
	keys := cr.keys[:0]
	if !b.AllNull(store.ColRunID) {
		keys = append(keys, runID)
	}
	keys = append(keys, kind, conn, ep)
	if !b.AllNull(store.ColProfile) {
		keys = append(keys, prof)
	}
	cr.keys = keys
	return keys
}

// blockEnd is the end of the block of rows from i on (before n) that have
// row i's values in every column of keys: each column is scanned only as
// far as the columns before it agree, one tight loop each, where one loop
// comparing five columns a row was 2.7% of an analysis.
func blockEnd(keys [][]uint32, i, n int) int {
	end := n
	for _, c := range keys {
		c = c[:end]
		v, j := c[i], i+1
		for j < len(c) && c[j] == v {
			j++
		}
		end = j
	}
	return end
}

// Bits of codeTable.ok: the columns of a closed vocabulary
// (store.CheckValue) in which a symbol is an allowed value.
const (
	okKind uint8 = 1 << iota
	okConn
	okEndpoint
	okOutcome
	okClass
)

// enumColumns are the columns of codeTable.ok's bits, in their order.
var enumColumns = [...]string{store.ColKind, store.ColConn, store.ColEndpoint, store.ColOutcome, store.ColErrorClass}

// checkValues refuses a row group with a kind, conn, endpoint, outcome or
// error class the format does not have (OK, WRITE, failed): read as they
// were, they made streams of their own or failures of no known kind.
// The analyzer does not guess what another tool meant by them. The error
// is of the first such row, and of its first such column in the order of
// enumColumns; the stream's columns are one per block.
func (cr *colReader) checkValues(blocks []streamBlock, outcome, class []uint32) error {
	ok := cr.codes.ok
	bad := len(outcome) // the first row with an outcome or class not allowed
	for i := range outcome {
		if ok[outcome[i]]&okOutcome == 0 || ok[class[i]]&okClass == 0 {
			bad = i
			break
		}
	}
	start := 0
	for _, bl := range blocks {
		if start > bad {
			break
		}
		for c, v := range [...]uint32{bl.key.kind, bl.key.conn, bl.key.endpoint} {
			if ok[v]&(1<<c) == 0 {
				return store.CheckValue(enumColumns[c], cr.syms.str(v))
			}
		}
		start += bl.n
	}
	if bad == len(outcome) {
		return nil
	}
	if v := outcome[bad]; ok[v]&okOutcome == 0 {
		return store.CheckValue(store.ColOutcome, cr.syms.str(v))
	}
	return store.CheckValue(store.ColErrorClass, cr.syms.str(class[bad]))
}

// anyObs reports whether some row of b has an observation (obsColumns).
func anyObs(b *store.Batch) bool {
	for _, c := range obsColumns {
		if !b.AllNull(c) {
			return true
		}
	}
	return false
}

// obsColumns are the columns of rowObs that make a stream keep them.
// connect_done is not one: the analysis uses it only beside server_time
// (the clock offset), and many files have it alone (version 1, the
// synthetic sets).
var obsColumns = []string{store.ColObserved, store.ColConnEstablished, store.ColServerTime, store.ColTimeline, store.ColDialedAddr}

// nullInts is n NULL int64 values, for a column not read.
func nullInts(cr *colReader, n int) []int64 {
	cr.nullInt = grow(cr.nullInt, n)
	return cr.nullInt
}

// codeTable holds the outcome and class codes of every symbol of a
// symbol table, as if each symbol were an outcome and an error class.
type codeTable struct {
	out, cls []uint8
	// ok says in which columns of a closed vocabulary the symbol is an
	// allowed value (okKind, ...).
	ok []uint8
}

// cover computes the codes of the symbols interned since the last call.
func (c *codeTable) cover(t *symtab) {
	for s := len(c.out); s < len(t.strs); s++ {
		name := t.strs[s]
		code, ok := classCode[name]
		if !ok && name != "" {
			code = classOther
		}
		c.out, c.cls = append(c.out, outcomeCode(name)), append(c.cls, code)
		var allowed uint8
		for b, col := range enumColumns {
			if store.CheckValue(col, name) == nil {
				allowed |= 1 << b
			}
		}
		c.ok = append(c.ok, allowed)
	}
}

// readSegmentRows is the row view of the same reader: store.Probe rows
// into compact rows one by one (fromProbe). It is several times slower
// than readSegmentFast; tests use it to check the batch path.
func readSegmentRows(path string, cr *colReader, into func(runID uint32) *runRows) (int64, error) {
	syms := cr.syms
	cr.r.Reset(path, store.ReadOptions{Columns: cr.cols, Symbols: syms})
	defer cr.r.Close()
	var n int64
	for cr.r.Next() {
		p := cr.r.Row()
		if n == 0 {
			cr.absent = absentBits(cr.r.Absent())
		}
		for c, v := range [...]string{p.Kind, p.Conn, p.Endpoint, p.Outcome, p.ErrorClass} {
			if err := store.CheckValue(enumColumns[c], v); err != nil {
				return n, fmt.Errorf("%s: %w", path, err)
			}
		}
		k, x, o, c := syms.fromProbe(p)
		run := into(syms.intern(p.RunID))
		if cr.absent != 0 {
			run.noteAbsent(cr.absent, path)
		}
		run.add(k, &x, &o, c)
		n++
	}
	return n, cr.r.Err()
}
