package duckbench

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/importer"
)

// TestJSONLIsTakenWhole: every generated request line is one the importer
// takes, the log has the switchover's errors, and its lines are not in
// order of their start (so both sides' sorts have work).
func TestJSONLIsTakenWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "requests.jsonl")
	const n = 30_000 // 15 s at 2,000/s: the switchover at 7.5 s
	if err := JSONL(path, n); err != nil {
		t.Fatal(err)
	}
	res, err := importer.ImportJSONL(context.Background(), []string{path}, importer.Options{Out: filepath.Join(dir, "out")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.Taken != n || len(res.Report.Skipped) != 0 && sum(res.Report.Skipped) != 0 {
		t.Fatalf("taken %d, skipped %v; want all %d taken", res.Report.Taken, res.Report.Skipped, n)
	}
	if res.Counts["error"] == 0 || res.Counts["ok"] == 0 {
		t.Errorf("counts %v: want ok and error rows", res.Counts)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var last time.Time
	back := 0
	for sc.Scan() {
		var l struct {
			Time time.Time `json:"time"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if l.Time.Before(last) {
			back++
		}
		last = l.Time
	}
	if back < n/10 {
		t.Errorf("%d of %d lines start before the line above them; want the log in order of completion", back, n)
	}
}

func sum(m map[string]int64) (s int64) {
	for _, v := range m {
		s += v
	}
	return s
}

func TestPgbenchFiles(t *testing.T) {
	files, err := Pgbench(t.TempDir(), 40_000, 4)
	if err != nil {
		t.Fatal(err)
	}
	n, err := countLines(files)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 4 || n < 38_000 || n > 42_000 {
		t.Fatalf("%d files, %d lines; want 4 files, about 40,000 lines", len(files), n)
	}
}

// TestQueriesFill: every query's placeholders are the ones the bench fills.
func TestQueriesFill(t *testing.T) {
	vars := map[string]string{"parquet": "'x'", "files": "['x']", "out": "'y'"}
	for name, q := range map[string]string{"analyze": analyzeSQL, "import_jsonl": importJSONLSQL, "import_pgbench": importPgbenchSQL} {
		if _, err := fillSQL(q, vars); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := fillSQL("SELECT {{nope}}", vars); err == nil {
		t.Error("an unfilled placeholder passed")
	}
	if got := sqlList([]string{"a", "it's"}); got != `['a', 'it''s']` {
		t.Errorf("sqlList = %s", got)
	}
}

// TestAnalyzeStates: the query names every state the analyzer has, and
// every error class the unavailable line of analyze/classify.go lists.
func TestAnalyzeStates(t *testing.T) {
	for _, st := range []string{"ok", "slow", "stalled", "read_only", "unavailable", "error", "skipped"} {
		if !strings.Contains(analyzeSQL, "'"+st+"'") {
			t.Errorf("analyze.sql never gives state %s", st)
		}
	}
	b, err := os.ReadFile("../../analyze/classify.go")
	if err != nil {
		t.Skip(err)
	}
	re := regexp.MustCompile(`store\.(Class\w+):\s+StateUnavailable`)
	classes := map[string]string{"ClassConnectTimeout": "connect_timeout", "ClassQueryTimeout": "query_timeout", "ClassRefused": "refused",
		"ClassReset": "reset", "ClassDNS": "dns", "ClassShutdown": "shutdown", "ClassTooManyConnections": "too_many_connections",
		"ClassInflightLimit": "inflight_limit", "ClassInferred": "inferred"}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		c, ok := classes[m[1]]
		if !ok {
			t.Errorf("analyze/classify.go makes store.%s unavailable; analyze.sql (and this test's table) must too", m[1])
			continue
		}
		if !strings.Contains(analyzeSQL, "'"+c+"'") {
			t.Errorf("analyze.sql does not make %s unavailable", c)
		}
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize([]Sample{{Wall: 3, CPU: 1, PeakRSS: 9}, {Wall: 1, CPU: 2, PeakRSS: 7}, {Wall: 2, CPU: 3, PeakRSS: 8}})
	if s.N != 3 || s.Wall != 2 || s.CPU != 2 || s.PeakRSS != 8 || len(s.Walls) != 3 || s.Walls[0] != 3 {
		t.Errorf("Summarize = %+v; want medians 2, 2, 8 and the walls in order", s)
	}
	if s := Summarize([]Sample{{Wall: 4}, {Wall: 2}}); s.Wall != 2 {
		t.Errorf("median of two = %v, want the lower", s.Wall)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 10_000_000: "10,000,000", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestCompareAnalyze(t *testing.T) {
	dir := t.TempDir()
	summary := filepath.Join(dir, "s.json")
	os.WriteFile(summary, []byte(`{"runs":[{"run_id":"r1","streams":[
		{"states":{"ok":10,"slow":2,"error":0},"state_windows":{"ok":3,"slow":2,"error":0}},
		{"states":{"ok":5,"unavailable":4},"state_windows":{"ok":2,"unavailable":1}}]}]}`), 0o644)
	duck := `{"columns":["run_id","state","probes","segments"],"rows":[["r1","ok","16","5"],["r1","slow","1","1"],["r1","unavailable","4","1"]]}`
	got, err := compareAnalyze(summary, []byte(duck))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "in 2 of 21 probes") || !strings.Contains(got, "in 1 of 8 segments") {
		t.Errorf("compareAnalyze = %q; want 2 of 21 probes, 1 of 8 segments", got)
	}
}
