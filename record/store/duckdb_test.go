package store

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// duckdbQuery runs one SQL query in DuckDB (its Node.js package, which
// .ci/run installs into $SWITCHWATCH_DUCKDB_NODE) and returns the rows as
// strings. The test skips where DuckDB is not installed: it checks a
// promise to users (DuckDB opens the run folders as they are), not our code
// alone.
func duckdbQuery(t *testing.T, sql string) [][]string {
	t.Helper()
	dir := os.Getenv("SWITCHWATCH_DUCKDB_NODE")
	if dir == "" {
		t.Skip("skipping: SWITCHWATCH_DUCKDB_NODE not set (npm install --prefix DIR @duckdb/node-api; .ci/run does)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		t.Skipf("skipping: DuckDB's Node.js package not in %s: %v", dir, err)
	}
	script := filepath.Join(t.TempDir(), "q.cjs")
	os.WriteFile(script, []byte(`
const duck = require(process.env.SWITCHWATCH_DUCKDB_NODE + '/node_modules/@duckdb/node-api');
(async () => {
  const con = await (await duck.DuckDBInstance.create(':memory:')).connect();
  const r = await con.runAndReadAll(process.argv[2]);
  console.log(JSON.stringify(r.getRowsJS().map(row => row.map(String))));
})().catch(e => { console.error(e.message); process.exit(1); });
`), 0o644)
	out, err := exec.Command("node", script, sql).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("duckdb: %v %s", err, msg)
	}
	var rows [][]string
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("duckdb output %q: %v", out, err)
	}
	return rows
}

// TestDuckDBReadsRunFolders writes two runs the way the recorder does and
// runs the README's query over them.
func TestDuckDBReadsRunFolders(t *testing.T) {
	out := t.TempDir()
	for _, id := range []string{"20261125T120000Z-aaaaaa", "20261125T130000Z-bbbbbb"} {
		w, err := CreateRun(out, &RunInfo{RunID: id, Start: time.Now().UTC()}, WriterOptions{SegmentRows: 300})
		if err != nil {
			t.Fatal(err)
		}
		rows := sampleProbes(id, 1000)
		for i := range rows {
			w.Write(&rows[i])
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	got := duckdbQuery(t, `SELECT run, run_id, count(*), count(*) FILTER (WHERE error_class = 'read_only'),
		min(intended)::VARCHAR, count(start)
		FROM read_parquet('`+out+`/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL`)
	if len(got) != 2 {
		t.Fatalf("rows %v, want one per run", got)
	}
	for _, r := range got {
		if r[0] != r[1] || r[2] != "1000" || r[3] != "20" || r[5] != "1000" {
			t.Errorf("row %v: want hive run = run_id, 1000 probes, 20 read-only, 1000 starts", r)
		}
		if r[4] != "2026-11-25 12:00:00+00" {
			t.Errorf("min(intended) = %q, want the first slot as a UTC timestamp", r[4])
		}
	}
}

// TestDuckDBRewrittenSegment: a segment that DuckDB rewrote (its
// timestamps become microseconds, the schema version copied into the
// metadata) reads with the times it had, not a thousand times too small.
func TestDuckDBRewrittenSegment(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.parquet"), filepath.Join(dir, "out.parquet")
	rows := sampleProbes("duck", 200)
	sortProbes(rows)
	if err := WriteProbesFile(in, rows); err != nil {
		t.Fatal(err)
	}
	ts := func(c string) string { return `"` + c + `"::TIMESTAMPTZ AS "` + c + `"` }
	duckdbQuery(t, `COPY (SELECT * REPLACE (`+ts(ColIntended)+`, `+ts(ColStart)+`, `+ts(ColConnectDone)+`, `+ts(ColEnd)+`, `+ts(ColServerStart)+`)
		FROM read_parquet('`+in+`')) TO '`+out+`' (FORMAT parquet, KV_METADATA {'`+MetaSchemaVersion+`': '1'})`)
	f, pf, err := OpenSegment(out)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := pf.Schema().Lookup(ColIntended)
	scale := TimeScale(leaf.Node)
	f.Close()
	if scale != 1000 {
		t.Fatalf("DuckDB wrote %s as %v: TimeScale %d, want 1000 (microseconds)", ColIntended, leaf.Node.Type(), scale)
	}
	var got []Probe
	if err := ReadSegment(out, func(p *Probe) error { got = append(got, *p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("read %d rows, want %d", len(got), len(rows))
	}
	for i := range got {
		w := rows[i]
		if got[i].Intended != w.Intended/1000*1000 || got[i].End != w.End/1000*1000 || got[i].ServerStart != w.ServerStart/1000*1000 {
			t.Fatalf("row %d: intended %d end %d server_start %d, want %d %d %d (to the microsecond)", i,
				got[i].Intended, got[i].End, got[i].ServerStart, w.Intended, w.End, w.ServerStart)
		}
	}
}
