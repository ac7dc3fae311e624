package store

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"sync"
	"unsafe"

	"github.com/parquet-go/parquet-go"
)

// Probe rows are written column by column: each column's values (with
// their definition levels, so NULL is said, never guessed) go straight
// to the column's writer of a parquet.GenericWriter[Probe], which keeps
// the schema, the encodings and the compression of Probe's tags.
//
// Not parquet-go's GenericWriter.Write: its batch path for optional
// value-type fields (writeRowsFuncOfOptional, v0.32.0 and v0.32.1) tests
// "the rest of a 64-row null bitmap word is all set" as
// bits>>y == 1<<y - 1, so a lone non-NULL value at row y of a word (row
// 1, 2, ...) makes the NULLs after it in that word non-NULL zeros: an
// import wrote error_class '' instead of NULL on rows 2-63 of 64-row
// blocks after an isolated error (TestWriteKeepsNulls). Writing columns
// is also cheaper: no reflection over rows, one column's values at a
// time.

// writeChunk is the number of values handed to a column writer at once;
// the writer cuts pages at its page buffer size between calls.
const writeChunk = 1024

// valueBufs holds the []parquet.Value buffers of writeProbes.
var valueBufs = sync.Pool{New: func() any { b := make([]parquet.Value, 0, writeChunk); return &b }}

// writeProbes writes rows, in the order given, as one Parquet file of
// probes to w with the writer options opts.
func writeProbes(w io.Writer, rows []Probe, opts ...parquet.WriterOption) error {
	cw, err := newColumnsWriter(w, opts...)
	if err != nil {
		return err
	}
	defer cw.release()
	if err := cw.write(rows); err != nil {
		return err
	}
	return cw.pw.Close()
}

// columnsWriter writes probes column by column to a GenericWriter.
type columnsWriter struct {
	pw     *parquet.GenericWriter[Probe]
	cols   []*parquet.ColumnWriter
	leaves []parquet.LeafColumn // of ProbeColumns, by index
	bp     *[]parquet.Value
}

func newColumnsWriter(w io.Writer, opts ...parquet.WriterOption) (*columnsWriter, error) {
	pw := parquet.NewGenericWriter[Probe](w, opts...)
	cw := &columnsWriter{pw: pw, cols: pw.ColumnWriters(), leaves: make([]parquet.LeafColumn, len(ProbeColumns))}
	for ci, c := range ProbeColumns {
		leaf, ok := pw.Schema().Lookup(c.Name)
		if !ok {
			return nil, fmt.Errorf("write probes: the schema has no column %q", c.Name)
		}
		cw.leaves[ci] = leaf
	}
	cw.bp = valueBufs.Get().(*[]parquet.Value)
	return cw, nil
}

func (cw *columnsWriter) release() {
	if cw.bp != nil {
		valueBufs.Put(cw.bp)
		cw.bp = nil
	}
}

// write adds rows to the row group: a chunk of rows at a time, every
// column of it while its rows are in the CPU's cache (a Probe is a few
// hundred bytes).
func (cw *columnsWriter) write(rows []Probe) error {
	for start := 0; start < len(rows); start += writeChunk {
		chunk := rows[start:min(start+writeChunk, len(rows))]
		for ci, leaf := range cw.leaves {
			vals := appendColumn((*cw.bp)[:0], chunk, ci, leaf.MaxDefinitionLevel, leaf.ColumnIndex)
			*cw.bp = vals
			if _, err := cw.cols[leaf.ColumnIndex].WriteRowValues(vals); err != nil {
				return fmt.Errorf("write probes: column %s: %w", ProbeColumns[ci].Name, err)
			}
		}
	}
	return nil
}

// ProbesFile is a Parquet file of probes written a piece at a time (one
// row group): the file WriteProbesFile writes, without holding its rows.
// Its rows, as Write hands them over, are encoded at once; only the
// encoded pages are kept until Close.
type ProbesFile struct {
	path string
	f    *os.File
	cw   *columnsWriter
}

// CreateProbesFile creates the Parquet file of probes at path.
func CreateProbesFile(path string) (*ProbesFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	cw, err := newColumnsWriter(f, probeFileOptions()...)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &ProbesFile{path: path, f: f, cw: cw}, nil
}

// Write adds rows, in the order given, after those written before.
func (pf *ProbesFile) Write(rows []Probe) error {
	if err := pf.cw.write(rows); err != nil {
		return fmt.Errorf("write %s: %w", pf.path, err)
	}
	return nil
}

// Close finishes the file, syncs and closes it. The file is left on
// error, for the caller to remove.
func (pf *ProbesFile) Close() error {
	defer pf.cw.release()
	return fillFile(pf.f, pf.path, true, func(io.Writer) error { return pf.cw.pw.Close() })
}

// Abort closes the file without finishing it.
func (pf *ProbesFile) Abort() {
	pf.cw.release()
	pf.f.Close()
}

// appendColumn appends column ci (an index of ProbeColumns) of rows as
// values of leaf column leaf, whose maximum definition level is def (0:
// required). NULL (the empty string, 0, a nil pointer in an optional
// column) is a null value at level 0. Each column type has its own loop
// over the field's place in Probe (probeFields), which is what keeps this
// cheaper than parquet-go's reflection over rows.
func appendColumn(vals []parquet.Value, rows []Probe, ci, def, leaf int) []parquet.Value {
	null := parquet.NullValue().Level(0, 0, leaf)
	f := probeFields[ci]
	at := func(i int) unsafe.Pointer { return unsafe.Add(unsafe.Pointer(&rows[i]), f.offset) }
	optional := def > 0
	switch f.kind {
	case fieldString:
		tmpl := parquet.ByteArrayValue(nil).Level(0, def, leaf)
		for i := range rows {
			s := *(*string)(at(i))
			if optional && s == "" {
				vals = append(vals, null)
				continue
			}
			v := setBytes(tmpl, s)
			if !valueLayoutOK {
				v = parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(s), len(s))).Level(0, def, leaf)
			}
			vals = append(vals, v)
		}
	case fieldInt64:
		tmpl := parquet.Int64Value(0).Level(0, def, leaf)
		for i := range rows {
			v := *(*int64)(at(i))
			if optional && v == 0 {
				vals = append(vals, null)
				continue
			}
			x := setInt64(tmpl, v)
			if !valueLayoutOK {
				x = parquet.Int64Value(v).Level(0, def, leaf)
			}
			vals = append(vals, x)
		}
	case fieldInt64Ptr: // a stored 0 is not NULL
		for i := range rows {
			p := *(**int64)(at(i))
			if p == nil {
				vals = append(vals, null)
				continue
			}
			vals = append(vals, parquet.Int64Value(*p).Level(0, def, leaf))
		}
	case fieldBoolPtr:
		for i := range rows {
			p := *(**bool)(at(i))
			if p == nil {
				vals = append(vals, null)
				continue
			}
			vals = append(vals, parquet.BooleanValue(*p).Level(0, def, leaf))
		}
	}
	return vals
}

// valueLayout is parquet.Value's memory: its data (a pointer and 64
// bits) before its kind and levels. setInt64 and setBytes set the data
// of a value whose kind and levels are made once per column by
// parquet-go's own constructors, which are too slow to call per value
// (Value.Level is not inlined); valueLayoutOK checks, once, that they
// give what the constructors give, else the constructors are used.
type valueLayout struct {
	ptr *byte
	u64 uint64
}

var valueLayoutOK = func() bool {
	if unsafe.Sizeof(parquet.Value{}) < unsafe.Sizeof(valueLayout{}) {
		return false
	}
	s := "abc"
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	return setInt64(parquet.Int64Value(0).Level(0, 1, 7), -42) == parquet.Int64Value(-42).Level(0, 1, 7) &&
		setBytes(parquet.ByteArrayValue(nil).Level(0, 1, 7), s) == parquet.ByteArrayValue(b).Level(0, 1, 7) &&
		setBytes(parquet.ByteArrayValue(nil).Level(0, 0, 7), "") == parquet.ByteArrayValue(nil).Level(0, 0, 7)
}()

// setInt64 is v, an int64 value, holding x.
func setInt64(v parquet.Value, x int64) parquet.Value {
	l := (*valueLayout)(unsafe.Pointer(&v))
	l.u64 = uint64(x)
	return v
}

// setBytes is v, a byte array value, holding the bytes of s (shared: the
// writer copies them into its dictionary or page).
func setBytes(v parquet.Value, s string) parquet.Value {
	l := (*valueLayout)(unsafe.Pointer(&v))
	l.ptr, l.u64 = unsafe.StringData(s), uint64(len(s))
	return v
}

// The Go types of Probe's fields.
const (
	fieldString = iota
	fieldInt64
	fieldInt64Ptr
	fieldBoolPtr
)

// probeField is where a column's field lies in Probe and its Go type.
type probeField struct {
	offset uintptr
	kind   int
}

// probeFields are the fields of ProbeColumns, by index (ProbeColumns is
// in the order of Probe's fields: TestColumnsMatchProbe).
var probeFields = func() []probeField {
	t := reflect.TypeFor[Probe]()
	out := make([]probeField, t.NumField())
	for i := range out {
		f := t.Field(i)
		k := -1
		switch f.Type {
		case reflect.TypeFor[string]():
			k = fieldString
		case reflect.TypeFor[int64]():
			k = fieldInt64
		case reflect.TypeFor[*int64]():
			k = fieldInt64Ptr
		case reflect.TypeFor[*bool]():
			k = fieldBoolPtr
		default:
			panic(fmt.Sprintf("store: Probe.%s is a %v, which writeProbes does not write", f.Name, f.Type))
		}
		out[i] = probeField{offset: f.Offset, kind: k}
	}
	return out
}()
