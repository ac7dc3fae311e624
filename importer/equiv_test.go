package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// The fast paths must change nothing: these tests compare them with the
// code they replaced, which stays here as the reference: encoding/json for
// the decoding of a line, and for the order and numbering of the rows
// finishRows, which sorts rows held in memory with sort.SliceStable.

func stdDecode(text []byte, l *jsonlLine) error { return json.Unmarshal(text, l) }

// checkSameAsStd fails t unless parsing text with encoding/json gives p
// and err (the same error text).
func checkSameAsStd(t *testing.T, text []byte, p store.Probe, err error) {
	t.Helper()
	wp, werr := parseJSONLWith(text, stdDecode)
	if fmt.Sprint(err) != fmt.Sprint(werr) {
		t.Fatalf("%q: error %v, encoding/json's %v", text, err, werr)
	}
	if p != wp {
		t.Fatalf("%q:\n got %+v\nwant %+v", text, p, wp)
	}
}

// TestJSONLDecodersAgree: lines where JSON decoders are known to differ.
func TestJSONLDecodersAgree(t *testing.T) {
	const ok = `"op":"write","outcome":"ok"`
	lines := []string{
		`{"time":"2026-11-25T19:00:00Z",` + ok + `}`,
		`{"TIME":"2026-11-25T19:00:00Z",` + ok + `}`,                               // keys match case-insensitively
		`{"time":"2026-11-25T19:00:00Z","time":"2026-11-25T19:00:01Z",` + ok + `}`, // the last duplicate wins
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `} x`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `}{}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ns":1.0}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ns":1e3}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ns":01}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ns":-0}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":1e400}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":.5}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":null}`,
		`{"time":null,"start":"2026-11-25T19:00:00Z",` + ok + `}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"server":null}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"server":5432}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"extra":{"a":[1,2,{"b":null}]}}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"extra":[1,2}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"extra":tru}`,
		`{"time":"2026-11-25T19:00:00Z","op":"write","outcome":"error","error":"caf\u00e9 \ud800"}`,
		"{\"time\":\"2026-11-25T19:00:00Z\",\"op\":\"write\",\"outcome\":\"error\",\"error\":\"caf\xc3\xa9 \xff\"}",
		`{"time":"2026-11-25T19:00:00Z","op":"write","outcome":"error","error":"a\tb"}`,
		"{\"time\":\"2026-11-25T19:00:00Z\",\"op\":\"write\",\"outcome\":\"error\",\"error\":\"a\tb\"}",
		`{"time":"2026-11-25T19:00:00Z","op":"write","outcome":"timeout","sqlstate":"57014","server":"10.0.0.1:5432"}`,
		`{"time":"2026-11-25T19:00:00Z"  ,  "op" : "read" , "outcome":"ok" }`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ns":9223372036854775808}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"op":["write"]}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":"1"}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":true}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"conn":"new","endpoint":"read"}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"Latency_MS":2.5}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":2.5,"LATENCY_MS":3}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"ſerver":"x"}`, // encoding/json folds ſ to s
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"K":"x"}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":1,"latency_ms":null}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"error":"x","error":null}`,
		`{"time":"2026-11-25T19:00:00Z","TIME":"2026-11-25T19:00:01Z",` + ok + `}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ns":-1}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ns":1E2}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":1.5e-3}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":+1}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":NaN}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"op":"write"}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"":"x"}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":[]}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"latency_ms":{}}`,
		`{"time":"2026-11-25T19:00:00Z",` + ok + `,"server":{"a":1}}`,
		`{"time":{"a":1},` + ok + `}`,
		`{}`, `{`, `{"`, `{"time"}`, `{"time":}`, `{"time":"2026-11-25T19:00:00Z"`, `{ }`, `{"op":"write"}garbage`,
	}
	dirs, _ := filepath.Glob(filepath.Join(goldenRoot, "jsonl", "*", "*.jsonl"))
	for _, f := range dirs {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.Split(string(data), "\n")...)
	}
	for _, l := range lines {
		p, err := parseJSONLLine([]byte(l))
		checkSameAsStd(t, []byte(l), p, err)
	}
}

// writeMessyJSONL writes n request lines of every kind a log may hold:
// three ops, both connection modes and endpoints, out of order by up to
// 50 ms (as a log written at the end of each request is), several at the
// same time, with intended and end times, latencies in ms and ns,
// errors with and without SQLSTATE, timeouts, and a bad line in 500.
func writeMessyJSONL(t testing.TB, path string, n int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	base := time.Date(2026, 11, 25, 19, 0, 0, 0, time.UTC)
	ts := func(d time.Duration) string { return base.Add(d).Format(time.RFC3339Nano) }
	for i := range n {
		at := time.Duration(i)*time.Millisecond + time.Duration(rng.IntN(50))*time.Millisecond
		if rng.IntN(20) == 0 {
			at = at.Truncate(10 * time.Millisecond) // ties
		}
		op := []string{"write", "read", "connect"}[rng.IntN(3)]
		fmt.Fprintf(&b, `{"time":%q,"op":%q`, ts(at), op)
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&b, `,"conn":"new"`)
		}
		if rng.IntN(4) == 0 {
			fmt.Fprintf(&b, `,"endpoint":%q`, []string{"write", "read"}[rng.IntN(2)])
		}
		if rng.IntN(5) == 0 {
			fmt.Fprintf(&b, `,"intended":%q`, ts(at-time.Duration(rng.IntN(5000))*time.Microsecond))
		}
		switch rng.IntN(4) {
		case 0:
			fmt.Fprintf(&b, `,"latency_ms":%.3f`, rng.Float64()*10)
		case 1:
			fmt.Fprintf(&b, `,"latency_ns":%d`, rng.IntN(1e8))
		case 2:
			fmt.Fprintf(&b, `,"end":%q`, ts(at+time.Duration(rng.IntN(1e7))))
		}
		switch rng.IntN(40) {
		case 0:
			fmt.Fprintf(&b, `,"outcome":"error","error":"cannot execute INSERT in a read-only transaction","sqlstate":"25006","server":"10.0.1.%d:5432"}`, rng.IntN(3))
		case 1:
			fmt.Fprintf(&b, `,"outcome":"error","error":"dial tcp 10.0.1.7:5432: connect: connection refused %d"}`, i)
		case 2:
			fmt.Fprintf(&b, `,"outcome":"timeout","error":"context deadline exceeded"}`)
		case 3:
			fmt.Fprintf(&b, `,"outcome":"error","class":"read_only","error":"caf\u00e9 \u00fcber"}`)
		default:
			fmt.Fprintf(&b, `,"outcome":"ok"}`)
		}
		if rng.IntN(500) == 0 {
			b.WriteString(`,"op":`) // a broken line
		}
		b.WriteString("\n")
		if b.Len() > 1<<20 {
			if _, err := f.WriteString(b.String()); err != nil {
				t.Fatal(err)
			}
			b.Reset()
		}
	}
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// referenceJSONL is the run the import before issue 19 made of files: each
// line parsed with encoding/json, all rows in memory, finishRows.
func referenceJSONL(t testing.TB, files []string) ([]store.Probe, int64, map[string]int64) {
	t.Helper()
	var rows []store.Probe
	eachLine(t, files, func(_, text string) {
		if strings.TrimSpace(text) == "" {
			return
		}
		if p, err := parseJSONLWith([]byte(text), stdDecode); err == nil {
			rows = append(rows, p)
		}
	})
	iv := finishRows(rows, "")
	streams := map[string]int64{}
	for i := range rows {
		streams[rows[i].Stream()]++
	}
	return rows, iv, streams
}

// TestImportJSONLMatchesReference imports a large messy log in memory and
// spilled to disk in many runs, and compares every row and the run.json
// settings that come from them with the reference.
func TestImportJSONLMatchesReference(t *testing.T) {
	n := 120_000
	if testing.Short() {
		n = 20_000
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "requests.jsonl")
	writeMessyJSONL(t, file, n, 1)
	want, wantIV, wantStreams := referenceJSONL(t, []string{file})
	for _, spill := range []int{spillBytes, 1 << 20} {
		t.Run(fmt.Sprintf("spill=%d", spill), func(t *testing.T) {
			defer func(b int) { spillBytes = b }(spillBytes)
			spillBytes = spill
			res, err := ImportJSONL(context.Background(), []string{file}, Options{Out: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			got := readRows(t, res.RunDir)
			if len(got) != len(want) {
				t.Fatalf("%d rows, the reference has %d", len(got), len(want))
			}
			for i := range got {
				w := want[i]
				w.RunID = res.RunID
				if !reflect.DeepEqual(got[i], w) {
					t.Fatalf("row %d:\n got %+v\nwant %+v", i, got[i], w)
				}
			}
			info := readInfo(t, res.RunDir)
			if iv := info.Settings["interval"]; iv != intervalSetting(wantIV) {
				t.Errorf("interval %v, the reference's %s", iv, intervalSetting(wantIV))
			}
			if s := fmt.Sprint(info.Settings["streams"]); s != fmt.Sprint(wantStreams) {
				t.Errorf("streams %s, the reference's %v", s, wantStreams)
			}
			if int(res.Report.Taken)+skippedOf(res.Report) != n {
				t.Errorf("taken %d + skipped %d != %d lines", res.Report.Taken, skippedOf(res.Report), n)
			}
		})
	}
}

func skippedOf(r *Report) int {
	n := 0
	for _, c := range r.Skipped {
		n += int(c)
	}
	return n
}

// TestCompareRuns compares two run folders row by row and their run.json
// files field by field: the check that a new binary imports what the old
// one did (see the README's Performance). It runs only when
// SWITCHWATCH_COMPARE_RUNS is "DIR_A:DIR_B".
func TestCompareRuns(t *testing.T) {
	v := os.Getenv("SWITCHWATCH_COMPARE_RUNS")
	if v == "" {
		t.Skip(`set SWITCHWATCH_COMPARE_RUNS="DIR_A:DIR_B" to compare two run folders`)
	}
	a, b, _ := strings.Cut(v, ":")
	ia, ib := readInfo(t, a), readInfo(t, b)
	ja, _ := json.Marshal(ia)
	jb, _ := json.Marshal(ib)
	if string(ja) != string(jb) {
		t.Errorf("run.json differs:\n%s\n%s", ja, jb)
	}
	n := 0
	ra := readRows(t, a)
	rb := readRows(t, b)
	if len(ra) != len(rb) {
		t.Fatalf("%d rows in %s, %d in %s", len(ra), a, len(rb), b)
	}
	for i := range ra {
		if !reflect.DeepEqual(ra[i], rb[i]) {
			t.Fatalf("row %d:\n%+v\n%+v", i, ra[i], rb[i])
		}
		n++
	}
	t.Logf("%d rows and run.json equal", n)
}
