package importer

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/switchwatch/switchwatch/record/store"
)

// Reasons a line is skipped. They are few and stable, so that a summary can
// count by them and a test can name them.
const (
	ReasonTruncated  = "truncated last line"
	ReasonNotPgbench = "not a pgbench line"
	ReasonMixed      = "other pgbench log format"
	ReasonNotJSONL   = "not a request line"
	ReasonBlank      = "blank line"
	ReasonBadEvent   = "bad event line"
	// ReasonOutOfOrder is a pgbench line stamped far outside the time
	// order of its file (pgbench writes each thread's log in time order).
	ReasonOutOfOrder = "out of time order"
)

// ErrStrict is wrapped by the error of an import that met a skipped line
// with Options.Strict set.
var ErrStrict = errors.New("skipped line with --strict")

// maxExamples bounds the skipped lines a Report keeps for printing.
const maxExamples = 20

// Report says what an import did with its input: lines taken, lines
// skipped by reason (each with where), and notes about what the input
// could not say.
type Report struct {
	Files []string `json:"files"`
	// DuplicateFiles are arguments whose content equals an earlier
	// argument's; they are read once.
	DuplicateFiles []string         `json:"duplicate_files,omitempty"`
	Taken          int64            `json:"taken"`
	Skipped        map[string]int64 `json:"skipped"`
	// Examples are the first skipped lines, each naming file and line.
	Examples []*store.LineError `json:"-"`
	// Notes are things the reader of the result must know, e.g. how
	// unavailability was inferred.
	Notes []string `json:"notes,omitempty"`
}

func newReport() *Report { return &Report{Skipped: map[string]int64{}} }

// skip counts one skipped line.
func (r *Report) skip(reason, file string, line int, detail error) *store.LineError {
	r.Skipped[reason]++
	err := detail
	if err == nil {
		err = errors.New(reason)
	} else {
		err = fmt.Errorf("%s: %w", reason, detail)
	}
	le := &store.LineError{File: file, Line: line, Err: err}
	if len(r.Examples) < maxExamples {
		r.Examples = append(r.Examples, le)
	}
	return le
}

// SkippedTotal is the number of lines skipped for any reason.
func (r *Report) SkippedTotal() int64 {
	var n int64
	for _, v := range r.Skipped {
		n += v
	}
	return n
}

// String is the one-line summary: "took 1234 lines, skipped 2: 1 truncated
// last line (a.log:9), 1 not a pgbench line (b.log:3)". The place named for
// a reason is its first occurrence.
func (r *Report) String() string {
	s := fmt.Sprintf("took %d lines from %d files", r.Taken, len(r.Files))
	if len(r.DuplicateFiles) > 0 {
		s += fmt.Sprintf(" (%d duplicate files ignored: %s)", len(r.DuplicateFiles), strings.Join(r.DuplicateFiles, ", "))
	}
	total := r.SkippedTotal()
	if total == 0 {
		return s + ", skipped 0"
	}
	firstAt := func(reason string) string {
		for _, e := range r.Examples {
			if strings.HasPrefix(e.Err.Error(), reason) {
				return fmt.Sprintf(" (first at %s:%d)", e.File, e.Line)
			}
		}
		return ""
	}
	return fmt.Sprintf("%s, skipped %d: %s", s, total, FormatCounts(r.Skipped, firstAt))
}

// FormatCounts says counts as "3 a, 1 b", sorted by key; with more set,
// more(key) follows each count. The one way an import's counts (rows by
// outcome, lines skipped by reason) are said.
func FormatCounts(counts map[string]int64, more func(key string) string) string {
	parts := make([]string, 0, len(counts))
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		part := fmt.Sprintf("%d %s", counts[k], k)
		if more != nil {
			part += more(k)
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}
