package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/golden"
)

// caseConfig is a golden case's case.json; every field is optional.
type caseConfig struct {
	Files   []string `json:"files"` // default: every other file of the folder, sorted
	Kind    string   `json:"kind"`
	Conn    string   `json:"conn"`
	Seventh string   `json:"seventh"`
	Rate    float64  `json:"rate"`
	MinGap  string   `json:"min_gap"`
	NoInfer bool     `json:"no_infer"`
	Strict  bool     `json:"strict"`
	// MaxSkippedFailures is --max-skipped-failures (import jsonl).
	MaxSkippedFailures string `json:"max_skipped_failures"`
}

// TestGolden imports every case folder under testdata/import/pgbench,
// pgbench-edge and jsonl and compares what came of it (the report, the
// notes, the run.json settings, every row) with the case's want.golden.
func TestGolden(t *testing.T) {
	for _, format := range []string{"pgbench", "pgbench-edge", "jsonl"} {
		dirs, _ := filepath.Glob(filepath.Join(goldenRoot, format, "*"))
		if len(dirs) == 0 {
			t.Fatalf("no golden cases under %s", filepath.Join(goldenRoot, format))
		}
		for _, dir := range dirs {
			t.Run(format+"/"+filepath.Base(dir), func(t *testing.T) {
				got := runGoldenCase(t, format, dir)
				compareGolden(t, filepath.Join(dir, "want.golden"), got)
			})
		}
	}
}

func runGoldenCase(t *testing.T, format, dir string) string {
	var cfg caseConfig
	if data, err := os.ReadFile(filepath.Join(dir, "case.json")); err == nil {
		if err := json.Unmarshal(data, &cfg); err != nil {
			t.Fatalf("case.json: %v", err)
		}
	}
	files := cfg.Files
	if files == nil {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if n := e.Name(); n != "case.json" && n != "want.golden" && !e.IsDir() {
				files = append(files, n)
			}
		}
	}
	for i := range files {
		files[i] = filepath.Join(dir, files[i])
	}
	opt := Options{Out: t.TempDir(), Strict: cfg.Strict, Labels: map[string]string{"case": filepath.Base(dir)}}
	if cfg.MaxSkippedFailures != "" {
		b, err := ParseSkipBound(cfg.MaxSkippedFailures)
		if err != nil {
			t.Fatal(err)
		}
		opt.MaxSkippedFailures = b
	}
	var res *Result
	var err error
	if format == "jsonl" {
		res, err = ImportJSONL(context.Background(), files, opt)
	} else {
		popt := PgbenchOptions{Options: opt, Kind: cfg.Kind, Conn: cfg.Conn, Seventh: cfg.Seventh, Rate: cfg.Rate, NoInfer: cfg.NoInfer}
		if cfg.MinGap != "" {
			d, perr := time.ParseDuration(cfg.MinGap)
			if perr != nil {
				t.Fatal(perr)
			}
			popt.MinGap = d
		}
		res, err = ImportPgbench(context.Background(), files, popt)
	}
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
		return b.String()
	}
	renderResult(t, &b, res)
	return b.String()
}

// renderResult writes what an import did in a stable text form.
func renderResult(t *testing.T, b *strings.Builder, res *Result) {
	rep := res.Report
	fmt.Fprintf(b, "report: %s\n", rep)
	for _, e := range rep.Examples {
		fmt.Fprintf(b, "skipped: %v\n", e)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(b, "note: %s\n", n)
	}
	info := readInfo(t, res.RunDir)
	fmt.Fprintf(b, "run: %s tool=%q start=%s end=%s probes=%v labels=%v\n", info.RunID, info.Tool,
		info.Start.Format(time.RFC3339Nano), info.End.Format(time.RFC3339Nano), sortedMap(info.Probes), info.Labels)
	keys := make([]string, 0, len(info.Settings))
	for k := range info.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "sources" {
			for _, s := range sourcesOf(info) {
				fmt.Fprintf(b, "setting sources: %s %s\n", filepath.Base(s.Path), s.SHA256[:12])
			}
			continue
		}
		v, _ := json.Marshal(info.Settings[k])
		fmt.Fprintf(b, "setting %s: %s\n", k, v)
	}
	rows := readRows(t, res.RunDir)
	if int64(len(rows)) != res.Rows {
		t.Errorf("run has %d rows, result says %d", len(rows), res.Rows)
	}
	fmt.Fprintln(b, "rows: stream seq intended +start +end latency outcome class sqlstate server error")
	for _, p := range rows {
		fmt.Fprintf(b, "%s %d %s %s %s %s %s %s %s %s %q\n", p.Stream(), p.Seq,
			time.Unix(0, p.Intended).UTC().Format("15:04:05.000000000"), rel(p.Start, p.Intended), rel(p.End, p.Intended),
			time.Duration(p.LatencyNS), p.Outcome, dash(p.ErrorClass), dash(p.SQLState), dash(p.ServerAddr), p.Error)
	}
}

func rel(t, base int64) string {
	if t == 0 {
		return "-"
	}
	return time.Duration(t - base).String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedMap(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, m[k])
	}
	return strings.Join(parts, ",")
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	golden.Check(t, path, []byte(got))
}

// TestCrashedImportIsNoRun: the hidden folder of an import that died
// before its rename holds a run folder, which must not count as imported.
func TestCrashedImportIsNoRun(t *testing.T) {
	file := filepath.Join(goldenRoot, "jsonl", "two-files", "app-1.jsonl")
	out := t.TempDir()
	first, err := ImportJSONL(context.Background(), []string{file}, Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(out, ".import-123", filepath.Base(first.RunDir))
	if err := os.MkdirAll(filepath.Dir(crashed), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(first.RunDir, crashed); err != nil {
		t.Fatal(err)
	}
	if _, err := ImportJSONL(context.Background(), []string{file}, Options{Out: out}); err != nil {
		t.Fatalf("import after a crashed one: %v", err)
	}
}

// TestGoldenSpilled imports every golden case again with sorts that spill
// to disk every few records and segments of a few rows: what an import of
// millions of lines does must give the same run as one held in memory.
func TestGoldenSpilled(t *testing.T) {
	defer func(b, r int) { spillBytes, segmentRows = b, r }(spillBytes, segmentRows)
	spillBytes, segmentRows = 300, 7
	for _, format := range []string{"pgbench", "pgbench-edge", "jsonl"} {
		dirs, _ := filepath.Glob(filepath.Join(goldenRoot, format, "*"))
		for _, dir := range dirs {
			t.Run(format+"/"+filepath.Base(dir), func(t *testing.T) {
				want, err := os.ReadFile(filepath.Join(dir, "want.golden"))
				if err != nil {
					t.Fatal(err)
				}
				if got := runGoldenCase(t, format, dir); got != string(want) {
					t.Errorf("spilled import differs from %s", filepath.Join(dir, "want.golden"))
				}
			})
		}
	}
}
