package analyze

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/switchwatch/switchwatch/record/store"
)

// The fast reader: it reads only the column chunks the analysis needs, page
// by page, as typed int64 slices and dictionary indexes, and turns each row
// group into compact rows. It never builds a store.Probe. readSegmentRows is
// its generic twin (store.ReadSegment), kept for tests that check both agree.

// symColumns and intColumns are the columns the analysis reads (by their
// store names), split by type as store.ProbeColumns says.
var symColumns, intColumns = splitColumns(
	store.ColRunID, store.ColKind, store.ColConn, store.ColEndpoint, store.ColProfile, store.ColOutcome, store.ColErrorClass,
	store.ColError, store.ColResolvedAddrs, store.ColServerAddr, store.ColDialedAddr,
	store.ColSeq, store.ColIntended, store.ColStart, store.ColEnd, store.ColLatency, store.ColServerStart, store.ColSeenSeq,
	store.ColObserved, store.ColConnEstablished, store.ColServerTime, store.ColTimeline, store.ColConnectDone)

func splitColumns(names ...string) (syms, ints []string) {
	for _, name := range names {
		c, ok := store.ProbeColumn(name)
		switch {
		case !ok:
			panic("analyze: store.Probe has no column " + name)
		case c.Type == store.TypeString:
			syms = append(syms, name)
		case c.Type == store.TypeInt64:
			ints = append(ints, name)
		default:
			panic("analyze: no fast reader for column " + name)
		}
	}
	return syms, ints
}

// absent marks a column that is not in a file.
const absent = -1

// columnIndexes returns the leaf index of each of names in a file's schema:
// absent for an optional column the file lacks (a file written before the
// column existed), an error naming file and column for a required one or
// for a column of another physical type. Timestamps stored in another
// unit than nanoseconds get their store.TimeScale in scale.
func columnIndexes(path string, schema *parquet.Schema, names []string, idx map[string]int, scale map[string]int64) error {
	for _, name := range names {
		leaf, ok := schema.Lookup(name)
		if ok {
			c, _ := store.ProbeColumn(name)
			want := parquet.ByteArray
			if c.Type == store.TypeInt64 {
				want = parquet.Int64
			}
			if k := leaf.Node.Type().Kind(); k != want {
				return fmt.Errorf("%s: not a switchwatch probe file: column %q is %v, want %v", path, name, k, want)
			}
			if c.Time {
				if k := store.TimeScale(leaf.Node); k != 1 {
					scale[name] = k
				}
			}
			idx[name] = leaf.ColumnIndex
			continue
		}
		if c, _ := store.ProbeColumn(name); c.Optional {
			idx[name] = absent
			continue
		}
		return fmt.Errorf("%s: not a switchwatch probe file: no column %q", path, name)
	}
	return nil
}

// colReader decodes column chunks into reused buffers.
type colReader struct {
	syms *symtab
	// dictionary cache: symbols of the entries of the current dictionary
	dict     parquet.Dictionary
	dictSyms []uint32
	dictInts []int64
	dictKind int // 0 none, 1 syms, 2 ints

	symBuf map[string][]uint32
	intBuf map[string][]int64
	// page values before NULLs are placed
	valSyms []uint32
	valInts []int64
	codes   codeTable
	// oneRun skips the run_id column (the rows of a run folder).
	oneRun bool
}

func newColReader(syms *symtab) *colReader {
	return &colReader{syms: syms, symBuf: map[string][]uint32{}, intBuf: map[string][]int64{}}
}

// readSegmentFast appends the rows of one Parquet file of probes to the run
// that into(runID symbol) returns. It returns the number of rows appended.
// A file that fails part way keeps the row groups read before the failure.
func readSegmentFast(path string, cr *colReader, into func(runID uint32) *runRows) (int64, error) {
	f, pf, err := store.OpenSegment(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	idx, scale := map[string]int{}, map[string]int64{}
	if err := columnIndexes(path, pf.Schema(), symColumns, idx, scale); err != nil {
		return 0, err
	}
	if err := columnIndexes(path, pf.Schema(), intColumns, idx, scale); err != nil {
		return 0, err
	}
	var appended int64
	for gi, rg := range pf.RowGroups() {
		n := int(rg.NumRows())
		chunks := rg.ColumnChunks()
		for _, name := range symColumns {
			buf := grow(cr.symBuf[name], n)
			if name == store.ColRunID && cr.oneRun || idx[name] == absent {
				clear(buf) // NULL; a run folder holds one run: its rows need no run_id
				cr.symBuf[name] = buf
				continue
			}
			if err := cr.readSyms(chunks[idx[name]], buf); err != nil {
				return appended, fmt.Errorf("read %s: row group %d, column %s: %w", path, gi, name, err)
			}
			cr.symBuf[name] = buf
		}
		for _, name := range intColumns {
			null := int64(0)
			if name == store.ColSeenSeq {
				null = -1
			}
			buf := grow(cr.intBuf[name], n)
			if idx[name] == absent {
				for i := range buf {
					buf[i] = null
				}
				cr.intBuf[name] = buf
				continue
			}
			if err := cr.readInts(chunks[idx[name]], buf, null); err != nil {
				return appended, fmt.Errorf("read %s: row group %d, column %s: %w", path, gi, name, err)
			}
			if k := scale[name]; k > 1 {
				for i := range buf {
					buf[i] *= k // NULL is 0 and stays 0
				}
			}
			cr.intBuf[name] = buf
		}
		cr.emit(n, into)
		appended += int64(n)
	}
	return appended, nil
}

// countStreams counts the rows of each stream in a Parquet file of probes,
// reading only the kind, conn, endpoint and profile columns (dictionary
// indexes, a small part of the file; profile may be absent), so that the
// reading pass can allocate every stream's rows once. Errors are left to
// the reading pass.
func countStreams(path string, cr *colReader, counts map[streamKey]int) {
	f, pf, err := store.OpenSegment(path)
	if err != nil {
		return
	}
	defer f.Close()
	names := [4]string{store.ColKind, store.ColConn, store.ColEndpoint, store.ColProfile}
	var idx [4]int
	for i, name := range names {
		leaf, ok := pf.Schema().Lookup(name)
		switch {
		case ok:
			idx[i] = leaf.ColumnIndex
		case name == store.ColProfile:
			idx[i] = absent
		default:
			return
		}
	}
	for _, rg := range pf.RowGroups() {
		n := int(rg.NumRows())
		chunks := rg.ColumnChunks()
		var cols [4][]uint32
		for i, name := range names {
			cols[i] = grow(cr.symBuf[name], n)
			cr.symBuf[name] = cols[i]
			if idx[i] == absent {
				clear(cols[i])
				continue
			}
			if err := cr.readSyms(chunks[idx[i]], cols[i]); err != nil {
				return
			}
		}
		// rows come sorted by stream: count runs of one key
		for i := 0; i < n; {
			k := streamKey{cols[0][i], cols[1][i], cols[2][i], cols[3][i]}
			j := i + 1
			for j < n && cols[0][j] == k.kind && cols[1][j] == k.conn && cols[2][j] == k.endpoint && cols[3][j] == k.profile {
				j++
			}
			counts[k] += j - i
			i = j
		}
	}
}

func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// emit turns the decoded columns of a row group into rows.
func (cr *colReader) emit(n int, into func(uint32) *runRows) {
	runID, kind, conn, ep := cr.symBuf[store.ColRunID], cr.symBuf[store.ColKind], cr.symBuf[store.ColConn], cr.symBuf[store.ColEndpoint]
	prof := cr.symBuf[store.ColProfile]
	outcome, class, msg := cr.symBuf[store.ColOutcome], cr.symBuf[store.ColErrorClass], cr.symBuf[store.ColError]
	dns, addr := cr.symBuf[store.ColResolvedAddrs], cr.symBuf[store.ColServerAddr]
	seq, intended, start, end := cr.intBuf[store.ColSeq], cr.intBuf[store.ColIntended], cr.intBuf[store.ColStart], cr.intBuf[store.ColEnd]
	lat, stime, seen := cr.intBuf[store.ColLatency], cr.intBuf[store.ColServerStart], cr.intBuf[store.ColSeenSeq]
	dialed := cr.symBuf[store.ColDialedAddr]
	observed, established := cr.intBuf[store.ColObserved], cr.intBuf[store.ColConnEstablished]
	srvTime, timeline, connDone := cr.intBuf[store.ColServerTime], cr.intBuf[store.ColTimeline], cr.intBuf[store.ColConnectDone]
	codes := &cr.codes
	// Rows come in blocks of one run and stream (segments are sorted by
	// stream): find the stream once per block and fill its rows in place.
	for i := 0; i < n; {
		j := i + 1
		for j < n && runID[j] == runID[i] && kind[j] == kind[i] && conn[j] == conn[i] && ep[j] == ep[i] && prof[j] == prof[i] {
			j++
		}
		s := into(runID[i]).stream(streamKey{kind[i], conn[i], ep[i], prof[i]}, j-i)
		base := len(s.rows)
		s.rows = s.rows[:base+j-i]
		out := s.rows[base:]
		last := s.lastIntended
		ooo := s.outOfOrder
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
				seen:     seen[k],
				errMsg:   msg[k],
				dns:      dns[k],
				dialed:   dialed[k],
				observed: observed[k], established: established[k],
				serverTime: srvTime[k], timeline: timeline[k], connectDone: connDone[k],
				outcome: codes.outcome(cr.syms, outcome[k]),
				class:   codes.class(cr.syms, class[k]),
			}
			if addr[k] != 0 {
				x.ident = cr.syms.ident(addr[k], stime[k])
			}
			if intended[k] < last {
				ooo++
			}
			last = intended[k]
		}
		s.lastIntended, s.outOfOrder = last, ooo
		i = j
	}
}

// codeTable caches the outcome and class codes of symbols.
type codeTable struct {
	out, cls []int16 // -1: not yet known
}

func (c *codeTable) outcome(t *symtab, s uint32) uint8 {
	for int(s) >= len(c.out) {
		c.out = append(c.out, -1)
	}
	if c.out[s] < 0 {
		c.out[s] = int16(outcomeCode(t.str(s)))
	}
	return uint8(c.out[s])
}

func (c *codeTable) class(t *symtab, s uint32) uint8 {
	for int(s) >= len(c.cls) {
		c.cls = append(c.cls, -1)
	}
	if c.cls[s] < 0 {
		name := t.str(s)
		code, ok := classCode[name]
		if !ok && name != "" {
			code = classOther
		}
		c.cls[s] = int16(code)
	}
	return uint8(c.cls[s])
}

var errShortChunk = errors.New("column chunk holds fewer values than the row group has rows")

// readChunk walks the pages of one column chunk and places each page's
// values, decoded by values, into out by the page's definition levels
// (NULL becomes null). It checks that the chunk has exactly len(out) rows.
func readChunk[T any](chunk parquet.ColumnChunk, out []T, null T, values func(page parquet.Page) []T) error {
	pages := chunk.Pages()
	defer pages.Close()
	pos := 0
	for {
		page, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n := int(page.NumRows())
		if pos+n > len(out) {
			parquet.Release(page)
			return fmt.Errorf("column chunk holds more values than the row group has rows")
		}
		err = scatter(out[pos:pos+n], values(page), page.DefinitionLevels(), null)
		parquet.Release(page)
		if err != nil {
			return err
		}
		pos += n
	}
	if pos != len(out) {
		return errShortChunk
	}
	return nil
}

// readSyms decodes a byte-array column chunk (dictionary-encoded or plain,
// optional or required) into symbols; NULL becomes symbol 0.
func (cr *colReader) readSyms(chunk parquet.ColumnChunk, out []uint32) error {
	cr.dict, cr.dictKind = nil, 0
	return readChunk(chunk, out, 0, func(page parquet.Page) []uint32 {
		data := page.Data()
		var vals []uint32
		if d := page.Dictionary(); d != nil {
			if d != cr.dict || cr.dictKind != 1 {
				cr.dict, cr.dictKind = d, 1
				cr.dictSyms = grow(cr.dictSyms, d.Len())
				for i := range cr.dictSyms {
					cr.dictSyms[i] = cr.syms.internBytes(d.Index(int32(i)).ByteArray())
				}
			}
			ix := data.Int32()
			vals = grow(cr.valSyms, len(ix))
			for i, j := range ix {
				vals[i] = cr.dictSyms[j]
			}
		} else {
			b, offs := data.ByteArray()
			cnt := max(len(offs)-1, 0)
			vals = grow(cr.valSyms, cnt)
			for i := 0; i < cnt; i++ {
				vals[i] = cr.syms.internBytes(b[offs[i]:offs[i+1]])
			}
		}
		cr.valSyms = vals
		return vals
	})
}

// readInts decodes an int64 column chunk (plain, delta or dictionary
// encoded, optional or required); NULL becomes null.
func (cr *colReader) readInts(chunk parquet.ColumnChunk, out []int64, null int64) error {
	cr.dict, cr.dictKind = nil, 0
	return readChunk(chunk, out, null, func(page parquet.Page) []int64 {
		data := page.Data()
		d := page.Dictionary()
		if d == nil {
			return data.Int64()
		}
		if d != cr.dict || cr.dictKind != 2 {
			cr.dict, cr.dictKind = d, 2
			cr.dictInts = grow(cr.dictInts, d.Len())
			for i := range cr.dictInts {
				cr.dictInts[i] = d.Index(int32(i)).Int64()
			}
		}
		ix := data.Int32()
		vals := grow(cr.valInts, len(ix))
		for i, j := range ix {
			vals[i] = cr.dictInts[j]
		}
		cr.valInts = vals
		return vals
	})
}

// scatter places the non-NULL values vals into out by the definition levels
// def (nil or empty: no NULLs), writing null where a level is 0.
func scatter[T any](out, vals []T, def []byte, null T) error {
	if len(def) == 0 {
		if len(vals) != len(out) {
			return fmt.Errorf("page holds %d values for %d rows", len(vals), len(out))
		}
		copy(out, vals)
		return nil
	}
	if len(def) != len(out) {
		return fmt.Errorf("page holds %d definition levels for %d rows", len(def), len(out))
	}
	j := 0
	for i, d := range def {
		if d == 0 {
			out[i] = null
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

// readSegmentRows is the generic reader: store.ReadSegment into rows. It
// reads every column and is an order of magnitude slower than
// readSegmentFast; tests use it to check the fast reader.
func readSegmentRows(path string, cr *colReader, into func(runID uint32) *runRows) (int64, error) {
	syms := cr.syms
	var n int64
	err := store.ReadSegment(path, func(p *store.Probe) error {
		k, x := syms.fromProbe(p)
		into(syms.intern(p.RunID)).add(k, &x)
		n++
		return nil
	})
	return n, err
}
