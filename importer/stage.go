package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/switchwatch/switchwatch/record/store"
)

// segmentRows is the number of rows per Parquet segment of an imported
// run; a stage holds at most one segment's rows.
var segmentRows = 100_000

// stage builds a run folder in a hidden folder of the output folder and
// renames it into place when done, so neither a reader nor a crash ever
// sees half of it. Rows are written as they come, segmentRows at a time
// (closed segments at once, no journal, as store.WriteProbesFile is meant
// for), so an import holds one segment whatever its size. The hidden
// folder also holds an import's sort runs (see spillSorter).
//
// Segments are written in the background, up to segmentWriters at once,
// each by its own goroutine into its own file (Parquet encoding and zstd
// are most of an import's time), while the import goes on filling the
// next: the import holds at most segmentWriters+1 segments.
type stage struct {
	opt    *Options
	tmp    string // the hidden folder, "" until first needed
	dir    string // the run folder in it
	runID  string
	unlock func()
	seg    []store.Probe
	nSeg   int
	// free holds the buffers of written segments, one token per segment
	// that may be in the making; wg counts the writes under way.
	free   chan []store.Probe
	wg     sync.WaitGroup
	mu     sync.Mutex
	werr   error // the first error of a background write
	counts map[string]int64
	rows   int64
	spills int
	// start and end are the earliest intended and the latest intended or
	// end of the rows written.
	start, end int64
}

// segmentWriters bounds the segments written at once: two keep up with
// the merge that feeds them, and each is about 40 MB of rows and Parquet
// buffers, so more would raise the peak memory on a machine of more cores
// (at 2: 277 MB for 10 M pgbench lines).
var segmentWriters = max(1, min(runtime.GOMAXPROCS(0), 2))

func newStage(opt *Options, runID string) *stage {
	s := &stage{opt: opt, runID: runID, counts: map[string]int64{}, free: make(chan []store.Probe, segmentWriters+1)}
	for range segmentWriters + 1 {
		s.free <- nil // a buffer made when first needed
	}
	return s
}

// open creates the hidden folder (and the output folder) when first needed.
func (s *stage) open() error {
	if s.tmp != "" {
		return nil
	}
	if err := os.MkdirAll(s.opt.Out, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	if removed, err := CleanInterrupted(s.opt.Out); err != nil {
		return err
	} else if s.opt.Warn != nil {
		for _, d := range removed {
			s.opt.Warn("removed " + d + ", left by an interrupted import")
		}
	}
	tmp, err := os.MkdirTemp(s.opt.Out, tmpImportPrefix+"*")
	if err != nil {
		return fmt.Errorf("create temporary folder in %s: %w", s.opt.Out, err)
	}
	// Held until the folder is gone: CleanInterrupted leaves it alone.
	unlock, err := store.LockDir(tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("lock temporary folder: %w", err)
	}
	dir := filepath.Join(tmp, store.RunDirName(s.runID))
	if err := os.Mkdir(dir, 0o755); err != nil {
		unlock()
		os.RemoveAll(tmp)
		return fmt.Errorf("create run folder: %w", err)
	}
	s.tmp, s.dir, s.unlock = tmp, dir, unlock
	return nil
}

// spillDir is a new folder for one sorter's runs.
func (s *stage) spillDir() (string, error) {
	if err := s.open(); err != nil {
		return "", err
	}
	s.spills++
	d := filepath.Join(s.tmp, fmt.Sprintf("sort-%d", s.spills))
	if err := os.Mkdir(d, 0o755); err != nil {
		return "", fmt.Errorf("create sort folder: %w", err)
	}
	return d, nil
}

// write adds one finished row (RunID and Seq set, in the order of the run).
func (s *stage) write(p *store.Probe) error {
	if s.rows == 0 {
		s.start, s.end = p.Intended, p.Intended
	}
	s.start = min(s.start, p.Intended)
	s.end = max(s.end, p.Intended, p.End)
	s.rows++
	s.counts[p.Outcome]++
	if s.seg == nil {
		s.seg = <-s.free
		if s.seg == nil {
			s.seg = make([]store.Probe, 0, segmentRows)
		}
	}
	s.seg = append(s.seg, *p)
	if len(s.seg) >= segmentRows {
		return s.flush()
	}
	return nil
}

// flush hands the segment to a writer of its own; it waits only when
// segmentWriters segments are being written.
func (s *stage) flush() error {
	if err := s.writeErr(); err != nil {
		return err
	}
	if len(s.seg) == 0 {
		return nil
	}
	if err := s.open(); err != nil {
		return err
	}
	s.nSeg++
	path, rows := filepath.Join(s.dir, store.SegmentName(s.nSeg)), s.seg
	s.seg = nil
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := store.WriteProbesFile(path, rows)
		if err != nil {
			s.mu.Lock()
			if s.werr == nil {
				s.werr = err
			}
			s.mu.Unlock()
		}
		clear(rows)
		s.free <- rows[:0]
	}()
	return nil
}

func (s *stage) writeErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.werr
}

// wait waits for the segments being written, and says the first error.
func (s *stage) wait() error {
	s.wg.Wait()
	return s.writeErr()
}

// finish writes the last segment, events and run.json (with the counts of
// the rows written) and moves the run into place, over replaceDir if set.
func (s *stage) finish(info *store.RunInfo, replaceDir string, events []store.Event) (string, error) {
	if err := s.flush(); err != nil {
		return "", err
	}
	if err := s.wait(); err != nil {
		return "", err
	}
	if err := s.open(); err != nil {
		return "", err
	}
	info.SchemaVersion = store.SchemaVersion
	info.Probes = s.counts
	if len(events) > 0 {
		l, err := store.CreateEventLog(filepath.Join(s.dir, store.EventsFile))
		if err != nil {
			return "", err
		}
		for _, e := range events {
			if err := l.Log(e); err != nil {
				l.Close()
				return "", err
			}
		}
		if err := l.Close(); err != nil {
			return "", err
		}
	}
	if err := store.WriteRunInfo(s.dir, info); err != nil {
		return "", err
	}
	final := filepath.Join(s.opt.Out, store.RunDirName(info.RunID))
	if replaceDir != "" {
		old := filepath.Join(s.tmp, "replaced")
		if err := os.Rename(replaceDir, old); err != nil {
			return "", fmt.Errorf("move aside the run being replaced: %w", err)
		}
		final = replaceDir
	}
	if err := os.Rename(s.dir, final); err != nil {
		if replaceDir != "" {
			os.Rename(filepath.Join(s.tmp, "replaced"), replaceDir) // put the old run back
		}
		return "", fmt.Errorf("move imported run into place: %w", err)
	}
	return final, nil
}

// close removes the hidden folder (whatever finish left in it).
func (s *stage) close() {
	s.wg.Wait() // a write still under way is in the hidden folder
	if s.tmp == "" {
		return
	}
	s.unlock()
	os.RemoveAll(s.tmp)
	s.tmp = ""
}

// writeRun writes rows that are all in memory (sorted by stream and
// intended time, Seq set) as a run folder in opt.Out.
func writeRun(opt *Options, info *store.RunInfo, rows []store.Probe, replaceDir string, events []store.Event) (string, map[string]int64, error) {
	st := newStage(opt, info.RunID)
	defer st.close()
	for i := range rows {
		if err := st.write(&rows[i]); err != nil {
			return "", nil, err
		}
	}
	dir, err := st.finish(info, replaceDir, events)
	return dir, st.counts, err
}
