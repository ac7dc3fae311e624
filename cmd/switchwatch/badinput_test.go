package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// The bad-input suite: every odd, damaged or repeated input must give a
// clear error naming the file (or line, or flag), or the right number.
// Each case writes its input under a fresh folder, runs the real command
// line (run, as main does) and checks the exit code, what must (and must
// not) be in the output, and exact numbers of the analysis.
//
// To add a case, add a badInput to badInputs: files for inputs a literal
// can hold, setup for the rest (a synthetic run, a copy, a link); "DIR"
// in args, out, notOut and files' content stands for the case's folder.
type badInput struct {
	name string
	// files are written under DIR first (path relative to DIR: content).
	files map[string]string
	// setup writes what files cannot (runs made by internal/synth, ...).
	setup func(t *testing.T, dir string)
	// args is the command line after "switchwatch" ("analyze", "DIR/runs").
	args []string
	// code is the exit code wanted (0 done, 1 failed, 2 usage).
	code int
	// out must each be in stdout or stderr (the printed error included);
	// notOut must not be in either.
	out, notOut []string
	// numbers are exact values of the analysis (analyze only: the command
	// also writes --json DIR/summary.json to read them), by the names
	// summaryNumbers gives them.
	numbers map[string]float64
}

func TestBadInputs(t *testing.T) {
	for _, c := range badInputs {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "DIR", dir) }
			for rel, content := range c.files {
				p := filepath.Join(dir, rel)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(sub(content)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if c.setup != nil {
				c.setup(t, dir)
			}
			var args []string
			for _, a := range c.args {
				args = append(args, sub(a))
			}
			jsonPath := filepath.Join(dir, "summary.json")
			if c.numbers != nil {
				args = append(args, "--json", jsonPath)
			}
			if args[0] == "analyze" {
				args = append(args, "--runs") // the runs' sections say what was made of each
			}
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), &stdout, &stderr, args)
			printError(&stderr, err)
			output := stdout.String() + stderr.String()
			if code := exitCode(err); code != c.code {
				t.Errorf("exit code %d, want %d", code, c.code)
			}
			for _, w := range c.out {
				if !strings.Contains(output, sub(w)) {
					t.Errorf("output lacks %q", sub(w))
				}
			}
			for _, w := range c.notOut {
				if strings.Contains(output, sub(w)) {
					t.Errorf("output has %q", sub(w))
				}
			}
			if c.numbers != nil {
				data, err := os.ReadFile(jsonPath)
				if err != nil {
					t.Fatalf("no summary: %v", err)
				}
				sum, err := analyze.ReadJSON(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				got := summaryNumbers(sum)
				var excluded struct {
					Input struct{ Excluded []json.RawMessage }
				}
				json.Unmarshal(data, &excluded)
				got["excluded"] = float64(len(excluded.Input.Excluded))
				for _, k := range slices.Sorted(func(yield func(string) bool) {
					for k := range c.numbers {
						if !yield(k) {
							return
						}
					}
				}) {
					if g, ok := got[k]; !ok || g != c.numbers[k] {
						t.Errorf("%s = %v (present %v), want %v", k, g, ok, c.numbers[k])
					}
				}
			}
			if t.Failed() {
				t.Logf("$ switchwatch %s\n%s", strings.Join(args, " "), output)
			}
		})
	}
}

// summaryNumbers names the numbers the cases check: counts of the input
// ("excluded" the test reads from the JSON itself), and of the first run
// and the first group (durations in seconds).
func summaryNumbers(sum *analyze.Summary) map[string]float64 {
	n := map[string]float64{
		"runs":    float64(sum.Input.Runs),
		"skipped": float64(len(sum.Input.Skipped)),
		"rows":    float64(sum.Input.Rows),
	}
	if len(sum.Runs) > 0 {
		r := &sum.Runs[0]
		n["run.interval_s"] = time.Duration(r.IntervalNS).Seconds()
		n["run.events"] = float64(len(r.Metrics.Events))
		n["run.unavailable_s"] = time.Duration(r.Metrics.UnavailableTime.NS).Seconds()
		if d := r.Metrics.WriteDowntime; d != nil {
			n["run.write_downtime_s"] = time.Duration(d.NS).Seconds()
		}
		if d := r.Metrics.KnownWriteDowntime; d != nil {
			// write_downtime is unknown (time without data); this much is known
			n["run.known_write_downtime_s"] = time.Duration(d.NS).Seconds()
		}
		n["run.unknown"] = float64(len(r.Metrics.Unknown))
		// server_change_count is null in the JSON when unknown
		n["run.server_change_count_known"] = 0
		if c := r.Metrics.ServerChangeCount; c != nil {
			n["run.server_change_count_known"] = 1
			n["run.server_change_count"] = float64(*c)
		}
		if len(r.Profiles) > 0 {
			n["run.profiles"] = float64(len(r.Profiles))
			n["run.profiles.min_unknown"] = math.Inf(1)
			n["run.profiles.server_change_count_known"] = 0
			for _, p := range r.Profiles {
				n["run.profiles.min_unknown"] = min(n["run.profiles.min_unknown"], float64(len(p.Metrics.Unknown)))
				if p.Metrics.ServerChangeCount != nil {
					n["run.profiles.server_change_count_known"]++
				}
			}
		}
		if h := r.Recorder; h != nil {
			n["run.degraded"] = 0
			if h.Degraded {
				n["run.degraded"] = 1
			}
		}
	}
	if len(sum.Groups) > 0 {
		for _, st := range sum.Groups[0].Stats {
			n["group."+st.Metric+".n"] = float64(st.N)
			if st.Unit == "ns" {
				n["group."+st.Metric+".median_s"] = time.Duration(st.Median).Seconds()
			}
		}
	}
	return n
}

// outageRun is the run of the reproductions: writes and reads on
// a 50 ms grid, unavailable for 3.15 s between 5 s of health on each side.
func outageRun(id string) *synth.Run {
	return &synth.Run{
		ID: id, Interval: 50 * time.Millisecond, Start: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC),
		Phases: []synth.Phase{
			{State: synth.Healthy, Duration: 5 * time.Second},
			{State: synth.Unavailable, Duration: 3150 * time.Millisecond, Class: store.ClassRefused},
			{State: synth.Healthy, Duration: 5 * time.Second, Server: 1},
		},
		Seed: 7,
	}
}

// writeOutageRun writes outageRun(id) under dir (no events.jsonl) and
// returns its folder.
func writeOutageRun(t *testing.T, dir, id string) string {
	t.Helper()
	run, _, err := outageRun(id).Write(dir, synth.WriteOptions{NoEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// setRunInfo changes the run.json of a run folder.
func setRunInfo(t *testing.T, run string, change func(*store.RunInfo)) {
	t.Helper()
	info, err := store.ReadRunInfo(run)
	if err != nil {
		t.Fatal(err)
	}
	change(info)
	if err := store.WriteRunInfo(run, info); err != nil {
		t.Fatal(err)
	}
}

// segmentMicros is a probe segment as DuckDB rewrites one: timestamps in
// microseconds, the schema version in the metadata.
type segmentMicros struct {
	RunID      string `parquet:"run_id,dict"`
	Kind       string `parquet:"kind,dict"`
	Conn       string `parquet:"conn,dict"`
	Endpoint   string `parquet:"endpoint,dict"`
	Seq        int64  `parquet:"seq"`
	Intended   int64  `parquet:"intended,timestamp(microsecond)"`
	Start      int64  `parquet:"start,optional,timestamp(microsecond)"`
	End        int64  `parquet:"end,optional,timestamp(microsecond)"`
	LatencyNS  int64  `parquet:"latency_ns"`
	Outcome    string `parquet:"outcome,dict"`
	ErrorClass string `parquet:"error_class,optional,dict"`
}

// The 3.15 s outage on a 50 ms grid, as the numbers of one good run.
var outageNumbers = map[string]float64{
	"runs": 1, "run.interval_s": 0.05, "run.write_downtime_s": 3.15, "run.degraded": 0,
	"group.write_downtime.n": 1, "group.write_downtime.median_s": 3.15,
	"group.unavailable_time.n": 1, "group.unavailable_time.median_s": 3.15,
}

// with is outageNumbers with some numbers added or changed.
func with(kv ...any) map[string]float64 {
	n := map[string]float64{}
	for k, v := range outageNumbers {
		n[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		n[kv[i].(string)] = float64(kv[i+1].(int))
	}
	return n
}

const awsEvent = `{"Date": "2026-05-04T10:00:05Z", "Message": "Switchover started", "SourceIdentifier": "db1", "SourceType": "db-instance"}`

var badInputs = []badInput{
	{
		name:    "good run",
		setup:   func(t *testing.T, dir string) { writeOutageRun(t, dir, "good") },
		args:    []string{"analyze", "DIR"},
		numbers: with("skipped", 0, "excluded", 0),
	},
	// issue 11, item 3: runs without data, and a run reached twice
	{
		name: "run whose only segment is truncated",
		setup: func(t *testing.T, dir string) {
			writeOutageRun(t, dir, "good")
			broken := writeOutageRun(t, dir, "broken")
			seg := filepath.Join(broken, store.SegmentName(1))
			data, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(seg, data[:len(data)/2], 0o644)
		},
		args: []string{"analyze", "DIR"},
		out: []string{
			"warning: run broken (DIR/run=broken): no readable rows (files or parts skipped: 1); left out of the runs and statistics",
			"; EXCLUDED 1 run (not in the statistics)\n",
			"  excluded run broken (DIR/run=broken): no readable rows (files or parts skipped: 1)\n",
		},
		numbers: with("excluded", 1, "skipped", 1),
	},
	{
		name: "empty run folders beside a run",
		setup: func(t *testing.T, dir string) {
			writeOutageRun(t, dir, "good")
			for i := range 30 {
				os.MkdirAll(filepath.Join(dir, store.RunDirName(fmt.Sprintf("empty-%02d", i))), 0o755)
			}
		},
		args:    []string{"analyze", "--no-runs", "DIR"},
		out:     []string{"run empty-29 (DIR/run=empty-29): no probe rows; left out of the runs and statistics", "  … and 10 more excluded\n"},
		numbers: with("excluded", 30),
	},
	{
		name: "only empty run folders",
		setup: func(t *testing.T, dir string) {
			for i := range 30 {
				os.MkdirAll(filepath.Join(dir, store.RunDirName(fmt.Sprintf("empty-%02d", i))), 0o755)
			}
		},
		args: []string{"analyze", "DIR"},
		code: 1,
		out:  []string{"switchwatch: analyze: no run could be read from [DIR] (files skipped: 0; runs without data or repeated: 30)\n"},
	},
	{
		name: "a copied run folder",
		setup: func(t *testing.T, dir string) {
			writeOutageRun(t, filepath.Join(dir, "runs"), "x")
			writeOutageRun(t, filepath.Join(dir, "runs", "copy"), "x")
		},
		args:    []string{"analyze", "DIR/runs"},
		out:     []string{"warning: run x found twice, at DIR/runs/copy/run=x and at DIR/runs/run=x: counted once\n"},
		numbers: with("excluded", 1),
	},
	{
		name: "a link to a run folder beside it",
		setup: func(t *testing.T, dir string) {
			writeOutageRun(t, filepath.Join(dir, "runs"), "x")
			os.MkdirAll(filepath.Join(dir, "runs", "linked"), 0o755)
			if err := os.Symlink(filepath.Join(dir, "runs", "run=x"), filepath.Join(dir, "runs", "linked", "run=x")); err != nil {
				t.Fatal(err)
			}
		},
		args:    []string{"analyze", "DIR/runs"},
		out:     []string{"warning: run x found twice, at DIR/runs/linked/run=x and at DIR/runs/run=x: counted once\n"},
		numbers: with("excluded", 1),
	},
	{
		name: "a run reached twice under --strict",
		setup: func(t *testing.T, dir string) {
			writeOutageRun(t, dir, "x")
			writeOutageRun(t, filepath.Join(dir, "copy"), "x")
		},
		args: []string{"analyze", "--strict", "DIR"},
		code: 1,
		out:  []string{"switchwatch: analyze: run x (DIR/run=x): the same run as DIR/copy/run=x: input skipped in strict mode\n"},
	},
	// item 4: the interval comes from the data
	{
		name: "run.json says 10ms on a 50 ms grid",
		setup: func(t *testing.T, dir string) {
			setRunInfo(t, writeOutageRun(t, dir, "x"), func(i *store.RunInfo) { i.Settings["interval"] = "10ms" })
		},
		args:    []string{"analyze", "DIR"},
		out:     []string{"warning: DIR/run=x/run.json says interval 10ms, but the probes' median step is 50ms: using 50ms\n", "interval 50 ms (median_step)"},
		notOut:  []string{"clock stepped"},
		numbers: outageNumbers,
	},
	{
		name: `run.json says "1ns"`,
		setup: func(t *testing.T, dir string) {
			setRunInfo(t, writeOutageRun(t, dir, "x"), func(i *store.RunInfo) { i.Settings["interval"] = "1ns" })
		},
		args:    []string{"analyze", "DIR"},
		out:     []string{`warning: DIR/run=x/run.json: interval "1ns" is not a probe interval (want 1µs to 1h0m0s); ignored` + "\n"},
		notOut:  []string{"NOT RECOVERED", "clock stepped"},
		numbers: outageNumbers,
	},
	{
		name: "run.json interval overflows int64",
		setup: func(t *testing.T, dir string) {
			setRunInfo(t, writeOutageRun(t, dir, "x"), func(i *store.RunInfo) { i.Settings["interval"] = 9.3e18 })
		},
		args:    []string{"analyze", "DIR"},
		out:     []string{"warning: DIR/run=x/run.json: interval 9.3e+18 is not a probe interval (want 1µs to 1h0m0s); ignored\n"},
		notOut:  []string{"NOT RECOVERED", "clock stepped"},
		numbers: outageNumbers,
	},
	// item 5: timestamps in microseconds (a segment rewritten by DuckDB)
	{
		name: "segment with microsecond timestamps",
		setup: func(t *testing.T, dir string) {
			r := outageRun("us")
			rows, truth := r.Probes()
			run, err := r.WriteRows(dir, nil, truth, synth.WriteOptions{NoEvents: true})
			if err != nil {
				t.Fatal(err)
			}
			us := make([]segmentMicros, len(rows))
			for i, p := range rows {
				us[i] = segmentMicros{p.RunID, p.Kind, p.Conn, p.Endpoint, p.Seq, p.Intended / 1000, p.Start / 1000, p.End / 1000, p.LatencyNS, p.Outcome, p.ErrorClass}
			}
			if err := store.WriteRowsFile(filepath.Join(run, store.SegmentName(1)), us); err != nil {
				t.Fatal(err)
			}
		},
		args:    []string{"analyze", "DIR"},
		out:     []string{"write down 3.15 s"},
		numbers: outageNumbers,
	},
	// item 6: journal rows
	{
		name:  "journal rows that are no probes",
		setup: func(t *testing.T, dir string) { writeOutageRun(t, dir, "x") },
		files: map[string]string{"run=x/_journal-000002.jsonl": "{}\n" +
			`{"run_id":"x","kind":"write","conn":"new","endpoint":"write","seq":900,"intended":-5,"latency_ns":1,"outcome":"error","error_class":"refused"}` + "\n"},
		args: []string{"analyze", "DIR"},
		out: []string{
			`warning: skipped: DIR/run=x/_journal-000002.jsonl:1: not a probe row: no "kind"` + "\n",
			"warning: skipped: DIR/run=x/_journal-000002.jsonl:2: not a probe row: intended -5 is not a time between the years 2000 and 2200 in nanoseconds since 1970\n",
		},
		notOut:  []string{"rows read from an unrecovered journal"},
		numbers: with("skipped", 2),
	},
	{
		name:    "journal line over 4 MiB before good rows",
		setup:   longJournalLine,
		args:    []string{"analyze", "DIR"},
		out:     []string{"warning: skipped: DIR/run=x/_journal-000002.jsonl:1: line longer than 1048576 bytes\n"},
		numbers: with("skipped", 1, "rows", 526),
	},
	{
		name:  "recover a journal with a line over 4 MiB",
		setup: longJournalLine,
		args:  []string{"recover", "DIR/run=x"},
		out:   []string{"DIR/run=x: recovered 263 rows into 1 segment (1 unreadable journal line dropped)\n"},
	},
	// item 8: events files
	{
		name:  "AWS events followed by a second document",
		setup: func(t *testing.T, dir string) { writeOutageRun(t, dir, "x") },
		files: map[string]string{"ev.json": `{"Events": [` + awsEvent + "]}\n" + `{"Events": []}` + "\n"},
		args:  []string{"analyze", "--events", "DIR/ev.json", "DIR/run=x"},
		code:  1,
		out:   []string{"switchwatch: analyze: read events DIR/ev.json: DIR/ev.json:2: not valid describe-events JSON: content after the end of the document (a second document, or garbage)\n"},
	},
	{
		name:  "AWS events followed by garbage",
		setup: func(t *testing.T, dir string) { writeOutageRun(t, dir, "x") },
		files: map[string]string{"ev.json": `[` + awsEvent + "]\ngarbage\n"},
		args:  []string{"analyze", "--events", "DIR/ev.json", "DIR/run=x"},
		code:  1,
		out:   []string{"DIR/ev.json:2: not valid describe-events JSON: content after the end of the document (a second document, or garbage): invalid character 'g' looking for beginning of value\n"},
	},
	{
		name:    "AWS events with a byte order mark",
		setup:   func(t *testing.T, dir string) { writeOutageRun(t, dir, "x") },
		files:   map[string]string{"ev.json": "\ufeff" + `{"Events": [` + awsEvent + "]}\n"},
		args:    []string{"analyze", "--events", "DIR/ev.json", "DIR/run=x"},
		out:     []string{"event Switchover started 10:00:05.000 (aws): first error +0.00 s ± 0.05 s"},
		numbers: with("run.events", 1),
	},
	{
		name:    "events.jsonl with a byte order mark",
		setup:   func(t *testing.T, dir string) { writeOutageRun(t, dir, "x") },
		files:   map[string]string{"ev.jsonl": "\ufeff" + `{"time":"2026-05-04T10:00:05Z","name":"switch","source":"user"}` + "\n"},
		args:    []string{"analyze", "--events", "DIR/ev.jsonl", "DIR/run=x"},
		notOut:  []string{"warning"},
		numbers: with("run.events", 1),
	},
}

// longJournalLine writes outageRun("x") with its second half in a journal
// whose first line is over 4 MiB (a bufio.Scanner stopped there).
func longJournalLine(t *testing.T, dir string) {
	r := outageRun("x")
	rows, truth := r.Probes()
	run, err := r.WriteRows(dir, rows[:len(rows)/2], truth, synth.WriteOptions{NoEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(`{"run_id":"x","error":"` + strings.Repeat("x", 5<<20) + "\"}\n")
	for i := len(rows) / 2; i < len(rows); i++ {
		line, _ := json.Marshal(&rows[i])
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(filepath.Join(run, "_journal-000002.jsonl"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
