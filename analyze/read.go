package analyze

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/switchwatch/switchwatch/record/store"
)

// source is one input: a run folder or a loose Parquet file of probes.
type source struct {
	path   string
	runDir bool
}

// findSources turns the command line paths into run folders and loose
// Parquet files. A folder is searched for run folders (run=<id>) and for
// Parquet files outside them; hidden files (starting with "_" or ".") are
// temporary and ignored, as Hive readers do.
func findSources(paths []string) ([]source, error) {
	var out []source
	seen := map[string]bool{}
	add := func(s source) {
		if !seen[s.path] {
			seen[s.path] = true
			out = append(out, s)
		}
	}
	for _, p := range paths {
		st, err := store.Stat(p) // a run folder in object storage too
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", p, err)
		}
		if !st.IsDir() {
			add(source{path: p})
			continue
		}
		if store.IsRemote(p) { // object storage: no WalkDir, no loose files
			runs, err := store.FindRuns(p)
			if err != nil {
				return nil, err
			}
			for _, r := range runs {
				add(source{path: r, runDir: true})
			}
			continue
		}
		if isRunDir(p) {
			add(source{path: store.CleanPath(p), runDir: true})
			continue
		}
		var found []source
		root := p
		if lst, err := os.Lstat(p); err == nil && lst.Mode()&os.ModeSymlink != 0 {
			root = p + string(filepath.Separator) // WalkDir follows a root that ends in a separator
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if path != root && (strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".")) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			isDir := d.IsDir()
			if d.Type()&fs.ModeSymlink != 0 && isRunDir(path) {
				if st, err := os.Stat(path); err == nil && st.IsDir() {
					isDir = true // a link to a run folder counts as the run folder
				}
			}
			if isDir {
				if isRunDir(path) {
					found = append(found, source{path: path, runDir: true})
					if !d.IsDir() {
						return nil // a link: SkipDir would skip the rest of its folder
					}
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, ".parquet") {
				found = append(found, source{path: path})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("find runs under %s: %w", p, err)
		}
		sort.Slice(found, func(i, j int) bool { return found[i].path < found[j].path })
		for _, s := range found {
			add(s)
		}
	}
	return out, nil
}

// isRunDir reports whether dir is a run folder: named run=<id>, or
// holding a run.json. A run folder renamed without "run=" (by hand, by a
// copy tool) is still one: read as a folder of loose Parquet files, it
// silently lost its run.json, events and verify.json.
func isRunDir(dir string) bool {
	if store.RunIDFromDir(dir) != "" {
		return true
	}
	st, err := store.Stat(store.JoinPath(dir, store.RunInfoFile))
	return err == nil && st.Mode().IsRegular()
}

// loaded is what reading one source gave.
type loaded struct {
	runs     []*runRows
	skipped  []SkippedFile
	warnings []string
	files    int
}

// reader reads a segment file into runs; readSegmentFast or readSegmentRows.
type segmentReader func(path string, cr *colReader, into func(runID uint32) *runRows) (int64, error)

// loadSource reads every row of one source. Files that cannot be read are
// reported in skipped and the rest is read.
func loadSource(src source, read segmentReader, pool *rowPool) loaded {
	if src.runDir {
		return loadRunDir(src.path, read, pool)
	}
	var l loaded
	syms := newSymtab()
	runs := map[uint32]*runRows{}
	var order []*runRows
	into := func(id uint32) *runRows {
		r := runs[id]
		if r == nil {
			r = newRunRows(syms.str(id), src.path, syms)
			runs[id] = r
			order = append(order, r)
		}
		return r
	}
	l.files = 1
	if _, err := read(src.path, pool.colReader(syms), into); err != nil {
		l.skipped = append(l.skipped, SkippedFile{Path: src.path, Reason: err.Error(), Rows: unreadRows(src.path, runs)})
	}
	l.runs = order
	return l
}

// unreadRows estimates the rows lost from a file that failed part way: its
// row count from the footer minus the rows read, or -1 when unknown.
func unreadRows(path string, runs map[uint32]*runRows) int64 {
	var got int64
	for _, r := range runs {
		got += r.rows
	}
	return fileRows(path, got)
}

// fileRows returns the row count in the footer of a Parquet file minus got,
// or -1 when the footer cannot be read.
func fileRows(path string, got int64) int64 {
	f, pf, err := store.OpenSegment(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	return pf.NumRows() - got
}

func loadRunDir(dir string, read segmentReader, pool *rowPool) loaded {
	var l loaded
	syms := newSymtab()
	id := store.RunIDFromDir(dir)
	if id == "" {
		id = filepath.Base(dir) // a renamed run folder: run.json's run id, when it has one
	}
	run := newRunRows(id, dir, syms)
	run.pool = pool
	info, err := store.ReadRunInfo(dir)
	switch {
	case err != nil && info != nil:
		// another schema version: its segments would be refused one by one
		l.skipped = append(l.skipped, SkippedFile{Path: store.JoinPath(dir, store.RunInfoFile), Reason: err.Error(), Rows: -1})
		return l
	case err != nil:
		l.warnings = append(l.warnings, fmt.Sprintf("%s: %v (analyzing the run without its metadata)", dir, err))
	default:
		run.info = info
		if info.RunID != "" {
			run.id = info.RunID
		}
	}
	into := func(uint32) *runRows { return run }
	files, err := store.ListRunFiles(dir)
	if err != nil {
		l.skipped = append(l.skipped, SkippedFile{Path: dir, Reason: err.Error(), Rows: -1})
		return l
	}
	cr := pool.colReader(syms)
	cr.oneRun = true
	run.reserve = map[streamKey]int{}
	cr.cache = store.NewSegmentCache(segmentsKeptOpen)
	counted := make([][][]streamBlock, len(files.Segments))
	for i, s := range files.Segments {
		counted[i] = countStreams(s, cr, run.reserve)
	}
	for i, s := range files.Segments {
		l.files++
		before := run.rows
		cr.counted = counted[i]
		if _, err := read(s, cr, into); err != nil {
			l.skipped = append(l.skipped, SkippedFile{Path: s, Reason: err.Error(), Rows: fileRows(s, run.rows-before)})
		}
	}
	cr.counted = nil
	cr.cache.Close() // read-only files: nothing a close can lose
	cr.cache = nil
	for _, j := range files.Journals {
		l.files++
		rows, bad, err := store.ReadJournal(j)
		if err != nil {
			l.skipped = append(l.skipped, SkippedFile{Path: j, Reason: err.Error(), Rows: -1})
		}
		for _, b := range bad {
			l.skipped = append(l.skipped, SkippedFile{Path: j, Reason: b.Error(), Rows: 1})
		}
		if len(rows) > 0 {
			l.warnings = append(l.warnings, fmt.Sprintf("%s: %d rows read from an unrecovered journal (run `switchwatch recover %s` to make it a segment)", j, len(rows), dir))
		}
		for i := range rows {
			k, x, o, c := syms.fromProbe(&rows[i])
			run.add(k, &x, &o, c)
		}
	}
	pool.trim()
	l.runs = []*runRows{run}
	return l
}

// segmentsKeptOpen is how many segments of a run folder stay open from
// the counting pass to the reading pass (store.SegmentCache): a run of
// more is opened again from its first segment on.
const segmentsKeptOpen = 16

// LoadEvents reads a file of events: the lab's events.jsonl, an AWS
// "rds describe-events" JSON export or a time,label CSV (store.ReadEvents
// tells them apart). Lines that cannot be used are returned as warnings
// naming file and line.
func LoadEvents(path string) ([]store.Event, []string, error) {
	events, bad, err := store.ReadEvents(path)
	var warnings []string
	for _, b := range bad {
		warnings = append(warnings, b.Error())
	}
	if err != nil {
		return events, warnings, fmt.Errorf("read events %s: %w", path, err)
	}
	return events, warnings, nil
}
