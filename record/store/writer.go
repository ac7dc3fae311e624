package store

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
)

// WriterOptions tune how often the Writer closes segments and flushes its
// journal. Zero values take the defaults.
type WriterOptions struct {
	// SegmentRows closes a segment after this many rows (default 100,000).
	SegmentRows int
	// SegmentEvery closes a segment after this much time (default 1 minute),
	// so a long quiet run still ends up in Parquet as it goes.
	SegmentEvery time.Duration
	// FlushEvery hands the journal to the kernel at least this often
	// (default 200 ms): the most a kill -9 can lose.
	FlushEvery time.Duration
	// OnSegment, when set, is called with the path of each segment once it
	// is complete and in place (record --out s3:// uploads it from there).
	// It runs with the writer's lock held: it must queue its work and
	// return at once.
	OnSegment func(path string)
}

func (o *WriterOptions) defaults() {
	if o.SegmentRows <= 0 {
		o.SegmentRows = 100_000
	}
	if o.SegmentEvery <= 0 {
		o.SegmentEvery = time.Minute
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = 200 * time.Millisecond
	}
}

// Writer writes the probe rows of one run. It is safe for concurrent use.
// Each Write goes to the journal at once; rows are also kept in memory until
// their segment closes, then written as one sorted Parquet file.
type Writer struct {
	dir  string
	opts WriterOptions

	mu           sync.Mutex
	err          error // sticky: the first write error ends the run
	segment      int   // number of the open segment
	journal      *os.File
	journalBuf   *bufio.Writer
	enc          *json.Encoder
	rows         []Probe
	segmentStart time.Time
	counts       map[string]int64 // rows accepted by Write, by outcome
	saved        map[string]int64 // rows in the segments closed so far
	closed       bool
	lock         *os.File

	stopFlush chan struct{}
	flushDone chan struct{}
}

// ErrRunExists is returned by CreateRun when the run folder already holds a
// run: recording into it again would restart its sequence numbers (every
// write a duplicate key) and overwrite its run.json.
var ErrRunExists = errors.New("a run with this id already exists")

// CreateRun creates OUT/run=<id>/, writes its run.json and returns a Writer
// for its probe rows. It refuses, before writing anything, a run id in use:
// one a live process is recording (ErrRunActive), or one that already holds
// a run (ErrRunExists), finished or interrupted.
func CreateRun(out string, info *RunInfo, opts WriterOptions) (*Writer, error) {
	if info.RunID == "" {
		return nil, fmt.Errorf("create run: empty run id")
	}
	dir := filepath.Join(out, RunDirName(info.RunID))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create run folder: %w", err)
	}
	lock, err := lockRun(dir) // first: a live run's files are its own
	if err != nil {
		return nil, err
	}
	if err := checkUnused(dir); err != nil {
		unlockRun(lock)
		return nil, err
	}
	info.SchemaVersion = SchemaVersion
	if err := WriteRunInfo(dir, info); err != nil {
		unlockRun(lock)
		return nil, err
	}
	return openWriterLocked(dir, opts, lock)
}

// checkUnused fails when run folder dir holds a run.json or probe rows.
func checkUnused(dir string) error {
	files, err := ListRunFiles(dir)
	if err != nil {
		return err
	}
	_, statErr := os.Stat(filepath.Join(dir, RunInfoFile))
	if statErr == nil || len(files.Segments)+len(files.Journals)+len(files.Superseded) > 0 {
		return fmt.Errorf("%s: %w; pick another --run-id (or none for a fresh one), or remove the folder to record it again", dir, ErrRunExists)
	}
	return nil
}

// OpenWriter returns a Writer that adds segments to an existing run folder.
func OpenWriter(dir string, opts WriterOptions) (*Writer, error) {
	lock, err := lockRun(dir)
	if err != nil {
		return nil, err
	}
	return openWriterLocked(dir, opts, lock)
}

// openWriterLocked is OpenWriter for a caller that holds the run's lock; the
// Writer owns it from now on.
func openWriterLocked(dir string, opts WriterOptions, lock *os.File) (*Writer, error) {
	opts.defaults()
	if _, err := recoverLocked(dir); err != nil {
		unlockRun(lock)
		return nil, err
	}
	segs, err := Segments(dir)
	if err != nil {
		unlockRun(lock)
		return nil, err
	}
	next := 1
	if len(segs) > 0 {
		next = segmentNumber(segs[len(segs)-1]) + 1
	}
	w := &Writer{
		dir:       dir,
		opts:      opts,
		lock:      lock,
		counts:    map[string]int64{},
		saved:     map[string]int64{},
		stopFlush: make(chan struct{}),
		flushDone: make(chan struct{}),
	}
	if err := w.openSegment(next); err != nil {
		unlockRun(lock)
		return nil, err
	}
	go w.flushLoop()
	return w, nil
}

// Dir is the run folder.
func (w *Writer) Dir() string { return w.dir }

func (w *Writer) openSegment(n int) error {
	path := filepath.Join(w.dir, JournalName(n))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create journal: %w", err)
	}
	w.segment = n
	w.journal = f
	w.journalBuf = bufio.NewWriterSize(f, 256*1024)
	w.enc = json.NewEncoder(w.journalBuf)
	w.rows = w.rows[:0]
	w.segmentStart = time.Now()
	return nil
}

// Write records one probe. The probe is copied.
func (w *Writer) Write(p *Probe) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("write probe to %s: writer is closed", w.dir)
	}
	if err := w.enc.Encode(p); err != nil {
		w.err = fmt.Errorf("write journal %s: %w", w.journal.Name(), err)
		return w.err
	}
	w.rows = append(w.rows, *p)
	w.counts[p.Outcome]++
	if len(w.rows) >= w.opts.SegmentRows || time.Since(w.segmentStart) >= w.opts.SegmentEvery {
		if err := w.rotateLocked(true); err != nil {
			w.err = err
			return err
		}
	}
	return nil
}

// Counts returns the rows written so far by outcome. After Close it is
// what the run folder holds: after a write error (a full disk) the rows
// accepted but never saved are not counted, so a summary built from it
// matches what a reader finds.
func (w *Writer) Counts() map[string]int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	from := w.counts
	if w.closed {
		from = w.saved
	}
	c := make(map[string]int64, len(from))
	for k, v := range from {
		c[k] = v
	}
	return c
}

func (w *Writer) flushLoop() {
	defer close(w.flushDone)
	t := time.NewTicker(w.opts.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-w.stopFlush:
			return
		case <-t.C:
			w.mu.Lock()
			if w.err == nil && !w.closed {
				if err := w.journalBuf.Flush(); err != nil {
					w.err = fmt.Errorf("write journal %s: %w", w.journal.Name(), err)
				} else if len(w.rows) > 0 && time.Since(w.segmentStart) >= w.opts.SegmentEvery {
					if err := w.rotateLocked(true); err != nil {
						w.err = err
					}
				}
			}
			w.mu.Unlock()
		}
	}
}

// Err returns the first write error, if any. The recorder polls it to stop
// a run whose output has failed (a full disk) instead of probing blind.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// rotateLocked closes the open segment (when it has rows) and, when next is
// set, opens the next one.
func (w *Writer) rotateLocked(next bool) error {
	if err := w.journalBuf.Flush(); err != nil {
		return fmt.Errorf("write journal %s: %w", w.journal.Name(), err)
	}
	journalPath := w.journal.Name()
	if err := w.journal.Close(); err != nil {
		return fmt.Errorf("close journal %s: %w", journalPath, err)
	}
	if len(w.rows) > 0 {
		if err := writeSegment(w.dir, w.segment, w.rows); err != nil {
			return err
		}
		for i := range w.rows {
			w.saved[w.rows[i].Outcome]++
		}
		w.rows = w.rows[:0] // saved: a failure from here on must not count them twice
		if w.opts.OnSegment != nil {
			w.opts.OnSegment(filepath.Join(w.dir, SegmentName(w.segment)))
		}
	}
	if err := os.Remove(journalPath); err != nil {
		return fmt.Errorf("remove journal of closed segment: %w", err)
	}
	if next {
		return w.openSegment(w.segment + 1)
	}
	return nil
}

// Close writes the last segment and stops the writer. It returns the first
// error met while writing, if any: a run whose output failed must not look
// complete.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return w.err
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stopFlush)
	<-w.flushDone
	w.mu.Lock()
	defer w.mu.Unlock()
	defer unlockRun(w.lock)
	if w.err != nil {
		w.journal.Close()
		w.countJournalLocked()
		return w.err
	}
	if err := w.rotateLocked(false); err != nil {
		w.err = err
		w.countJournalLocked()
	}
	return w.err
}

// countJournalLocked adds to saved the rows that the open segment's journal
// holds after a write error: what Recover will turn into a segment. Rows
// that never reached it (a full disk) are not counted.
func (w *Writer) countJournalLocked() {
	if _, err := os.Stat(filepath.Join(w.dir, SegmentName(w.segment))); err == nil {
		return // the segment was written; its journal, if left, is superseded
	}
	rows, _, err := ReadJournal(filepath.Join(w.dir, JournalName(w.segment)))
	if err != nil {
		return
	}
	for i := range rows {
		w.saved[rows[i].Outcome]++
	}
}

// sortProbes orders rows by stream and intended time, which makes the
// timestamp columns delta-encode to a few bits per row.
func sortProbes(rows []Probe) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Conn != b.Conn {
			return a.Conn < b.Conn
		}
		if a.Profile != b.Profile {
			return a.Profile < b.Profile
		}
		if a.Endpoint != b.Endpoint {
			return a.Endpoint < b.Endpoint
		}
		return a.Intended < b.Intended
	})
}

// MetaSchemaVersion is the key/value metadata key that carries the schema
// version in every segment.
const MetaSchemaVersion = "switchwatch.schema_version"

// writeSegment writes rows as segment n of dir: a hidden temporary file,
// synced, then renamed into place.
func writeSegment(dir string, n int, rows []Probe) error {
	sortProbes(rows)
	final := filepath.Join(dir, SegmentName(n))
	tmp := filepath.Join(dir, tmpPrefix+SegmentName(n))
	if err := WriteProbesFile(tmp, rows); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename segment into place: %w", err)
	}
	return syncDir(dir)
}

// WriteProbesFile writes rows, in the order given, as one Parquet file at
// path and syncs it. Importers and tests use it for files outside a Writer.
func WriteProbesFile(path string, rows []Probe) error {
	return WriteFile(path, true, func(w io.Writer) error { return writeProbes(w, rows, probeFileOptions()...) })
}

// probeFileOptions are the writer options of a file of probes.
func probeFileOptions() []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.Compression(&parquet.Zstd),
		versionMeta(SchemaVersion),
		parquet.CreatedBy("switchwatch", Version(), ""),
	}
}

// WriteRowsFile writes rows of any row type as one Parquet file at path
// that says it is of this schema version: tests write segments of reduced
// or differently typed layouts with it.
func WriteRowsFile[T any](path string, rows []T) error {
	return writeParquet(path, false, rows, versionMeta(SchemaVersion))
}

// versionMeta is the writer option that stamps a segment with a schema
// version.
func versionMeta(v int) parquet.WriterOption {
	return parquet.KeyValueMetadata(MetaSchemaVersion, fmt.Sprint(v))
}

// writeParquet writes rows as one Parquet file at path with the writer
// options opts (see WriteFile for durable).
func writeParquet[T any](path string, durable bool, rows []T, opts ...parquet.WriterOption) error {
	return WriteFile(path, durable, func(w io.Writer) error {
		pw := parquet.NewGenericWriter[T](w, opts...)
		if _, err := pw.Write(rows); err != nil {
			return err
		}
		return pw.Close()
	})
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync run folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync run folder %s: %w", dir, err)
	}
	return nil
}
