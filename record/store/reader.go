package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/switchwatch/switchwatch/internal/lines"
	"github.com/switchwatch/switchwatch/internal/regular"
)

// ErrSchemaVersion is wrapped by errors about files of another schema version.
var ErrSchemaVersion = errors.New("unsupported schema version")

// OpenSegment opens a Parquet file of probe rows and checks that it is a
// switchwatch file of this schema version, on the local disk or in a
// Remote. The caller closes the File. opts are parquet-go's (the
// ProbeReader skips the page index and bloom filters, which it never
// uses).
func OpenSegment(path string, opts ...parquet.FileOption) (File, *parquet.File, error) {
	f, err := OpenFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if st.Size() == 0 {
		f.Close()
		return nil, nil, fmt.Errorf("%s: empty file", path)
	}
	// parquet-go allocates whatever footer length a file claims before it
	// checks it: a few bytes of junk made it allocate half a gigabyte. The
	// footer must end in PAR1 and fit in the file.
	var tail [8]byte
	if st.Size() < 12 {
		f.Close()
		return nil, nil, fmt.Errorf("%s: not a readable Parquet file: %d bytes", path, st.Size())
	}
	if _, err := f.ReadAt(tail[:], st.Size()-8); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); string(tail[4:]) != "PAR1" || n > st.Size()-12 {
		f.Close()
		return nil, nil, fmt.Errorf("%s: not a readable Parquet file: truncated or corrupt footer", path)
	}
	pf, err := parquet.OpenFile(f, st.Size(), opts...)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: not a readable Parquet file: %w", path, err)
	}
	if v, ok := pf.Lookup(MetaSchemaVersion); !ok || !readsVersion(atoi(v)) {
		f.Close()
		if !ok {
			v = "none"
		}
		return nil, nil, fmt.Errorf("%s: %w %s (this switchwatch reads %s)", path, ErrSchemaVersion, v, versionsRead())
	}
	return f, pf, nil
}

// atoi is the schema version in a segment's metadata, 0 when it is not a
// number.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// ReadSegment streams the rows of one Parquet segment to fn in file order,
// every column, timestamps in nanoseconds whatever unit the file stores
// them in: ReadSegmentColumns with every column.
// The *Probe given to fn is reused for the next row: copy what you keep.
// An error from fn stops the reading and is returned as is.
func ReadSegment(path string, fn func(*Probe) error) error {
	return ReadSegmentColumns(path, nil, fn)
}

// ReadSegmentColumns is ReadSegment reading only the columns named (nil:
// all; see ProbeReader): the others are zero in the rows given to fn.
func ReadSegmentColumns(path string, columns []string, fn func(*Probe) error) error {
	r := NewProbeReader(path, ReadOptions{Columns: columns})
	defer r.Close()
	for r.Next() {
		if err := fn(r.Row()); err != nil {
			return err
		}
	}
	return r.Err()
}

// ReadJournal reads a journal. Lines that do not parse (a crash usually cuts
// the last one), rows that fail Probe.Check and lines longer than
// lines.Max are returned as LineErrors beside the rows that do: one bad
// line never costs the lines after it.
func ReadJournal(path string) ([]Probe, []*LineError, error) {
	f, err := regular.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open journal: %w", err)
	}
	defer f.Close()
	return readJournal(path, f)
}

// readJournal is ReadJournal on the content of the file path.
func readJournal(path string, r io.Reader) ([]Probe, []*LineError, error) {
	var rows []Probe
	var bad []*LineError
	err := lines.Scan(r, func(line int, text string, _, tooLong bool) error {
		if tooLong {
			bad = append(bad, &LineError{File: path, Line: line, Err: lines.ErrTooLong})
			return nil
		}
		if text == "" {
			return nil
		}
		var p Probe
		if err := json.Unmarshal([]byte(text), &p); err != nil {
			bad = append(bad, &LineError{File: path, Line: line, Err: err})
			return nil
		}
		if err := p.Check(); err != nil {
			bad = append(bad, &LineError{File: path, Line: line, Err: fmt.Errorf("not a probe row: %w", err)})
			return nil
		}
		rows = append(rows, p)
		return nil
	})
	if err != nil {
		return rows, bad, fmt.Errorf("read journal %s: %w", path, err)
	}
	return rows, bad, nil
}

// SkippedFile is an input file, or part of one, that a reader could not use.
type SkippedFile struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
	// Rows is the number of rows lost with it, when known (-1 when unknown).
	Rows int64 `json:"rows"`
}

// ReadRun streams every probe row of a run folder to fn: the closed
// segments in order, then the rows of journals that a crash left behind and
// nobody has recovered yet (without changing the folder). A segment that
// cannot be read is reported through skip and the rest is read; fn's *Probe
// is reused (Probe.Clone keeps a row). The rows come grouped by segment, not globally sorted.
func ReadRun(dir string, fn func(*Probe) error, skip func(SkippedFile)) error {
	return ReadRunColumns(dir, nil, fn, skip)
}

// ReadRunColumns is ReadRun reading only the columns named from the
// segments (nil: all; see ProbeReader); journal rows come whole.
func ReadRunColumns(dir string, columns []string, fn func(*Probe) error, skip func(SkippedFile)) error {
	files, err := ListRunFiles(dir)
	if err != nil {
		return err
	}
	for _, s := range files.Segments {
		var fnErr error
		err := ReadSegmentColumns(s, columns, func(p *Probe) error {
			if e := fn(p); e != nil {
				fnErr = e
				return e
			}
			return nil
		})
		if fnErr != nil {
			return fnErr
		}
		if err != nil {
			skip(SkippedFile{Path: s, Reason: err.Error(), Rows: -1})
		}
	}
	for _, j := range files.Journals {
		rows, bad, err := ReadJournal(j)
		if err != nil {
			skip(SkippedFile{Path: j, Reason: err.Error(), Rows: -1})
		}
		for _, b := range bad {
			skip(SkippedFile{Path: j, Reason: b.Error(), Rows: 1})
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
	}
	return nil
}
