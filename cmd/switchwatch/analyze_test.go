package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/internal/golden"
	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// The fixtures in testdata/analyze are small synthetic runs made by
// internal/synth, and the golden outputs of analyze on them. The fixtures
// are schema version 1 files on purpose (they keep the reading of older
// runs tested), so -update rewrites only the golden outputs:
//
//	go test ./cmd/switchwatch -run TestAnalyzeGolden -update
//
// and makes the fixtures again, in the current schema version, only when
// their folders are missing (rm -r testdata/analyze/runs testdata/analyze/bad).
// Check the diff of the .txt files by reading it: they are the analyzer's
// answers on runs whose truth is in their events.jsonl.
const analyzeTestdata = "../../testdata/analyze"

// fixturesMissing reports whether a fixture folder is missing.
func fixturesMissing() bool {
	for _, dir := range []string{"runs", "bad"} {
		if _, err := os.Stat(filepath.Join(analyzeTestdata, dir)); err != nil {
			return true
		}
	}
	return false
}

// makeFixtures writes the fixture runs: two strategies, two scenarios each.
func makeFixtures(t *testing.T) {
	t.Helper()
	for _, dir := range []string{"runs", "bad"} {
		if err := os.RemoveAll(filepath.Join(analyzeTestdata, dir)); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	mk := func(id, strategy string, n int, phases ...synth.Phase) *synth.Run {
		return &synth.Run{
			ID: id, Labels: map[string]string{"strategy": strategy, "scenario": strings.Split(id, "-")[0]},
			Start: start.Add(time.Duration(n) * time.Hour), Interval: 100 * time.Millisecond,
			Stagger: true, Phases: phases, Seed: uint64(n), Verify: true,
		}
	}
	h := func(d time.Duration, server int) synth.Phase {
		return synth.Phase{State: synth.Healthy, Duration: d, Server: server}
	}
	runs := []*synth.Run{
		mk("bluegreen-1", "a", 1, h(5*time.Second, 0),
			synth.Phase{State: synth.Unavailable, Duration: 4100 * time.Millisecond},
			synth.Phase{State: synth.ReadOnly, Duration: 5900 * time.Millisecond}, h(5*time.Second, 1)),
		mk("bluegreen-2", "b", 2, h(5*time.Second, 0),
			synth.Phase{State: synth.Unavailable, Duration: 2 * time.Second},
			synth.Phase{State: synth.ReadOnly, Duration: 3 * time.Second}, h(5*time.Second, 1)),
		mk("restart-1", "a", 3, h(5*time.Second, 0),
			synth.Phase{State: synth.Unavailable, Duration: 3200 * time.Millisecond, Class: store.ClassRefused}, h(5*time.Second, 2)),
		mk("restart-2", "b", 4, h(5*time.Second, 0),
			synth.Phase{State: synth.Unavailable, Duration: 1500 * time.Millisecond, Class: store.ClassRefused}, h(5*time.Second, 2)),
	}
	runs[0].Lost = []int64{42}
	runs[0].DNSChangeAt = 8 * time.Second
	for _, r := range runs {
		if _, _, err := r.Write(filepath.Join(analyzeTestdata, "runs"), synth.WriteOptions{SegmentRows: 200}); err != nil {
			t.Fatal(err)
		}
	}
	// a run with a truncated segment, an empty one and a cut journal line
	broken := mk("broken-1", "a", 5, h(3*time.Second, 0), synth.Phase{State: synth.Unavailable, Duration: time.Second}, h(3*time.Second, 0))
	dir, _, err := broken.Write(filepath.Join(analyzeTestdata, "bad"), synth.WriteOptions{SegmentRows: 50})
	if err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(dir, synth.SegmentName(2))
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(seg, data[:len(data)/2], 0o644)
	os.WriteFile(filepath.Join(dir, synth.SegmentName(3)), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "_journal-000009.jsonl"), []byte(`{"run_id":"broken-1","kind":"wri`+"\n"), 0o644)
}

func runAnalyzeCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), &stdout, &stderr, append([]string{"analyze"}, args...))
	return stdout.String(), stderr.String(), err
}

func TestAnalyzeGolden(t *testing.T) {
	if golden.Updating() && fixturesMissing() {
		makeFixtures(t)
	}
	runs := filepath.Join(analyzeTestdata, "runs")
	cases := []struct {
		name string
		args []string
	}{
		{"by_strategy", []string{"--by", "strategy", runs}},
		{"by_strategy_runs", []string{"--runs", "--by", "strategy", runs}},
		{"truth", []string{"--truth", filepath.Join(runs, "run=bluegreen-1")}},
		{"bad", []string{filepath.Join(analyzeTestdata, "bad")}},
		{"help", []string{"--help"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, err := runAnalyzeCmd(t, c.args...)
			got := "$ switchwatch analyze " + strings.Join(c.args, " ") + "\n" + stdout
			if stderr != "" {
				got += "--- stderr\n" + stderr
			}
			if err != nil {
				got += "--- error\n" + err.Error() + "\n"
			}
			golden.Check(t, filepath.Join(analyzeTestdata, "golden", c.name+".txt"), []byte(got))
		})
	}
}

// The golden outputs are checked by reasoning once; these assertions keep
// the numbers that matter honest whatever the golden files say.
func TestAnalyzeFixturesAgainstTruth(t *testing.T) {
	dir := t.TempDir()
	stdout, _, err := runAnalyzeCmd(t, "--runs", "--by", "strategy", "--truth", "--json", filepath.Join(dir, "s.json"), "-o", dir,
		filepath.Join(analyzeTestdata, "runs"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "phases: healthy → unavailable 4.") || !strings.Contains(stdout, " s → read-only 5.") || !strings.Contains(stdout, " s → healthy (new server)\n") {
		t.Errorf("the blue/green phases are not in the table:\n%s", stdout)
	}
	sump := readSummary(t, filepath.Join(dir, "s.json"))
	sum := *sump
	// -o DIR without --json FILE writes summary.json there
	stdout2, _, err := runAnalyzeCmd(t, "-o", filepath.Join(dir, "o2"), filepath.Join(analyzeTestdata, "runs"))
	if err != nil || stdout2 == "" {
		t.Fatalf("-o: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "o2", "summary.json"))
	if err != nil || !json.Valid(data) {
		t.Errorf("-o DIR: summary.json %v", err)
	}
	// bluegreen-1 was unavailable for 4.1 s, then read-only for 5.9 s
	bg := sum.Runs[0].Phases
	for i, want := range []time.Duration{4100 * time.Millisecond, 5900 * time.Millisecond} {
		if d := time.Duration(bg[i+1].DurationNS) - want; d < -100*time.Millisecond || d > 100*time.Millisecond || bg[i+1].ResolutionNS != int64(100*time.Millisecond) {
			t.Errorf("phase %d of %s lasts %v ± %v, want %v ± 100ms", i+1, sum.Runs[0].RunID, time.Duration(bg[i+1].DurationNS), time.Duration(bg[i+1].ResolutionNS), want)
		}
	}
	if sum.Version != analyze.SummaryVersion || len(sum.Runs) != 4 || len(sum.Groups) != 2 || sum.Groups[0].Key != "strategy=a" {
		t.Errorf("summary: version %d, %d runs, groups %v", sum.Version, len(sum.Runs), sum.Groups)
	}
	if sum.Accuracy == nil || sum.Accuracy.Total == 0 || sum.Accuracy.Within != sum.Accuracy.Total {
		t.Errorf("accuracy %+v: every boundary must lie within one interval of the truth", sum.Accuracy)
	}
	// phases.parquet holds every phase of every run
	rows, err := parquet.ReadFile[store.PhaseRow](filepath.Join(dir, "phases.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	var want int
	for _, r := range sum.Runs {
		want += len(r.Phases)
	}
	if len(rows) != want || want != 4+4+3+3 {
		t.Errorf("phases.parquet has %d rows, the summary %d phases, want 14", len(rows), want)
	}
	if rows[3].Label != "healthy (new server)" || rows[3].RunID != "bluegreen-1" || !strings.Contains(rows[3].Labels, `"strategy":"a"`) {
		t.Errorf("row 3: %+v", rows[3])
	}
}

func TestAnalyzeStrictAndErrors(t *testing.T) {
	_, _, err := runAnalyzeCmd(t, "--strict", filepath.Join(analyzeTestdata, "bad"))
	if err == nil || !strings.Contains(err.Error(), "probes-000002.parquet") {
		t.Errorf("--strict on a truncated segment: %v, want an error naming it", err)
	}
	if _, _, err := runAnalyzeCmd(t); err == nil {
		t.Errorf("no path: no error")
	}
	if _, _, err := runAnalyzeCmd(t, "/does/not/exist"); err == nil || !strings.Contains(err.Error(), "/does/not/exist") {
		t.Errorf("missing path: %v", err)
	}
	// without --runs no run's section; --no-runs (once the way to say so)
	// is still accepted and changes nothing
	out, _, err := runAnalyzeCmd(t, "--by", "strategy", filepath.Join(analyzeTestdata, "runs"))
	if err != nil || strings.Contains(out, "\nrun ") || !strings.Contains(out, "2 groups by strategy: a (2 runs), b (2 runs)") {
		t.Errorf("default: %v\n%s", err, out)
	}
	out2, _, err := runAnalyzeCmd(t, "--no-runs", "--by", "strategy", filepath.Join(analyzeTestdata, "runs"))
	if err != nil || out2 != out {
		t.Errorf("--no-runs is not the default: %v\n%s", err, out2)
	}
	out, _, err = runAnalyzeCmd(t, "--runs", "--by", "strategy", filepath.Join(analyzeTestdata, "runs"))
	if err != nil || !strings.Contains(out, "\nrun bluegreen-1 [scenario=bluegreen strategy=a]\n") {
		t.Errorf("--runs: %v\n%s", err, out)
	}
	if _, _, err := runAnalyzeCmd(t, "--slow", "fast", "x"); err == nil {
		t.Errorf("bad --slow accepted")
	}
}

// TestAnalyzeReadmeFirstCommand is the README's first command on the
// shipped lab runs: its stdout is a golden file, fits a terminal (at most
// 50 lines of at most 120 columns), holds a table per kind of request and
// a comparison of every strategy with aurora; --runs adds every run's
// detail.
func TestAnalyzeReadmeFirstCommand(t *testing.T) {
	args := []string{"--by", "scenario", "../../testdata/runs"}
	stdout, stderr, err := runAnalyzeCmd(t, args...)
	if err != nil || stderr != "" {
		t.Fatalf("%v\n%s", err, stderr)
	}
	golden.Check(t, filepath.Join(analyzeTestdata, "golden", "readme.txt"), []byte("$ switchwatch analyze "+strings.Join(args, " ")+"\n"+stdout))
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) > 50 {
		t.Errorf("%d lines, want at most 50", len(lines))
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n > 120 {
			t.Errorf("line %d is %d columns wide, want at most 120: %q", i+1, n, l)
		}
	}
	for _, want := range []string{
		"4 groups by scenario: aurora (4 runs), dns (4 runs), pgbouncer (4 runs), patroni (4 runs); compared",
		"\nwrites ", "\nreads ", "\nwhole run ", "n=4 in each group", "p=0.029 n=4+4",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	// the write downtime of the four strategies: medians at the probes'
	// 0.1 s, the range of the 4 runs, and each against aurora
	row := regexp.MustCompile(`(?m)^write_downtime +s +9\.0 \[9\.0 9\.1\] +1\.1 \[1\.0 1\.1\] +-88% +0\.0 +-100% +1\.4 \[1\.3 1\.4\] +-85%$`)
	if !row.MatchString(stdout) {
		t.Errorf("write_downtime row is not as the README says:\n%s", stdout)
	}
	// a baseline of 0 gets an absolute difference, never a percentage
	if !regexp.MustCompile(`(?m)^write_stall_time +s +0\.0 .* \+1\.8$`).MatchString(stdout) {
		t.Errorf("write_stall_time against aurora's 0.0 s is not +1.8 (s):\n%s", stdout)
	}
	if strings.Contains(stdout, "\nrun ") || strings.Contains(stdout, " 0 s") {
		t.Errorf("per-run detail or a unit in a cell:\n%s", stdout)
	}
	// the README shows the table's first lines and says how long it is
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if first := strings.Join(lines[:12], "\n") + "\n...\n"; !strings.Contains(string(readme), "```\n"+first+"```") {
		t.Errorf("README.md does not show the table's first 12 lines:\n%s", first)
	}
	if want := fmt.Sprintf("all of it, %d lines of at most 120 columns", len(lines)); !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), want) {
		t.Errorf("README.md does not say %q", want)
	}
	detail, _, err := runAnalyzeCmd(t, append([]string{"--runs"}, args...)...)
	if err != nil || strings.Count(detail, "\nrun ") != 16 || !strings.HasSuffix(detail, stdout[strings.Index(stdout, "\nwrites"):]) {
		t.Errorf("--runs: %v, %d runs' sections, or the tables differ", err, strings.Count(detail, "\nrun "))
	}
}

// TestAnalyzeBaselineGroupAndPairs: --baseline-group compares with the
// group named (by key or by value), --compare all every pair; a group
// that does not exist, or both flags, is a usage error.
func TestAnalyzeBaselineGroupAndPairs(t *testing.T) {
	runs := "../../testdata/runs"
	js := filepath.Join(t.TempDir(), "s.json")
	stdout, _, err := runAnalyzeCmd(t, "--by", "scenario", "--baseline-group", "dns", "--json", js, runs)
	if err != nil || !strings.Contains(stdout, "; compared\n  with dns\n") && !strings.Contains(stdout, "; compared with dns") ||
		!regexp.MustCompile(`(?m)^writes +dns +aurora +vs base`).MatchString(stdout) {
		t.Errorf("--baseline-group dns: %v\n%s", err, stdout)
	}
	sum := readSummary(t, js)
	for _, c := range sum.Comparisons {
		if c.Baseline != "scenario=dns" || c.Group == "scenario=dns" {
			t.Fatalf("comparison %s vs %s", c.Group, c.Baseline)
		}
	}
	byKey, _, _ := runAnalyzeCmd(t, "--by", "scenario", "--baseline-group", "scenario=dns", runs)
	if byKey != stdout {
		t.Errorf("--baseline-group scenario=dns differs from dns")
	}
	// the first group as the baseline, asked for, is what Analyze compares
	// without being asked: the same tests, the same numbers
	js0 := filepath.Join(t.TempDir(), "s0.json")
	if _, _, err := runAnalyzeCmd(t, "--by", "scenario", "--json", js0, runs); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runAnalyzeCmd(t, "--by", "scenario", "--baseline-group", "aurora", "--json", js, runs); err != nil {
		t.Fatal(err)
	}
	if a, b := readSummary(t, js0).Comparisons, readSummary(t, js).Comparisons; !reflect.DeepEqual(a, b) || len(a) == 0 {
		t.Errorf("--baseline-group aurora: %d comparisons differ from the default %d", len(b), len(a))
	}
	stdout, _, err = runAnalyzeCmd(t, "--by", "scenario", "--compare", "all", "--json", js, runs)
	if err != nil || strings.Count(stdout, "\nagainst ") != 3 || !strings.Contains(stdout, "pair compared") {
		t.Errorf("--compare all: %v\n%s", err, stdout)
	}
	if sum := readSummary(t, js); len(sum.Comparisons) == 0 || sum.Comparisons[len(sum.Comparisons)-1].Baseline != "scenario=pgbouncer" {
		t.Errorf("--compare all: the JSON lacks the pairs")
	}
	for _, args := range [][]string{
		{"--baseline-group", "auroa"},
		{"--compare", "some"},
		{"--compare", "all", "--baseline-group", "dns"},
	} {
		_, _, err := runAnalyzeCmd(t, append(append([]string{"--by", "scenario"}, args...), runs)...)
		if exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}

// TestAnalyzeCSV: --csv writes a row per run, a column per metric with
// its unit, that Go's and Python's csv readers read alike.
func TestAnalyzeCSV(t *testing.T) {
	file := filepath.Join(t.TempDir(), "runs.csv")
	if _, _, err := runAnalyzeCmd(t, "--by", "scenario", "--csv", file, "../../testdata/runs"); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 17 {
		t.Fatalf("%d rows, want a header and 16 runs", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"run_id", "group", "label_scenario", "write_downtime_s", "write_downtime_resolution_s", "failed_probes_count", "event_to_dns_change_s"} {
		if _, ok := col[h]; !ok {
			t.Errorf("no column %s in %v", h, rows[0])
		}
	}
	for _, r := range rows[1:] {
		if r[col["label_scenario"]] == "aurora" {
			if v, err := strconv.ParseFloat(r[col["write_downtime_s"]], 64); err != nil || v < 8.9 || v > 9.2 || r[col["write_downtime_resolution_s"]] == "" {
				t.Errorf("aurora run %s: write_downtime_s %q ± %q, want about 9 s", r[0], r[col["write_downtime_s"]], r[col["write_downtime_resolution_s"]])
			}
			if r[col["event_to_dns_change_s"]] != "" {
				t.Errorf("aurora run %s has a DNS change: %q, want an empty cell", r[0], r[col["event_to_dns_change_s"]])
			}
		}
	}
	// DuckDB's read_csv, where .ci/run installed its Node.js package (as
	// record/store's DuckDB tests use it): the types it infers
	if dir := os.Getenv("SWITCHWATCH_DUCKDB_NODE"); dir != "" {
		script := filepath.Join(t.TempDir(), "q.cjs")
		os.WriteFile(script, []byte(`
const duck = require(process.env.SWITCHWATCH_DUCKDB_NODE + '/node_modules/@duckdb/node-api');
(async () => {
  const con = await (await duck.DuckDBInstance.create(':memory:')).connect();
  const r = await con.runAndReadAll(process.argv[2]);
  console.log(JSON.stringify(r.getRowsJS().map(row => row.map(String))));
})().catch(e => { console.error(e.message); process.exit(1); });
`), 0o644)
		q := "SELECT count(*), typeof(any_value(write_downtime_s)), typeof(any_value(failed_probes_count)), count(event_to_dns_change_s) FROM read_csv('" + file + "')"
		out, err := exec.Command("node", script, q).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != `[["16","DOUBLE","BIGINT","4"]]` {
			t.Errorf("duckdb read_csv: %v %s", err, out)
		}
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 to read it with")
	}
	out, err := exec.Command(py, "-c", `import csv,sys
rows=list(csv.DictReader(open(sys.argv[1], newline="")))
print(len(rows), sum(float(r["write_downtime_s"]) for r in rows if r["label_scenario"]=="dns")/4 < 1.2)`, file).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "16 True" {
		t.Errorf("python3 csv: %v %s", err, out)
	}
}

// TestAnalyzeOneAgainstOne is "switchwatch analyze last/ today/" with one
// run in each: two columns of values side by side, named by what their
// paths do not share, no p anywhere and the reason said once.
func TestAnalyzeOneAgainstOne(t *testing.T) {
	runs := filepath.Join(analyzeTestdata, "runs")
	stdout, _, err := runAnalyzeCmd(t, filepath.Join(runs, "run=bluegreen-1"), filepath.Join(runs, "run=restart-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^writes +run=bluegreen-1 +run=restart-1$`).MatchString(stdout) ||
		!regexp.MustCompile(`(?m)^write_downtime +s +10\.0 +3\.2$`).MatchString(stdout) {
		t.Errorf("not two columns of values:\n%s", stdout)
	}
	if strings.Contains(stdout, "vs base") || strings.Contains(stdout, "p=") || strings.Count(stdout, "no p for run=restart-1: 1 run against 1") != 1 {
		t.Errorf("a p, or the reason for none not said once:\n%s", stdout)
	}
}
