package importer

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/internal/errclass"
	"github.com/switchwatch/switchwatch/record/store"
)

// The fuzz tests run briefly in CI:
//
//	go test -run '^$' -fuzz '^FuzzPgbenchLine$' -fuzztime 10s ./importer
//	go test -run '^$' -fuzz '^FuzzJSONLLine$' -fuzztime 10s ./importer
//
// (FuzzEvents, for the events files, is in record/store.) Each checks that
// its parser never panics, that every line is either
// taken or skipped, and that every skipped line names the file and a line
// that exists.

// addSeeds adds every file under testdata/import/<dir> as a seed.
func addSeeds(f *testing.F, dir string) {
	paths, _ := filepath.Glob(filepath.Join(goldenRoot, dir, "*", "*"))
	more, _ := filepath.Glob(filepath.Join(goldenRoot, dir, "*"))
	for _, p := range append(paths, more...) {
		if strings.HasSuffix(p, ".golden") || strings.HasSuffix(p, "case.json") {
			continue
		}
		if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
}

// lineCount is the number of lines lines.Scan sees in data.
func lineCount(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// checkLineErrors fails t unless every error names file and a line in
// [1, lines].
func checkLineErrors(t *testing.T, errs []*store.LineError, file string, lines int) {
	t.Helper()
	for _, e := range errs {
		if e.File != file || e.Line < 1 || e.Line > lines {
			t.Fatalf("line error %q names %s:%d, the input is %s with %d lines", e, e.File, e.Line, file, lines)
		}
		if !strings.HasPrefix(e.Error(), fmt.Sprintf("%s:%d: ", file, e.Line)) {
			t.Fatalf("line error %q does not start with file:line", e)
		}
	}
}

func FuzzPgbenchLine(f *testing.F) {
	addSeeds(f, "pgbench")
	addSeeds(f, "pgbench-edge")
	f.Add([]byte("0 1 2 0 1795600000 5 6 7\n1795600000 1 2 3 4 5 6 7 8 9 10 11 12 13 14\n"))
	defer func(r float64, n int64) { maxRowsPerGap, maxInferredRows = r, n }(maxRowsPerGap, maxInferredRows)
	maxRowsPerGap, maxInferredRows = 1000, 5000
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.log"
		rep := newReport()
		rep.Files = []string{name}
		in := &pgbenchInput{}
		format := 0
		if err := readPgbenchFrom(bytes.NewReader(data), name, 0, in, &format, rep); err != nil {
			t.Fatalf("reading from memory failed: %v", err)
		}
		in.agg = format == 2
		lines := lineCount(data)
		if got := rep.Taken + rep.SkippedTotal(); got != int64(lines) {
			t.Fatalf("took %d + skipped %d lines of %d", rep.Taken, rep.SkippedTotal(), lines)
		}
		checkLineErrors(t, rep.Examples, name, lines)
		for _, seventh := range []string{SeventhAuto, SeventhRetries} {
			rep := &Report{Files: rep.Files, Skipped: map[string]int64{}}
			opt := &PgbenchOptions{Seventh: seventh}
			if err := opt.defaults(); err != nil {
				t.Fatal(err)
			}
			var rows []store.Probe
			open := func(int) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
			sink := rowSink{
				spillDir: func() (string, error) { return t.TempDir(), nil },
				write:    func(p *store.Probe) error { rows = append(rows, *p); return nil },
			}
			_, inferred, err := importPgbenchFiles(t.Context(), []source{{Path: name}}, open, opt, rep, "fuzz", sink)
			checkLineErrors(t, rep.Examples, name, lines)
			if got := rep.Taken + rep.SkippedTotal(); err == nil && got != int64(lines) {
				t.Fatalf("streaming: took %d + skipped %d lines of %d", rep.Taken, rep.SkippedTotal(), lines)
			}
			if err != nil {
				continue
			}
			if inferred > maxInferredRows || int64(len(rows)) > int64(lines)+inferred {
				t.Fatalf("%d rows, %d inferred, from %d lines", len(rows), inferred, lines)
			}
			for i := range rows {
				p := &rows[i]
				if p.Seq != int64(i) || (i > 0 && p.Intended <= rows[i-1].Intended) {
					t.Fatalf("row %d: seq %d, intended %d after %d", i, p.Seq, p.Intended, rows[max(i-1, 0)].Intended)
				}
				if p.End != 0 && p.Start != 0 && p.End < p.Start || p.LatencyNS < 0 {
					t.Fatalf("row %d: start %d, end %d, latency %d", i, p.Start, p.End, p.LatencyNS)
				}
			}
		}
	})
}

func FuzzJSONLLine(f *testing.F) {
	addSeeds(f, "jsonl")
	f.Add([]byte(`{"time":"2026-11-25T19:00:00Z","op":"read","outcome":"timeout","sqlstate":"57014"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseJSONLLine(data)
		checkSameAsStd(t, data, p, err)
		if err != nil {
			return
		}
		switch {
		case p.Kind != store.KindWrite && p.Kind != store.KindRead && p.Kind != store.KindConnect:
			t.Fatalf("kind %q", p.Kind)
		case p.Outcome != store.OutcomeOK && p.Outcome != store.OutcomeError && p.Outcome != store.OutcomeTimeout:
			t.Fatalf("outcome %q", p.Outcome)
		case p.Outcome != store.OutcomeOK && !errclass.Known(p.ErrorClass):
			t.Fatalf("failed row with class %q", p.ErrorClass)
		case p.Intended > p.Start || (p.End != 0 && p.End < p.Start) || p.LatencyNS < 0:
			t.Fatalf("times: intended %d start %d end %d latency %d", p.Intended, p.Start, p.End, p.LatencyNS)
		case len(p.Error) > store.MaxErrorLen:
			t.Fatalf("error of %d bytes", len(p.Error))
		}
	})
}
