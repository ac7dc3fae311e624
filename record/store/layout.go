package store

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File names inside a run folder.
const (
	RunInfoFile = "run.json"
	EventsFile  = "events.jsonl"
	VerifyFile  = "verify.json"

	segmentPrefix = "probes-"
	segmentSuffix = ".parquet"
	journalPrefix = "_journal-"
	journalSuffix = ".jsonl"
	tmpPrefix     = "_tmp-"
)

// RunDirName is the Hive-style folder name of a run: run=<id>.
func RunDirName(runID string) string { return "run=" + runID }

// RunIDFromDir returns the run id of a folder named run=<id>, or "" when the
// folder is not a run folder.
func RunIDFromDir(dir string) string {
	base := filepath.Base(dir)
	if !strings.HasPrefix(base, "run=") {
		return ""
	}
	return strings.TrimPrefix(base, "run=")
}

// SegmentName is the file name of closed segment n: probes-NNNNNN.parquet.
func SegmentName(n int) string { return fmt.Sprintf("%s%06d%s", segmentPrefix, n, segmentSuffix) }

// JournalName is the file name of the journal of segment n:
// _journal-NNNNNN.jsonl.
func JournalName(n int) string { return fmt.Sprintf("%s%06d%s", journalPrefix, n, journalSuffix) }

// parseNumbered returns the number in names like probes-000012.parquet.
func parseNumbered(name, prefix, suffix string) (int, bool) {
	if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) {
		return 0, false
	}
	var n int
	if _, err := fmt.Sscanf(strings.TrimSuffix(strings.TrimPrefix(name, prefix), suffix), "%d", &n); err != nil {
		return 0, false
	}
	return n, true
}

// Segments lists the closed Parquet segments of a run folder in order.
func Segments(runDir string) ([]string, error) {
	return numbered(runDir, segmentPrefix, segmentSuffix)
}

// Journals lists all the journals of a run folder in order, superseded ones
// included; readers want ListRunFiles.
func Journals(runDir string) ([]string, error) {
	return numbered(runDir, journalPrefix, journalSuffix)
}

// RunFiles are the files of a run folder that hold probe rows.
type RunFiles struct {
	// Segments are the closed Parquet segments, in order.
	Segments []string
	// Journals are the journals whose segment is not closed, in order: the
	// open segment of a live run, or one a crash left behind. Their rows
	// are in no segment.
	Journals []string
	// Superseded are the journals whose segment exists: a crash between the
	// segment's rename and the journal's removal left them. Their rows are
	// in the segment; nobody reads them, Recover removes them.
	Superseded []string
}

// ListRunFiles lists the files of a run folder that hold probe rows. Every
// row is in exactly one of Segments and Journals, which is what a reader
// reads.
func ListRunFiles(runDir string) (RunFiles, error) {
	var rf RunFiles
	segs, err := Segments(runDir)
	if err != nil {
		return rf, err
	}
	journals, err := Journals(runDir)
	if err != nil {
		return rf, err
	}
	closed := map[int]bool{}
	for _, s := range segs {
		n, _ := parseNumbered(filepath.Base(s), segmentPrefix, segmentSuffix)
		closed[n] = true
	}
	for _, j := range journals {
		n, _ := parseNumbered(filepath.Base(j), journalPrefix, journalSuffix)
		if closed[n] {
			rf.Superseded = append(rf.Superseded, j)
		} else {
			rf.Journals = append(rf.Journals, j)
		}
	}
	rf.Segments = segs
	return rf, nil
}

// segmentNumber is the number of a journal's or a segment's file name.
func segmentNumber(path string) int {
	name := filepath.Base(path)
	if n, ok := parseNumbered(name, segmentPrefix, segmentSuffix); ok {
		return n
	}
	n, _ := parseNumbered(name, journalPrefix, journalSuffix)
	return n
}

func numbered(dir, prefix, suffix string) ([]string, error) {
	entries, err := readDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list run folder: %w", err)
	}
	type numberedFile struct {
		n    int
		path string
	}
	var files []numberedFile
	for _, e := range entries {
		if n, ok := parseNumbered(e.Name(), prefix, suffix); ok && !e.IsDir() {
			files = append(files, numberedFile{n, JoinPath(dir, e.Name())})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].n < files[j].n })
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	return paths, nil
}

// FindRuns returns the run folders at or below root, sorted. root may itself
// be a run folder, and may be in a Remote (folders whose names start with
// "_" or "." are not searched there, as Hive readers skip them).
func FindRuns(root string) ([]string, error) {
	if remoteFor(root) != nil {
		return findRemoteRuns(root)
	}
	var runs []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && RunIDFromDir(path) != "" {
			runs = append(runs, path)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find runs under %s: %w", root, err)
	}
	sort.Strings(runs)
	return runs, nil
}

// findRemoteRuns is FindRuns in a Remote, which has no WalkDir: one
// listing per folder.
func findRemoteRuns(root string) ([]string, error) {
	root = strings.TrimSuffix(root, "/")
	if RunIDFromDir(root) != "" {
		return []string{root}, nil
	}
	var runs []string
	var walk func(dir string) error
	walk = func(dir string) error {
		entries, err := readDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			if !e.IsDir() || strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
				continue
			}
			sub := strings.TrimSuffix(dir, "/") + "/" + name // not filepath.Join: it makes s3:// s3:/
			if RunIDFromDir(sub) != "" {
				runs = append(runs, sub)
			} else if err := walk(sub); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return nil, fmt.Errorf("find runs under %s: %w", root, err)
	}
	sort.Strings(runs)
	return runs, nil
}
