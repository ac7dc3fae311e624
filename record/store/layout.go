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

func segmentName(n int) string { return fmt.Sprintf("%s%06d%s", segmentPrefix, n, segmentSuffix) }
func journalName(n int) string { return fmt.Sprintf("%s%06d%s", journalPrefix, n, journalSuffix) }

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

// Journals lists the journals of a run folder in order. A journal whose
// segment exists is a leftover of a crash between rename and removal.
func Journals(runDir string) ([]string, error) {
	return numbered(runDir, journalPrefix, journalSuffix)
}

func numbered(dir, prefix, suffix string) ([]string, error) {
	entries, err := os.ReadDir(dir)
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
			files = append(files, numberedFile{n, filepath.Join(dir, e.Name())})
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
// be a run folder.
func FindRuns(root string) ([]string, error) {
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
