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
// sees half of it. Rows are written as they come, segmentRows per Parquet
// segment (closed segments at once, no journal, as store.ProbesFile is
// meant for). The hidden folder also holds an import's sort runs (see
// spillSorter).
//
// Each segment is written by a goroutine of its own (Parquet encoding and
// zstd are a large part of an import's time), up to segmentWriters at
// once, fed chunks of stageChunk rows while the import goes on: it
// encodes each chunk as it comes and keeps only the encoded pages, so the
// import holds stageChunks chunks of rows (a few MB) and the pages of the
// segments being written, not whole segments of rows (each of 100,000
// rows was 33 MB: three of them were a third of a 10 M-line import's
// peak memory).
type stage struct {
	opt    *Options
	tmp    string // the hidden folder, "" until first needed
	dir    string // the run folder in it
	runID  string
	unlock func()
	nSeg   int
	// chunk holds the rows not yet handed to the open segment's writer,
	// seg (nil between segments), which has segRows rows so far.
	chunk   []store.Probe
	seg     chan []store.Probe
	segRows int
	// free holds the chunk buffers (stageChunks, made when first needed);
	// slots one token per segment that may be written at once; wg counts
	// the segments being written.
	free   chan []store.Probe
	slots  chan struct{}
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
// the merge that feeds them on two cores.
var segmentWriters = max(1, min(runtime.GOMAXPROCS(0), 2))

// The rows of a segment go to its writer stageChunk at a time; the stage
// holds stageChunks chunks in all.
const (
	stageChunk  = 4096
	stageChunks = 8
)

func newStage(opt *Options, runID string) *stage {
	s := &stage{opt: opt, runID: runID, counts: map[string]int64{},
		free: make(chan []store.Probe, stageChunks), slots: make(chan struct{}, segmentWriters)}
	for range stageChunks {
		s.free <- nil // a buffer made when first needed
	}
	for range segmentWriters {
		s.slots <- struct{}{}
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
	if s.chunk == nil {
		s.chunk = <-s.free
		if s.chunk == nil {
			s.chunk = make([]store.Probe, 0, stageChunk)
		}
	}
	s.chunk = append(s.chunk, *p)
	if len(s.chunk) >= stageChunk || s.segRows+len(s.chunk) >= segmentRows {
		return s.send()
	}
	return nil
}

// send hands the rows of chunk to the open segment's writer, starting a
// segment when none is open, and ends the segment when it is full.
func (s *stage) send() error {
	if err := s.writeErr(); err != nil {
		return err
	}
	if len(s.chunk) == 0 {
		return nil
	}
	if s.seg == nil {
		if err := s.startSegment(); err != nil {
			return err
		}
	}
	s.segRows += len(s.chunk)
	s.seg <- s.chunk
	s.chunk = nil
	if s.segRows >= segmentRows {
		s.endSegment()
	}
	return nil
}

// startSegment opens the next segment and starts its writer, once fewer
// than segmentWriters segments are being written.
func (s *stage) startSegment() error {
	if err := s.open(); err != nil {
		return err
	}
	s.nSeg++
	path := filepath.Join(s.dir, store.SegmentName(s.nSeg))
	<-s.slots
	in := make(chan []store.Probe, stageChunks)
	s.seg = in
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() { s.slots <- struct{}{} }()
		f, err := store.CreateProbesFile(path)
		for rows := range in { // drained whatever happens: the stage never waits on a failed writer
			if err == nil {
				err = f.Write(rows)
			}
			clear(rows)
			s.free <- rows[:0]
		}
		switch {
		case f != nil && err == nil:
			err = f.Close()
		case f != nil:
			f.Abort()
		}
		if err != nil {
			s.mu.Lock()
			if s.werr == nil {
				s.werr = err
			}
			s.mu.Unlock()
		}
	}()
	return nil
}

// endSegment tells the open segment's writer that it has all its rows.
func (s *stage) endSegment() {
	if s.seg != nil {
		close(s.seg)
		s.seg, s.segRows = nil, 0
	}
}

// flush hands over the rows held and ends the open segment.
func (s *stage) flush() error {
	err := s.send()
	s.endSegment()
	return err
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
	info.Vantage, info.SwitchoverID = s.opt.Vantage, s.opt.SwitchoverID
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
	s.endSegment() // an import that failed may leave one open
	s.wg.Wait()    // a write still under way is in the hidden folder
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
