package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// ErrAlreadyImported is wrapped by the error of an import whose input was
// imported into the output folder before (same run id, or a source file of
// the same content in another run), unless Options.Replace is set.
var ErrAlreadyImported = errors.New("already imported")

// Options are the settings common to every importer.
type Options struct {
	// Out is the folder the run folder run=<id> is created in.
	Out    string
	Labels map[string]string
	// Vantage and SwitchoverID go to run.json (store.RunInfo): where the
	// application whose traces these are ran, and the switchover they saw.
	Vantage, SwitchoverID string
	// Strict turns the first skipped line into an error (nothing is written).
	Strict bool
	// MaxSkippedFailures bounds, by file, the skipped lines that say a
	// failure (import jsonl): beyond it the import fails (see SkipBound).
	MaxSkippedFailures SkipBound
	// Replace rewrites a run imported before from the same files instead
	// of refusing.
	Replace bool
	// Warn, when set, receives notes as they arise (besides Report.Notes).
	Warn func(string)
	// Events are event files (any format ReadEvents knows) whose events
	// are stored with the run in events.jsonl, where the analyzer finds
	// them as it finds the lab's.
	Events []string
}

// startImport is how every import begins: it digests files (repeated ones
// are counted in rep), names the run by their content, refuses a run
// opt.Out already holds (with opt.Replace, existing is that run's folder)
// and stages the new run, whose id is st.runID. Its errors say which
// import (format) failed.
func startImport(format string, files []string, opt *Options) (st *stage, rep *Report, srcs []source, existing string, err error) {
	rep = newReport()
	srcs, err = digestSources(files, rep)
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("import %s: %w", format, err)
	}
	runID := runIDFor(format, srcs)
	existing, err = checkImported(opt.Out, runID, srcs, opt.Replace)
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("import %s: %w", format, err)
	}
	return newStage(opt, runID), rep, srcs, existing, nil
}

// note returns the function an import says a note with: kept in rep and,
// as it arises, given to Warn.
func (o *Options) note(rep *Report) func(string) {
	return func(s string) {
		rep.Notes = append(rep.Notes, s)
		if o.Warn != nil {
			o.Warn(s)
		}
	}
}

// refuseSkipped is the Strict rule: with Strict, a skipped line is an
// error (ErrStrict, naming the first one).
func (o *Options) refuseSkipped(rep *Report) error {
	if o.Strict && rep.SkippedTotal() > 0 {
		return fmt.Errorf("%w: %v (%s)", ErrStrict, rep.Examples[0], rep)
	}
	return nil
}

// Result is what an import wrote.
type Result struct {
	RunID  string
	RunDir string
	Rows   int64
	// Counts are the rows by outcome.
	Counts map[string]int64
	// Inferred counts the rows that were inferred, not read (see the
	// package documentation).
	Inferred int64
	Report   *Report
	// Replaced is set when a run imported before was rewritten.
	Replaced bool
}

// source is one input file, identified by its content.
type source struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// digestSources hashes the input files and drops those whose content equals
// an earlier one's (recorded in rep.DuplicateFiles).
func digestSources(paths []string, rep *Report) ([]source, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no input files")
	}
	seen := map[string]string{}
	var out []source
	for _, p := range paths {
		d, err := fileDigest(p)
		if err != nil {
			return nil, err
		}
		if _, dup := seen[d]; dup {
			rep.DuplicateFiles = append(rep.DuplicateFiles, p)
			continue
		}
		seen[d] = p
		out = append(out, source{Path: p, SHA256: d})
		rep.Files = append(rep.Files, p)
	}
	return out, nil
}

// runIDFor derives a run id from the contents of the sources, whatever
// their names or order: the same files always give the same id.
func runIDFor(prefix string, srcs []source) string {
	ds := make([]string, len(srcs))
	for i, s := range srcs {
		ds[i] = s.SHA256
	}
	sort.Strings(ds)
	h := sha256.New()
	for _, d := range ds {
		h.Write([]byte(d))
		h.Write([]byte{'\n'})
	}
	return prefix + "-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// checkImported refuses (ErrAlreadyImported) when out already holds the run
// id, or a run made from a file with the content of one of srcs. With
// replace, the run of the same id may be rewritten (its folder is
// returned), but a different run sharing a file is still refused: replacing
// it would silently drop its other files.
func checkImported(out, runID string, srcs []source, replace bool) (existing string, err error) {
	if _, err := os.Stat(out); os.IsNotExist(err) {
		return "", nil
	}
	runs, err := store.FindRuns(out)
	if err != nil {
		return "", err
	}
	want := map[string]string{}
	for _, s := range srcs {
		want[s.SHA256] = s.Path
	}
	for _, dir := range runs {
		if rel, err := filepath.Rel(out, dir); err == nil && strings.HasPrefix(rel, tmpImportPrefix) {
			continue // left behind by an import that crashed; never a run
		}
		id := store.RunIDFromDir(dir)
		if id == runID {
			if replace {
				existing = dir
				continue
			}
			return "", fmt.Errorf("%w: these files are run %s (%s); pass --replace to import them again", ErrAlreadyImported, id, dir)
		}
		info, err := store.ReadRunInfo(dir)
		if err != nil {
			continue // not ours to judge; analyze reports unreadable runs
		}
		for _, s := range sourcesOf(info) {
			if p, ok := want[s.SHA256]; ok {
				return "", fmt.Errorf("%w: %s has the same content as %s, imported in run %s (%s); import all files of that run together, or remove it", ErrAlreadyImported, p, s.Path, id, dir)
			}
		}
	}
	return existing, nil
}

// sourcesOf reads the source files recorded in an imported run's settings.
func sourcesOf(info *store.RunInfo) []source {
	list, _ := info.Settings["sources"].([]any)
	var out []source
	for _, v := range list {
		m, _ := v.(map[string]any)
		p, _ := m["path"].(string)
		d, _ := m["sha256"].(string)
		if d != "" {
			out = append(out, source{Path: p, SHA256: d})
		}
	}
	return out
}

// tmpImportPrefix starts the name of the hidden folder an import builds its
// run in, inside the output folder.
const tmpImportPrefix = ".import-"

// CleanInterrupted removes the hidden folders that imports killed midway
// (kill -9, a crash) left in out, and returns them. A folder a live import
// holds (its lock, store.LockDir) is left alone. A missing out is no error.
func CleanInterrupted(out string) ([]string, error) {
	dirs, err := filepath.Glob(filepath.Join(out, tmpImportPrefix+"*"))
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, d := range dirs {
		if fi, err := os.Lstat(d); err != nil || !fi.IsDir() {
			continue
		}
		unlock, err := store.LockDir(d)
		if errors.Is(err, store.ErrRunActive) {
			continue // a live import's
		}
		if err != nil {
			return removed, fmt.Errorf("remove interrupted import %s: %w", d, err)
		}
		err = os.RemoveAll(d)
		unlock()
		if err != nil {
			return removed, fmt.Errorf("remove interrupted import %s: %w", d, err)
		}
		removed = append(removed, d)
	}
	return removed, nil
}

// readRunEvents reads opt.Events. Their bad lines are counted as skipped
// lines of the import (ReasonBadEvent); events outside [start, end] are
// kept and noted, since a provider's event may precede the first probe.
func readRunEvents(opt *Options, rep *Report, start, end int64) ([]store.Event, error) {
	var all []store.Event
	for _, path := range opt.Events {
		evs, bad, err := store.ReadEvents(path)
		if err != nil {
			return nil, err
		}
		for _, b := range bad {
			rep.skip(ReasonBadEvent, b.File, b.Line, b.Err)
		}
		outside := 0
		for _, e := range evs {
			if t := e.Time.UnixNano(); t < start || t > end {
				outside++
			}
		}
		if outside > 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%d of the %d events of %s fall outside the run (%s to %s)", outside, len(evs), path,
				time.Unix(0, start).UTC().Format(time.RFC3339Nano), time.Unix(0, end).UTC().Format(time.RFC3339Nano)))
		}
		all = append(all, evs...)
	}
	if err := opt.refuseSkipped(rep); err != nil {
		return nil, err
	}
	return all, nil
}

// stamp returns t as a pointer, UTC.
func stamp(ns int64) *time.Time {
	t := time.Unix(0, ns).UTC()
	return &t
}
