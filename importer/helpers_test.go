package importer

import (
	"bufio"
	"os"
	"slices"
	"testing"

	"github.com/switchwatch/switchwatch/record/store"
)

// eachLine calls fn with every line of files, file by file.
func eachLine(t testing.TB, files []string, fn func(file, text string)) {
	t.Helper()
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fn(f, sc.Text())
		}
		fh.Close()
	}
}

func countLines(t testing.TB, files ...string) int {
	t.Helper()
	n := 0
	eachLine(t, files, func(string, string) { n++ })
	return n
}

func readRows(t testing.TB, dir string) []store.Probe {
	t.Helper()
	var rows []store.Probe
	err := store.ReadRun(dir, func(p *store.Probe) error {
		rows = append(rows, *p)
		return nil
	}, func(s store.SkippedFile) { t.Errorf("unreadable: %+v", s) })
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func readInfo(t testing.TB, dir string) *store.RunInfo {
	t.Helper()
	info, err := store.ReadRunInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// intendedOf parses the log lines of files and returns their scheduled
// starts (ns), independently of the importer's row building.
func intendedOf(t testing.TB, files ...string) []int64 {
	t.Helper()
	var out []int64
	eachLine(t, files, func(f, text string) {
		tx, err := parsePgbenchLine(text)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		end := tx.endUS * 1000
		if tx.status == txOK {
			end -= tx.timeUS * 1000
		}
		out = append(out, end)
	})
	return out
}

func lastIntended(t testing.TB, files []string) int64 { return slices.Max(intendedOf(t, files...)) }

func firstIntended(t testing.TB, files []string) int64 { return slices.Min(intendedOf(t, files...)) }
