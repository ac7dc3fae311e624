package analyze

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/record/store"
)

// TestConflictingDuplicatesAreNamed: a second segment that repeats a
// stream's failed rows as ok (issue 20: "253 duplicate rows dropped" and
// write down 0 s, silently) is a warning that names the stream, counts
// the conflicts and shows the first, both versions.
func TestConflictingDuplicatesAreNamed(t *testing.T) {
	src := "../testdata/runs/run=20261202T003121Z-464017"
	var rows []store.Probe
	if err := store.ReadRun(src, func(p *store.Probe) error { rows = append(rows, p.Clone()); return nil }, func(store.SkippedFile) {}); err != nil {
		t.Fatal(err)
	}
	var rewritten []store.Probe
	for _, p := range rows {
		if p.Failed() && p.Kind == store.KindWrite && p.Conn == store.ConnNew {
			p.Outcome, p.ErrorClass, p.SQLState, p.Error = store.OutcomeOK, "", "", ""
			rewritten = append(rewritten, p)
		}
	}
	if len(rewritten) == 0 {
		t.Fatal("the shipped run has no failed new-connection write")
	}
	dir := filepath.Join(t.TempDir(), store.RunDirName("20261202T003121Z-464017"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// the run as recorded, then a second segment with the rewritten rows
	if err := store.WriteProbesFile(filepath.Join(dir, "probes-000001.parquet"), rows); err != nil {
		t.Fatal(err)
	}
	if err := store.WriteProbesFile(filepath.Join(dir, "probes-000002.parquet"), rewritten); err != nil {
		t.Fatal(err)
	}
	sum, err := Analyze(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var found string
	for _, w := range sum.Runs[0].Warnings {
		if strings.Contains(w, "duplicate rows disagree") {
			found = w
		}
	}
	want := "stream write/new/write: " + strconv.Itoa(len(rewritten)) + " duplicate rows disagree with the row kept (first at seq "
	if !strings.HasPrefix(found, want) || !strings.Contains(found, "dropped ok") {
		t.Errorf("warning %q, want one starting %q that shows the dropped ok", found, want)
	}
}
