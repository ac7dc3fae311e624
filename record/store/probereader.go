package store

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
)

// Symbols interns the strings of a ProbeReader's batches: every string
// column arrives as symbols, one per row, interned once per dictionary
// entry rather than once per row. Symbol 0 must be the empty string, which
// NULL reads as; Intern of an empty b must return 0. The analyzer's symbol
// table implements it, so the symbols it reads are already its own.
type Symbols interface {
	Intern(b []byte) uint32
	String(sym uint32) string
}

// ReadOptions choose what a ProbeReader reads.
type ReadOptions struct {
	// Columns names the columns to read (ColKind, ColSeq, ...); nil reads
	// every column of ProbeColumns. Only these are decoded: a column not
	// asked for costs nothing, and reads as its zero value (NULL) in
	// Row and as nil in Batch.
	Columns []string
	// Symbols interns the string columns; nil gives the reader a table of
	// its own.
	Symbols Symbols
	// Cache, when not nil, is where the reader takes its file from when
	// the file is there, already opened and checked, and where Close
	// leaves it open for the next reader of the same path.
	Cache *SegmentCache
}

// ProbeReader streams the probe rows of one Parquet segment, decoding only
// the columns asked for, one row group at a time. It is the one reader of
// segments: every schema check (the schema version, each column's
// physical type, required columns present) and every timestamp unit
// (TimeScale) is applied here, so its callers see nanoseconds and
// ProbeColumns' types whatever wrote the file. An optional column that a
// file lacks (one written before the column's schema version) reads as
// NULL.
//
//	r := store.NewProbeReader(path, store.ReadOptions{Columns: cols})
//	defer r.Close()
//	for r.Next() {
//		p := r.Row()
//		...
//	}
//	if err := r.Err(); err != nil { ... }
//
// Next/Row is the row view; NextBatch/Batch the columnar view of a whole
// row group, which is what the analyzer uses. Use one view or the other
// on a reader, not both. The *Probe of Row and the *Batch are reused by the
// next call: copy what you keep (Probe.Clone).
type ProbeReader struct {
	path string
	opt  ReadOptions
	err  error

	f    File
	pf   *parquet.File
	rgs  []parquet.RowGroup
	next int // the next row group

	want   []int           // indexes into ProbeColumns of the columns read
	leaf   [numColumns]int // leaf column index in the file, absent when the file lacks it
	scale  [numColumns]int64
	syms   Symbols
	batch  Batch
	pos    int // the row of batch Row gives
	row    Probe
	dec    decoder
	loaded bool
	// zeros shown for all-NULL columns, never written
	zeroInts    []int64
	zeroSyms    []uint32
	noneDefined []bool
}

// numColumns is the number of columns of Probe.
const numColumns = 26

// absent marks a column that is not in a file.
const absent = -1

// columnIndex maps a column name to its index in ProbeColumns.
var columnIndex = func() map[string]int {
	if len(ProbeColumns) != numColumns {
		panic(fmt.Sprintf("store: numColumns is %d, ProbeColumns has %d", numColumns, len(ProbeColumns)))
	}
	m := make(map[string]int, len(ProbeColumns))
	for i, c := range ProbeColumns {
		m[c.Name] = i
	}
	return m
}()

// ErrNoColumn is wrapped by the error of a ProbeReader asked for a column
// that Probe does not have.
var ErrNoColumn = errors.New("no such probe column")

// NewProbeReader returns a reader of the probe segment at path. Opening
// and checking the file happen at the first Next or NextBatch; an error
// there ends the reading and is Err's.
func NewProbeReader(path string, opt ReadOptions) *ProbeReader {
	r := &ProbeReader{path: path, opt: opt, syms: opt.Symbols}
	if r.syms == nil {
		r.syms = newSymbolTable()
	}
	return r
}

// Reset makes r a reader of the segment at path with opt, closing the file
// it read: its decoding buffers are kept, so a reader reused from file to
// file allocates nothing per file beyond parquet-go's own.
func (r *ProbeReader) Reset(path string, opt ReadOptions) {
	r.Close()
	syms := opt.Symbols
	if syms == nil {
		syms = newSymbolTable()
	}
	*r = ProbeReader{path: path, opt: opt, syms: syms, batch: r.batch, dec: r.dec, want: r.want[:0],
		zeroInts: r.zeroInts, zeroSyms: r.zeroSyms, noneDefined: r.noneDefined}
	r.batch.Len = 0
	for i := range r.batch.cols {
		r.batch.cols[i].read = false
	}
	r.dec.dict, r.dec.dictKind, r.dec.dictTab = nil, 0, nil
}

// open opens and checks the file on first use.
func (r *ProbeReader) open() bool {
	if r.loaded {
		return r.err == nil
	}
	r.loaded = true
	names := r.opt.Columns
	if names == nil {
		for _, c := range ProbeColumns {
			names = append(names, c.Name)
		}
	}
	seen := [numColumns]bool{}
	for _, name := range names {
		i, ok := columnIndex[name]
		if !ok {
			r.err = fmt.Errorf("read %s: %w %q", r.path, ErrNoColumn, name)
			return false
		}
		if !seen[i] {
			seen[i] = true
			r.want = append(r.want, i)
		}
	}
	// The page index (the pages' min, max and offsets) and the bloom
	// filters serve readers that skip pages; this one reads every page of
	// the chunks it reads, and decoding the index cost 3% of an analysis.
	f, pf, ok := r.opt.Cache.take(r.path)
	if !ok {
		var err error
		if f, pf, err = OpenSegment(r.path, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(readBufferSize)); err != nil {
			r.err = err
			return false
		}
	}
	r.f, r.pf = f, pf
	if r.err = r.checkSchema(); r.err != nil {
		return false
	}
	r.rgs = pf.RowGroups()
	return true
}

// checkSchema finds the leaf of every column asked for and checks it
// against ProbeColumns: its physical type, its timestamp unit. A required
// column is checked even when not asked for, so that a file that is not
// a probe file is refused whatever a caller reads of it.
func (r *ProbeReader) checkSchema() error {
	schema := r.pf.Schema()
	for i, c := range ProbeColumns {
		r.leaf[i], r.scale[i] = absent, 1
		leaf, ok := schema.Lookup(c.Name)
		if !ok {
			if !c.Optional {
				return fmt.Errorf("%s: not a switchwatch probe file: no column %q", r.path, c.Name)
			}
			continue
		}
		if k, want := leaf.Node.Type().Kind(), physicalKind(c.Type); k != want {
			return fmt.Errorf("%s: not a switchwatch probe file: column %q is %v, want %v", r.path, c.Name, k, want)
		}
		if c.Time {
			r.scale[i] = TimeScale(leaf.Node)
		}
		r.leaf[i] = leaf.ColumnIndex
	}
	return nil
}

// physicalKind is the Parquet physical type of a column of type t.
func physicalKind(t ColumnType) parquet.Kind {
	switch t {
	case TypeString:
		return parquet.ByteArray
	case TypeBool:
		return parquet.Boolean
	}
	return parquet.Int64
}

// NumRows is the number of rows the file's footer claims, 0 before the
// file is open or when it cannot be.
func (r *ProbeReader) NumRows() int64 {
	if !r.open() {
		return 0
	}
	return r.pf.NumRows()
}

// NextBatch decodes the next row group into Batch. It returns false at
// the end of the file or on an error (Err).
func (r *ProbeReader) NextBatch() bool {
	if !r.open() || r.next >= len(r.rgs) {
		return false
	}
	gi := r.next
	r.next++
	rg := r.rgs[gi]
	n := int(rg.NumRows())
	chunks := rg.ColumnChunks()
	b := &r.batch
	b.Len, b.RowGroup = n, gi
	for _, i := range r.want {
		c := &ProbeColumns[i]
		col := &b.cols[i]
		col.read = true
		defBuf := col.defBuf
		col.defined, col.nulls = nil, n
		var chunk parquet.ColumnChunk
		if r.leaf[i] != absent {
			chunk = chunks[r.leaf[i]]
		}
		if chunk == nil || allNull(chunk, n) {
			// NULL in every row: the column is not in the file, or its
			// chunk's statistics say nobody filled it. Nothing to decode
			// or clear: the batch shows the reader's zeros.
			r.zeroInts = growZeros(r.zeroInts, n)
			r.zeroSyms = growZeros(r.zeroSyms, n)
			r.noneDefined = growZeros(r.noneDefined, n)
			col.syms, col.ints = r.zeroSyms[:n], r.zeroInts[:n]
			if c.Type != TypeString {
				col.defined = r.noneDefined[:n]
			}
			continue
		}
		var err error
		switch c.Type {
		case TypeString:
			col.syms = grow(col.symBuf, n)
			col.symBuf = col.syms
			col.nulls, err = r.dec.readSyms(chunk, col.syms, r.syms)
		case TypeInt64:
			col.ints = grow(col.intBuf, n)
			col.intBuf = col.ints
			col.defined, col.nulls, err = r.dec.readInts(chunk, col.ints, defBuf)
			if k := r.scale[i]; k > 1 && err == nil {
				for j := range col.ints {
					col.ints[j] *= k // NULL is 0 and stays 0
				}
			}
		case TypeBool:
			col.ints = grow(col.intBuf, n)
			col.intBuf = col.ints
			col.defined, col.nulls, err = r.dec.readBools(chunk, col.ints, defBuf)
		}
		if col.defined != nil {
			col.defBuf = col.defined
		}
		if err != nil {
			r.err = fmt.Errorf("read %s: row group %d, column %s: %w", r.path, gi, c.Name, err)
			return false
		}
	}
	r.pos = -1
	return true
}

// Batch is the row group NextBatch decoded. It is reused by the next call.
func (r *ProbeReader) Batch() *Batch { return &r.batch }

// Next advances to the next row; Row gives it.
func (r *ProbeReader) Next() bool {
	for r.batch.Len == 0 || r.pos+1 >= r.batch.Len {
		if !r.NextBatch() {
			return false
		}
	}
	r.pos++
	return true
}

// Row is the current row: the columns asked for are set, the others are
// zero (NULL). The *Probe is reused by the next call to Next, but its
// pointer fields (in_recovery, seen_seq) are the row's own, so a copy of
// *Probe keeps its values (the old generic reader behaved so, and callers
// copy rows that way).
func (r *ProbeReader) Row() *Probe {
	p, b, i := &r.row, &r.batch, r.pos
	*p = Probe{}
	for _, c := range r.want {
		col := &b.cols[c]
		switch c {
		case colRunID:
			p.RunID = r.syms.String(col.syms[i])
		case colKind:
			p.Kind = r.syms.String(col.syms[i])
		case colConn:
			p.Conn = r.syms.String(col.syms[i])
		case colEndpoint:
			p.Endpoint = r.syms.String(col.syms[i])
		case colProfile:
			p.Profile = r.syms.String(col.syms[i])
		case colSeq:
			p.Seq = col.ints[i]
		case colIntended:
			p.Intended = col.ints[i]
		case colStart:
			p.Start = col.ints[i]
		case colConnectDone:
			p.ConnectDone = col.ints[i]
		case colEnd:
			p.End = col.ints[i]
		case colLatency:
			p.LatencyNS = col.ints[i]
		case colOutcome:
			p.Outcome = r.syms.String(col.syms[i])
		case colErrorClass:
			p.ErrorClass = r.syms.String(col.syms[i])
		case colSQLState:
			p.SQLState = r.syms.String(col.syms[i])
		case colError:
			p.Error = r.syms.String(col.syms[i])
		case colResolvedAddrs:
			p.ResolvedAddrs = r.syms.String(col.syms[i])
		case colDialedAddr:
			p.DialedAddr = r.syms.String(col.syms[i])
		case colConnEstablished:
			p.ConnEstablished = col.ints[i]
		case colServerAddr:
			p.ServerAddr = r.syms.String(col.syms[i])
		case colServerStart:
			p.ServerStart = col.ints[i]
		case colSystemID:
			p.SystemID = r.syms.String(col.syms[i])
		case colInRecovery:
			if col.isDefined(i) {
				// Each row its own: a caller that copies *p (rows =
				// append(rows, *p)) must not find every row's
				// pointer aimed at the last row's value.
				v := col.ints[i] != 0
				p.InRecovery = &v
			}
		case colSeenSeq:
			if col.isDefined(i) {
				v := col.ints[i]
				p.SeenSeq = &v
			}
		case colObserved:
			p.Observed = col.ints[i]
		case colServerTime:
			p.ServerTime = col.ints[i]
		case colTimeline:
			p.Timeline = col.ints[i]
		}
	}
	return p
}

// Err is the error that ended the reading, nil at the end of the file.
// It names the file (and the row group and column, when decoding failed).
func (r *ProbeReader) Err() error { return r.err }

// Absent names the optional columns asked for that the file lacks (they
// read as NULL), known once the file is open: after the first Next or
// NextBatch. Callers say what their analysis cannot tell without them.
func (r *ProbeReader) Absent() []string {
	var out []string
	if r.pf == nil {
		return nil
	}
	for _, i := range r.want {
		if r.leaf[i] == absent {
			out = append(out, ProbeColumns[i].Name)
		}
	}
	return out
}

// Close closes the file, or leaves it open in ReadOptions.Cache when the
// reading met no error.
func (r *ProbeReader) Close() error {
	if r.f == nil {
		return nil
	}
	var err error
	if r.opt.Cache != nil && r.err == nil {
		err = r.opt.Cache.put(r.path, r.f, r.pf)
	} else {
		err = r.f.Close()
	}
	r.f = nil
	return err
}

// The indexes of ProbeColumns, for Row's switch; TestProbeReaderColumnIndexes
// checks them against the list.
const (
	colRunID = iota
	colKind
	colConn
	colEndpoint
	colProfile
	colSeq
	colIntended
	colStart
	colConnectDone
	colEnd
	colLatency
	colOutcome
	colErrorClass
	colSQLState
	colError
	colResolvedAddrs
	colDialedAddr
	colConnEstablished
	colServerAddr
	colServerStart
	colSystemID
	colInRecovery
	colSeenSeq
	colObserved
	colServerTime
	colTimeline
)

// Batch is one row group of a segment, column by column: Len rows, each
// column asked for as a slice of Len values, which the caller must not
// change (an all-NULL column shares the reader's zeros). Timestamps are nanoseconds;
// NULL is 0 (the empty string's symbol 0 for strings), and Defined tells
// NULL from a stored 0 where Probe does (its pointer fields: seen_seq,
// in_recovery). A Batch and its slices are reused by the next NextBatch.
type Batch struct {
	Len      int
	RowGroup int // index of the row group in the file
	cols     [numColumns]batchColumn
}

type batchColumn struct {
	read    bool
	ints    []int64  // TypeInt64; TypeBool as 0 and 1
	syms    []uint32 // TypeString
	defined []bool   // nil: no NULL in the batch
	nulls   int      // rows that are NULL
	// the column's own memory, kept for the next batch; ints, syms and
	// defined are views of it or of the reader's zeros (never written)
	intBuf []int64
	symBuf []uint32
	defBuf []bool
}

func (c *batchColumn) isDefined(i int) bool { return c.defined == nil || c.defined[i] }

// column is the column name if it was read and holds strings (str) or
// int64 and bool values (!str); nil otherwise.
func (b *Batch) column(name string, str bool) *batchColumn {
	i, ok := columnIndex[name]
	if !ok || !b.cols[i].read || (ProbeColumns[i].Type == TypeString) != str {
		return nil
	}
	return &b.cols[i]
}

// Int64 is the int64 (or timestamp, or bool as 0 and 1) column name: nil
// when it was not asked for or is no such column.
func (b *Batch) Int64(name string) []int64 {
	if c := b.column(name, false); c != nil {
		return c.ints[:b.Len]
	}
	return nil
}

// Symbols is the string column name as symbols of ReadOptions.Symbols:
// nil when it was not asked for or is no such column.
func (b *Batch) Symbols(name string) []uint32 {
	if c := b.column(name, true); c != nil {
		return c.syms[:b.Len]
	}
	return nil
}

// Defined says which rows of an int64 or bool column are not NULL; nil
// when none is NULL (or the column was not read).
func (b *Batch) Defined(name string) []bool {
	i, ok := columnIndex[name]
	if !ok || !b.cols[i].read || b.cols[i].defined == nil {
		return nil
	}
	return b.cols[i].defined[:b.Len]
}

// AllNull reports whether column name is NULL in every row of the batch
// (a file without the column, or a column nobody filled), or was not
// read: a caller may then skip it altogether.
func (b *Batch) AllNull(name string) bool {
	i, ok := columnIndex[name]
	return !ok || !b.cols[i].read || b.cols[i].nulls == b.Len
}

func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// growZeros returns b, or a larger buffer of zeros when b is shorter than
// n. Its values are never written: it backs all-NULL columns.
func growZeros[T any](b []T, n int) []T {
	if len(b) < n {
		return make([]T, n)
	}
	return b
}

// allNull reports whether the statistics of a column chunk of n rows say
// that every value is NULL. A writer need not fill the null count (0
// then, which never matches), but one that fills it must fill it right:
// parquet-go, DuckDB and Spark do.
func allNull(chunk parquet.ColumnChunk, n int) bool {
	fc, ok := chunk.(*parquet.FileColumnChunk)
	return ok && n > 0 && fc.NumValues() == int64(n) && fc.NullCount() == int64(n)
}

// symbolTable is the Symbols of a reader that was given none.
type symbolTable struct {
	strs []string
	idx  map[string]uint32
}

func newSymbolTable() *symbolTable {
	return &symbolTable{strs: []string{""}, idx: map[string]uint32{"": 0}}
}

func (t *symbolTable) Intern(b []byte) uint32 {
	if id, ok := t.idx[string(b)]; ok {
		return id
	}
	id := uint32(len(t.strs))
	s := string(b)
	t.strs = append(t.strs, s)
	t.idx[s] = id
	return id
}

func (t *symbolTable) String(sym uint32) string { return t.strs[sym] }

// decoder decodes column chunks page by page into reused buffers.
type decoder struct {
	// the dictionary of the last page and its entries, decoded once
	dict     parquet.Dictionary
	dictSyms []uint32
	dictInts []int64
	dictKind int // 0 none, 1 syms, 2 ints
	dictTab  Symbols
	// a page's values before NULLs are placed
	valSyms []uint32
	valInts []int64
	vals    []parquet.Value
}

var errShortChunk = errors.New("column chunk holds fewer values than the row group has rows")

// readChunk walks the pages of one column chunk and places each page's
// values, decoded by values, into out by the page's definition levels
// (NULL becomes zero). A page without NULLs is decoded by values straight
// into its rows of out (dst), which saves a copy and a pass over the
// definition levels: values may fill dst and return it, or return values
// of its own, which are copied. It checks that the chunk has exactly len(out) rows.
// With track, the returned defined says which rows are not NULL, nil when
// none is; it is made in defBuf when that has room. (Strings need no
// tracking: NULL is the empty string's symbol.)
// nulls counts the NULL rows.
func readChunk[T any](chunk parquet.ColumnChunk, out []T, track bool, defBuf []bool, values func(page parquet.Page, dst []T) []T) (defined []bool, nulls int, err error) {
	pages := chunk.Pages()
	defer pages.Close()
	pos := 0
	for {
		page, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		n := int(page.NumRows())
		if pos+n > len(out) {
			parquet.Release(page)
			return nil, 0, fmt.Errorf("column chunk holds more values than the row group has rows")
		}
		def := page.DefinitionLevels()
		pageNulls := int(page.NumNulls())
		nulls += pageNulls
		if pageNulls == n {
			// a page of NULLs (a column nobody filled): no values to place
			clear(out[pos : pos+n])
			if track {
				if defined == nil {
					defined = grow(defBuf, len(out))
					for i := range pos {
						defined[i] = true
					}
				}
				clear(defined[pos : pos+n])
			}
			parquet.Release(page)
			pos += n
			continue
		}
		if track && defined == nil && pageNulls > 0 {
			defined = grow(defBuf, len(out))
			for i := range pos {
				defined[i] = true
			}
		}
		if pageNulls == 0 {
			err = place(out[pos:pos+n], values(page, out[pos:pos+n]), defined, pos)
		} else {
			err = scatter(out[pos:pos+n], values(page, nil), def, defined, pos)
		}
		parquet.Release(page)
		if err != nil {
			return nil, 0, err
		}
		pos += n
	}
	if pos != len(out) {
		return nil, 0, errShortChunk
	}
	return defined, nulls, nil
}

// place puts the values of a page without NULLs into out (a no-op when
// values decoded them there); defined[pos+i], when defined is not nil, is
// set.
func place[T any](out, vals []T, defined []bool, pos int) error {
	if len(vals) != len(out) {
		return fmt.Errorf("page holds %d values for %d rows", len(vals), len(out))
	}
	if len(out) > 0 && &vals[0] != &out[0] {
		copy(out, vals)
	}
	if defined != nil {
		for i := range out {
			defined[pos+i] = true
		}
	}
	return nil
}

// scatter places the non-NULL values vals into out by the definition
// levels def (nil or empty: no NULLs), writing zero where a level is 0;
// defined[pos+i], when defined is not nil, says which rows are not NULL.
func scatter[T any](out, vals []T, def []byte, defined []bool, pos int) error {
	if len(def) == 0 {
		if len(vals) != len(out) {
			return fmt.Errorf("page holds %d values for %d rows", len(vals), len(out))
		}
		copy(out, vals)
		if defined != nil {
			for i := range out {
				defined[pos+i] = true
			}
		}
		return nil
	}
	if len(def) != len(out) {
		return fmt.Errorf("page holds %d definition levels for %d rows", len(def), len(out))
	}
	var zero T
	j := 0
	for i, d := range def {
		if defined != nil {
			defined[pos+i] = d != 0
		}
		if d == 0 {
			out[i] = zero
			continue
		}
		if j >= len(vals) {
			return fmt.Errorf("page holds fewer values than its definition levels say")
		}
		out[i] = vals[j]
		j++
	}
	return nil
}

// readSyms decodes a byte-array column chunk (dictionary-encoded or plain,
// optional or required) into symbols of t; NULL becomes symbol 0. A
// dictionary's entries are interned once, not once per row.
func (d *decoder) readSyms(chunk parquet.ColumnChunk, out []uint32, t Symbols) (int, error) {
	d.dict, d.dictKind = nil, 0
	_, nulls, err := readChunk(chunk, out, false, nil, func(page parquet.Page, dst []uint32) []uint32 {
		data := page.Data()
		var vals []uint32
		if dict := page.Dictionary(); dict != nil {
			if dict != d.dict || d.dictKind != 1 || d.dictTab != t {
				d.dict, d.dictKind, d.dictTab = dict, 1, t
				d.dictSyms = grow(d.dictSyms, dict.Len())
				for i := range d.dictSyms {
					d.dictSyms[i] = t.Intern(dict.Index(int32(i)).ByteArray())
				}
			}
			ix := data.Int32()
			vals = target(dst, &d.valSyms, len(ix))
			for i, j := range ix {
				vals[i] = d.dictSyms[j]
			}
		} else {
			b, offs := data.ByteArray()
			cnt := max(len(offs)-1, 0)
			vals = target(dst, &d.valSyms, cnt)
			for i := 0; i < cnt; i++ {
				vals[i] = t.Intern(b[offs[i]:offs[i+1]])
			}
		}
		return vals
	})
	return nulls, err
}

// readInts decodes an int64 column chunk (plain, delta or dictionary
// encoded, optional or required); NULL becomes 0.
func (d *decoder) readInts(chunk parquet.ColumnChunk, out []int64, defBuf []bool) ([]bool, int, error) {
	d.dict, d.dictKind = nil, 0
	return readChunk(chunk, out, true, defBuf, func(page parquet.Page, dst []int64) []int64 {
		data := page.Data()
		dict := page.Dictionary()
		if dict == nil {
			return data.Int64()
		}
		if dict != d.dict || d.dictKind != 2 {
			d.dict, d.dictKind = dict, 2
			d.dictInts = grow(d.dictInts, dict.Len())
			for i := range d.dictInts {
				d.dictInts[i] = dict.Index(int32(i)).Int64()
			}
		}
		ix := data.Int32()
		vals := target(dst, &d.valInts, len(ix))
		for i, j := range ix {
			vals[i] = d.dictInts[j]
		}
		return vals
	})
}

// target is where a page's n values are decoded: dst, the page's rows of
// the batch, when it has their number; otherwise the decoder's buffer own
// (a page without NULLs that holds more or fewer values than rows, which
// readChunk then refuses, or a page with NULLs, which scatter places).
func target[T any](dst []T, own *[]T, n int) []T {
	if len(dst) == n {
		return dst
	}
	*own = grow(*own, n)
	return *own
}

// readBools decodes a boolean column chunk into 0 and 1 through
// parquet-go's values (bit-packed booleans are rare here: in_recovery);
// NULL becomes 0.
func (d *decoder) readBools(chunk parquet.ColumnChunk, out []int64, defBuf []bool) ([]bool, int, error) {
	d.dict, d.dictKind = nil, 0
	return readChunk(chunk, out, true, defBuf, func(page parquet.Page, _ []int64) []int64 {
		n := int(page.NumValues())
		d.vals = grow(d.vals, n)
		got := 0
		vr := page.Values()
		for got < n {
			k, err := vr.ReadValues(d.vals[got:])
			got += k
			if err != nil || k == 0 {
				break
			}
		}
		vals := d.valInts[:0]
		for _, v := range d.vals[:got] {
			if v.IsNull() {
				continue
			}
			b := int64(0)
			if v.Boolean() {
				b = 1
			}
			vals = append(vals, b)
		}
		d.valInts = vals
		return vals
	})
}

// readBufferSize is parquet-go's read buffer for a column chunk's pages:
// with its default of 4 KiB most pages took two reads (the header and the
// 4 KiB after it, then the rest), and a system call costs on a virtual
// machine (pread was 4.4% of an analysis). 64 KiB holds most of a
// segment's column chunks whole: a third fewer reads, no more memory
// (256 KiB: fewer reads still, but 10 MB more peak RSS and no faster).
const readBufferSize = 64 << 10
