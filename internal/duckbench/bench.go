package duckbench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Config says what to measure.
type Config struct {
	Dir         string // work folder: datasets (kept and reused), outputs, queries
	Switchwatch string // the binary measured
	Version     string // what it was built from, for the table (e.g. git describe)
	Node        string // node binary
	DuckDBNode  string // folder holding node_modules/@duckdb/node-api
	Rows        int64  // synthetic probe rows for analyze
	// LargeRows, when above 0, adds the task "analyze large": switchwatch
	// alone on that many synthetic rows (DuckDB's query would need tens
	// of GB there: 2.8 GB at 10 M rows), for the wall time and peak
	// memory of a dataset far larger than memory's share.
	LargeRows    int64
	PgbenchLines int // pgbench transactions, in PgbenchFiles files
	PgbenchFiles int
	JSONLLines   int
	Repeat       int      // runs of each side; the median is reported
	Tasks        []string // of TaskNames
	Progress     io.Writer
}

// TaskNames are the tasks, in the order they run.
var TaskNames = []string{"analyze", "jsonl", "pgbench"}

// Result is one task's figures.
type Result struct {
	Task        string
	Input       string
	Switchwatch Summary
	DuckDB      Summary
	Check       string // what the untimed comparison of the outputs found
}

// Ratio is DuckDB's median wall time over switchwatch's.
func (r Result) Ratio() float64 {
	if r.Switchwatch.Wall <= 0 {
		return 0
	}
	return float64(r.DuckDB.Wall) / float64(r.Switchwatch.Wall)
}

// Share is switchwatch's median wall time over DuckDB's, the form of
// issue 19's goals ("analyze at 0.07× DuckDB's time"); 0 without DuckDB.
func (r Result) Share() float64 {
	if r.DuckDB.Wall <= 0 {
		return 0
	}
	return float64(r.Switchwatch.Wall) / float64(r.DuckDB.Wall)
}

// Report is a whole comparison.
type Report struct {
	Cfg           Config
	DuckVersion   string
	DuckStartup   time.Duration // wall time of a process that only asks DuckDB its version
	Cores         int
	LoadBefore    string
	LoadAfter     string
	Started       time.Time
	Took          time.Duration
	Results       []Result
	DatasetsTook  time.Duration
	DatasetsReuse bool
}

func (c Config) progress(format string, a ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, "duckbench: "+format+"\n", a...)
	}
}

// Run makes (or reuses) the datasets and measures every task.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := CheckDuckDB(cfg.Node, cfg.DuckDBNode); err != nil {
		return nil, err
	}
	if err := CheckTime(); err != nil {
		return nil, err
	}
	rep := &Report{Cfg: cfg, Cores: runtime.NumCPU(), Started: time.Now().UTC()}
	rep.LoadBefore = LoadAvg()
	t0 := time.Now()
	data := filepath.Join(cfg.Dir, "data")
	ds, reused, err := makeDatasets(cfg, data)
	if err != nil {
		return nil, err
	}
	rep.DatasetsTook, rep.DatasetsReuse = time.Since(t0), reused
	qdir := filepath.Join(cfg.Dir, "duckdb")
	if err := os.MkdirAll(qdir, 0o755); err != nil {
		return nil, err
	}
	d := duck{node: cfg.Node, modules: cfg.DuckDBNode, dir: qdir}
	vc, err := d.cmd("version", "SELECT version();")
	if err != nil {
		return nil, err
	}
	s, out, err := Measure(ctx, vc)
	if err != nil {
		return nil, fmt.Errorf("start DuckDB: %w", err)
	}
	if r, err := parseDuck(out); err == nil && len(r.Rows) == 1 {
		rep.DuckVersion = r.Rows[0][0]
	}
	rep.DuckStartup = s.Wall
	for _, t := range cfg.Tasks {
		var res Result
		var err error
		switch t {
		case "analyze":
			res, err = benchAnalyze(ctx, cfg, d, ds)
			if err == nil && cfg.LargeRows > 0 {
				rep.Results = append(rep.Results, res)
				res, err = benchAnalyzeLarge(ctx, cfg, ds)
			}
		case "jsonl":
			res, err = benchJSONL(ctx, cfg, d, ds)
		case "pgbench":
			res, err = benchPgbench(ctx, cfg, d, ds)
		default:
			err = fmt.Errorf("unknown task %q (tasks: %s)", t, strings.Join(TaskNames, ", "))
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		rep.Results = append(rep.Results, res)
	}
	rep.LoadAfter = LoadAvg()
	rep.Took = time.Since(t0)
	return rep, nil
}

// datasets are the generated inputs.
type datasets struct {
	synth        string
	synthLarge   string // "" without Config.LargeRows
	pgbench      []string
	pgbenchLines int
	jsonl        string
}

// makeDatasets writes the inputs under dir, or reuses those a stamp says
// were written with the same sizes.
func makeDatasets(cfg Config, dir string) (datasets, bool, error) {
	ds := datasets{synth: filepath.Join(dir, "synth"), jsonl: filepath.Join(dir, "jsonl", "requests.jsonl")}
	for i := range cfg.PgbenchFiles {
		p := filepath.Join(dir, "pgbench", "pgbench_log.7")
		if i > 0 {
			p += "." + strconv.Itoa(i)
		}
		ds.pgbench = append(ds.pgbench, p)
	}
	if cfg.LargeRows > 0 {
		// its own folder and stamp, beside the others: made once, kept
		// whatever the other sizes
		ds.synthLarge = filepath.Join(filepath.Dir(dir), "synth-large")
		if err := synthOnce(cfg, ds.synthLarge, cfg.LargeRows); err != nil {
			return ds, false, err
		}
	}
	stampPath := filepath.Join(dir, "stamp")
	stamp := fmt.Sprintf("rows=%d pgbench=%dx%d jsonl=%d v2\n", cfg.Rows, cfg.PgbenchLines, cfg.PgbenchFiles, cfg.JSONLLines)
	if b, err := os.ReadFile(stampPath); err == nil && string(b) == stamp {
		n, err := countLines(ds.pgbench)
		ds.pgbenchLines = n
		return ds, true, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return ds, false, err
	}
	for _, sub := range []string{"pgbench", "jsonl"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return ds, false, err
		}
	}
	t := time.Now()
	if err := Synth(ds.synth, cfg.Rows); err != nil {
		return ds, false, err
	}
	cfg.progress("wrote %d synthetic probe rows in %v", cfg.Rows, time.Since(t).Round(time.Millisecond))
	t = time.Now()
	files, err := Pgbench(filepath.Join(dir, "pgbench"), cfg.PgbenchLines, cfg.PgbenchFiles)
	if err != nil {
		return ds, false, err
	}
	ds.pgbench = files
	if ds.pgbenchLines, err = countLines(files); err != nil {
		return ds, false, err
	}
	cfg.progress("wrote %d pgbench lines in %d files in %v", ds.pgbenchLines, len(files), time.Since(t).Round(time.Millisecond))
	t = time.Now()
	if err := JSONL(ds.jsonl, cfg.JSONLLines); err != nil {
		return ds, false, err
	}
	cfg.progress("wrote %d JSON lines in %v", cfg.JSONLLines, time.Since(t).Round(time.Millisecond))
	return ds, false, os.WriteFile(stampPath, []byte(stamp), 0o644)
}

// synthOnce writes rows synthetic rows into dir unless its stamp says it
// holds them.
func synthOnce(cfg Config, dir string, rows int64) error {
	stampPath := filepath.Join(dir, ".stamp")
	stamp := fmt.Sprintf("rows=%d v1\n", rows)
	if b, err := os.ReadFile(stampPath); err == nil && string(b) == stamp {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	t := time.Now()
	if err := Synth(dir, rows); err != nil {
		return err
	}
	cfg.progress("wrote %d synthetic probe rows in %v", rows, time.Since(t).Round(time.Millisecond))
	return os.WriteFile(stampPath, []byte(stamp), 0o644)
}

func countLines(files []string) (int, error) {
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		n += strings.Count(string(b), "\n")
	}
	return n, nil
}

// alternate runs a and b cfg.Repeat times each, a b a b, and returns the
// samples and the last standard output of each.
func alternate(ctx context.Context, cfg Config, task string, a, b Cmd) (sa, sb []Sample, outA, outB []byte, err error) {
	for i := range cfg.Repeat {
		s, out, err := Measure(ctx, a)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		sa, outA = append(sa, s), out
		cfg.progress("%s %d/%d switchwatch %.2f s, %.0f MB", task, i+1, cfg.Repeat, s.Wall.Seconds(), mb(s.PeakRSS))
		s, out, err = Measure(ctx, b)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		sb, outB = append(sb, s), out
		cfg.progress("%s %d/%d DuckDB      %.2f s, %.0f MB", task, i+1, cfg.Repeat, s.Wall.Seconds(), mb(s.PeakRSS))
	}
	return sa, sb, outA, outB, nil
}

func benchAnalyze(ctx context.Context, cfg Config, d duck, ds datasets) (Result, error) {
	res := Result{Task: "analyze", Input: fmt.Sprintf("%s synthetic probe rows", thousands(cfg.Rows))}
	q, err := fillSQL(analyzeSQL, map[string]string{"parquet": sqlString(filepath.Join(ds.synth, "run=*", "probes-*.parquet"))})
	if err != nil {
		return res, err
	}
	b, err := d.cmd("analyze", q)
	if err != nil {
		return res, err
	}
	a := Cmd{Args: []string{cfg.Switchwatch, "analyze", "--no-runs", ds.synth}}
	sa, sb, _, outB, err := alternate(ctx, cfg, "analyze", a, b)
	if err != nil {
		return res, err
	}
	res.Switchwatch, res.DuckDB = Summarize(sa), Summarize(sb)
	// untimed: the analyzer's own counts, to show the query did the same
	summary := filepath.Join(cfg.Dir, "analyze-summary.json")
	if _, _, err := Measure(ctx, Cmd{Args: []string{cfg.Switchwatch, "analyze", "--json", summary, ds.synth}}); err != nil {
		return res, err
	}
	res.Check, err = compareAnalyze(summary, outB)
	return res, err
}

// benchAnalyzeLarge measures switchwatch alone on the large dataset.
func benchAnalyzeLarge(ctx context.Context, cfg Config, ds datasets) (Result, error) {
	res := Result{Task: "analyze large", Input: fmt.Sprintf("%s synthetic probe rows", thousands(cfg.LargeRows))}
	a := Cmd{Args: []string{cfg.Switchwatch, "analyze", "--no-runs", ds.synthLarge}}
	var sa []Sample
	for i := range cfg.Repeat {
		s, _, err := Measure(ctx, a)
		if err != nil {
			return res, err
		}
		sa = append(sa, s)
		cfg.progress("analyze large %d/%d switchwatch %.2f s, %.0f MB", i+1, cfg.Repeat, s.Wall.Seconds(), mb(s.PeakRSS))
	}
	res.Switchwatch = Summarize(sa)
	// not "switchwatch ..." at the start of a line (see Write)
	res.Check = "DuckDB's query is not run at this size"
	return res, nil
}

// compareAnalyze compares the probes and segments per run and state that
// DuckDB counted (analyze.sql's result) with the analyzer's JSON summary.
func compareAnalyze(summaryPath string, duckOut []byte) (string, error) {
	dr, err := parseDuck(duckOut)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(summaryPath)
	if err != nil {
		return "", err
	}
	var sum struct {
		Runs []struct {
			RunID   string `json:"run_id"`
			Streams []struct {
				States  map[string]int64 `json:"states"`
				Windows map[string]int64 `json:"state_windows"`
			} `json:"streams"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		return "", fmt.Errorf("read %s: %w", summaryPath, err)
	}
	type key struct{ run, state string }
	sw, sws := map[key]int64{}, map[key]int64{}
	var total int64
	for _, r := range sum.Runs {
		for _, s := range r.Streams {
			for st, n := range s.States {
				sw[key{r.RunID, st}] += n
				total += n
			}
			for st, n := range s.Windows {
				sws[key{r.RunID, st}] += n
			}
		}
	}
	dk, dks := map[key]int64{}, map[key]int64{}
	for _, row := range dr.Rows {
		if len(row) != 4 {
			return "", fmt.Errorf("DuckDB's analyze row %v: want run_id, state, probes, segments", row)
		}
		p, _ := strconv.ParseInt(row[2], 10, 64)
		s, _ := strconv.ParseInt(row[3], 10, 64)
		dk[key{row[0], row[1]}] += p
		dks[key{row[0], row[1]}] += s
	}
	var dp, dseg, segs int64
	for k := range sw {
		dp += abs(sw[k] - dk[k])
		dseg += abs(sws[k] - dks[k])
		segs += sws[k]
	}
	for k := range dk {
		if _, ok := sw[k]; !ok {
			dp += dk[k]
			dseg += dks[k]
		}
	}
	return fmt.Sprintf("per run and state, DuckDB's probe counts differ from the analyzer's in %d of %s probes, its segment counts in %d of %s segments",
		dp, thousands(total), dseg, thousands(segs)), nil
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// importTask measures "switchwatch import KIND FILES --out" against the
// DuckDB query tmpl writing one Parquet file, and compares their rows.
func importTask(ctx context.Context, cfg Config, d duck, task, input, tmpl string, files []string) (Result, error) {
	res := Result{Task: "import " + task, Input: input}
	swOut := filepath.Join(cfg.Dir, "out-switchwatch-"+task)
	duckOut := filepath.Join(cfg.Dir, "out-duckdb-"+task)
	duckFile := filepath.Join(duckOut, "run="+task+"-duckdb", "probes-000001.parquet")
	q, err := fillSQL(tmpl, map[string]string{"files": sqlList(files), "out": sqlString(duckFile)})
	if err != nil {
		return res, err
	}
	b, err := d.cmd("import_"+task, q)
	if err != nil {
		return res, err
	}
	b.Reset = func() error {
		if err := os.RemoveAll(duckOut); err != nil {
			return err
		}
		return os.MkdirAll(filepath.Dir(duckFile), 0o755)
	}
	a := Cmd{Args: append(append([]string{cfg.Switchwatch, "import", task}, files...), "--out", swOut),
		Reset: func() error { return os.RemoveAll(swOut) }}
	sa, sb, _, _, err := alternate(ctx, cfg, "import "+task, a, b)
	if err != nil {
		return res, err
	}
	res.Switchwatch, res.DuckDB = Summarize(sa), Summarize(sb)
	// untimed: count both outputs' rows and compare what they hold
	// (DuckDB reads switchwatch's files too)
	swFiles, duckFiles := sqlString(filepath.Join(swOut, "run=*", "*.parquet")), sqlString(duckFile)
	cq, err := d.cmd("check_"+task, strings.NewReplacer("SW", swFiles, "DUCK", duckFiles).Replace(checkImportSQL))
	if err != nil {
		return res, err
	}
	_, out, err := Measure(ctx, cq)
	if err != nil {
		return res, err
	}
	r, err := parseDuck(out)
	if err != nil || len(r.Rows) != 1 || len(r.Rows[0]) != 4 {
		return res, fmt.Errorf("compare the outputs: %v %v", r.Rows, err)
	}
	same := "the same"
	if r.Rows[0][3] != "0" {
		same = "DIFFERENT in " + r.Rows[0][3]
	}
	res.Check = fmt.Sprintf("rows written: switchwatch %s (%s of them inferred), DuckDB %s; the rows both have: %s groups by stream, outcome and error class (count, latency sum to the µs, first and last intended start)",
		r.Rows[0][0], r.Rows[0][2], r.Rows[0][1], same)
	return res, nil
}

// checkImportSQL compares an import's rows (SW, switchwatch's files) with
// DuckDB's (DUCK), leaving out the rows the importer inferred: the rows of
// each, the inferred rows, and the groups that differ. Latencies are
// compared to the microsecond: the importer truncates latency_ms × 1e6
// (4.177 ms is 4,176,999 ns), the query rounds it.
const checkImportSQL = `WITH sw AS (SELECT * FROM read_parquet(SW)), duck AS (SELECT * FROM read_parquet(DUCK)),
a AS (SELECT kind, conn, endpoint, outcome, error_class, count(*) AS n, sum((latency_ns + 500) // 1000) AS l_us, min(intended) AS i0, max(intended) AS i1
      FROM sw WHERE error_class IS DISTINCT FROM 'inferred' GROUP BY ALL),
b AS (SELECT kind, conn, endpoint, outcome, error_class, count(*) AS n, sum((latency_ns + 500) // 1000) AS l_us, min(intended) AS i0, max(intended) AS i1
      FROM duck GROUP BY ALL)
SELECT (SELECT count(*) FROM sw), (SELECT count(*) FROM duck), (SELECT count(*) FROM sw WHERE error_class = 'inferred'),
       (SELECT count(*) FROM ((SELECT * FROM a EXCEPT SELECT * FROM b) UNION ALL (SELECT * FROM b EXCEPT SELECT * FROM a)));
`

func benchJSONL(ctx context.Context, cfg Config, d duck, ds datasets) (Result, error) {
	st, err := os.Stat(ds.jsonl)
	if err != nil {
		return Result{}, err
	}
	in := fmt.Sprintf("%s request lines (%.0f MB)", thousands(int64(cfg.JSONLLines)), mb(st.Size()))
	return importTask(ctx, cfg, d, "jsonl", in, importJSONLSQL, []string{ds.jsonl})
}

func benchPgbench(ctx context.Context, cfg Config, d duck, ds datasets) (Result, error) {
	var size int64
	for _, f := range ds.pgbench {
		st, err := os.Stat(f)
		if err != nil {
			return Result{}, err
		}
		size += st.Size()
	}
	in := fmt.Sprintf("%s transactions in %d files (%.0f MB)", thousands(int64(ds.pgbenchLines)), len(ds.pgbench), mb(size))
	return importTask(ctx, cfg, d, "pgbench", in, importPgbenchSQL, ds.pgbench)
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// thousands writes n with commas.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Write renders the report: the machine, one table, the checks.
func (rep *Report) Write(w io.Writer) error {
	c := rep.Cfg
	// not "switchwatch ..." at the start of a line: the README's check of
	// quoted commands (cmd/switchwatch hints_test.go) reads docs/*.md
	fmt.Fprintf(w, "compared: switchwatch (%s) with DuckDB %s (Node.js package), %s\n", c.Version, rep.DuckVersion, rep.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "machine: %d cores, load average %s before, %s after; %s %s/%s\n", rep.Cores, rep.LoadBefore, rep.LoadAfter, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "each side run %d time(s) as a whole process, alternating; medians of wall time, CPU time (user+sys) and peak RSS\n\n", c.Repeat)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "task\tswitchwatch s\tDuckDB s\tratio\tsw/DuckDB\tCPU s sw\tCPU s DuckDB\tpeak MB sw\tpeak MB DuckDB\t")
	for _, r := range rep.Results {
		if r.DuckDB.Wall <= 0 { // switchwatch alone
			fmt.Fprintf(tw, "%s\t%.2f\t-\t-\t-\t%.2f\t-\t%.0f\t-\t\n", r.Task, r.Switchwatch.Wall.Seconds(),
				r.Switchwatch.CPU.Seconds(), mb(r.Switchwatch.PeakRSS))
			continue
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.1f\t%.3f\t%.2f\t%.2f\t%.0f\t%.0f\t\n", r.Task, r.Switchwatch.Wall.Seconds(), r.DuckDB.Wall.Seconds(), r.Ratio(),
			r.Share(), r.Switchwatch.CPU.Seconds(), r.DuckDB.CPU.Seconds(), mb(r.Switchwatch.PeakRSS), mb(r.DuckDB.PeakRSS))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nratio: DuckDB's median wall time / switchwatch's (above 1: switchwatch is faster); sw/DuckDB its inverse, the form of issue 19's goals.\n")
	fmt.Fprintf(w, "DuckDB's times include starting node and loading DuckDB: %.2f s for SELECT version().\n", rep.DuckStartup.Seconds())
	fmt.Fprintln(w, "inputs and checks (untimed):")
	for _, r := range rep.Results {
		duck := ", DuckDB " + secs(r.DuckDB.Walls)
		if len(r.DuckDB.Walls) == 0 {
			duck = ""
		}
		fmt.Fprintf(w, "  %s: %s; wall s each run: switchwatch %s%s\n", r.Task, r.Input, secs(r.Switchwatch.Walls), duck)
		fmt.Fprintf(w, "    %s\n", r.Check)
	}
	how := "made"
	if rep.DatasetsReuse {
		how = "reused"
	}
	_, err := fmt.Fprintf(w, "datasets %s in %v; everything took %v\n", how, rep.DatasetsTook.Round(time.Second), rep.Took.Round(time.Second))
	return err
}

func secs(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = fmt.Sprintf("%.2f", d.Seconds())
	}
	return strings.Join(s, " ")
}
