package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
)

// TestSeriesOfARun: the series of an analyzed run covers its detail
// window; its spans tile each stream's probes in time order with the
// states the analyzer gave them (the spans' time in each state is the
// state's probes times the interval), and a JSON round trip keeps it.
func TestSeriesOfARun(t *testing.T) {
	sum, _ := analyzeOne(t, aurora("aurora"), Options{})
	run := &sum.Runs[0]
	sr := run.Series
	if sr == nil {
		t.Fatal("the only run, the median, has no series")
	}
	_, from, to, outage := run.DetailWindow()
	if !outage || sr.From.UnixNano() != from || sr.To.UnixNano() != to {
		t.Fatalf("series [%v, %v), window [%v, %v) outage %v", sr.From, sr.To, time.Unix(0, from), time.Unix(0, to), outage)
	}
	// the window: the outage (about 20 s to 30 s) padded by 5 s each side
	if d := to - from; d < int64(19*time.Second) || d > int64(21*time.Second) {
		t.Errorf("window of %v, want about 20 s (10 s of outage, 5 s each side)", time.Duration(d))
	}
	if len(sr.Streams) != len(run.Streams) {
		t.Fatalf("%d streams in the series, %d in the run", len(sr.Streams), len(run.Streams))
	}
	iv := run.IntervalNS
	sawFailure := false
	for i, ss := range sr.Streams {
		if ss.Stream != run.Streams[i].Stream {
			t.Errorf("series stream %d is %s, the run's %s", i, ss.Stream, run.Streams[i].Stream)
		}
		probes := map[State]int64{}
		var last int64 = -1
		for _, sp := range ss.Spans {
			st, ok := sr.SeriesState(sp[2])
			if !ok || sp[0] < last || sp[1] <= sp[0] || sp[1] > to-from+iv {
				t.Fatalf("stream %s: span %v after %d (state %q)", ss.Stream, sp, last, st)
			}
			last = sp[1]
			probes[st] += (sp[1] - sp[0] + iv/2) / iv
			sawFailure = sawFailure || st == StateUnavailable || st == StateReadOnly
		}
		if len(ss.Points) == 0 {
			t.Errorf("stream %s: no latency points", ss.Stream)
		}
		var n int64
		for _, c := range probes {
			n += c
		}
		if want := (to - from) / iv; n < want-2 || n > want+2 {
			t.Errorf("stream %s: spans hold %d probes, the window %d", ss.Stream, n, want)
		}
	}
	if !sawFailure {
		t.Error("no span of a failing state in an outage's window")
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, sum); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"schema_version": "`+SummarySchema+`"`) {
		t.Errorf("the JSON does not say its schema version")
	}
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Runs[0].Series; got == nil || len(got.Streams[0].Spans) != len(sr.Streams[0].Spans) || !got.From.Equal(sr.From) {
		t.Errorf("the series does not survive the JSON")
	}
}

// TestOnlyDetailRunsKeepSeries: of several runs, only the median and
// the worst (and those named by Options.Show) carry their series.
func TestOnlyDetailRunsKeepSeries(t *testing.T) {
	dir := t.TempDir()
	for i, d := range []time.Duration{1, 2, 3, 4, 5} {
		r := aurora("r" + string(rune('a'+i)))
		r.Start = synthEpoch.Add(time.Duration(i) * time.Hour)
		r.Phases[1].Duration = d * time.Second
		r.Seed = uint64(i + 1)
		if _, _, err := r.Write(dir, synth.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		show []string
		want []string
	}{{nil, []string{"rc", "re"}}, {[]string{"ra"}, []string{"ra", "rc", "re"}}} {
		sum, err := Analyze(t.Context(), []string{dir}, Options{Show: c.show})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range sum.Runs {
			if r.Series != nil {
				got = append(got, r.RunID)
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("show %v: runs with a series %v, want %v", c.show, got, c.want)
		}
	}
}

// TestReadJSONVersions: a newer minor version reads (its new fields
// ignored), a newer major version is refused with ErrSummaryVersion, and a
// series code outside its table is an error naming the stream.
func TestReadJSONVersions(t *testing.T) {
	for _, c := range []struct {
		json string
		err  string
	}{
		{`{"version": 1, "runs": []}`, ""},
		{`{"version": 1, "schema_version": "1.9", "some_new_field": [1], "runs": []}`, ""},
		{`{"version": 2, "schema_version": "2.0", "tool": "switchwatch analyze", "tool_version": "v9", "runs": []}`, "schema 2"},
		{`{"version": 1, "schema_version": "x", "runs": []}`, "want major.minor"},
		{`{"version": 1, "schema_version": "1.1", "runs": [{"run_id": "a", "series": {"states": ["ok"], "streams": [{"stream": "write/new/write", "spans": [[0, 1, 3]], "points": []}]}}]}`, "write/new/write: state code 3"},
	} {
		_, err := ReadJSON(strings.NewReader(c.json))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.json, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want one with %q", c.json, err, c.err)
		}
		if strings.Contains(c.json, `"version": 2`) && !errors.Is(err, ErrSummaryVersion) {
			t.Errorf("a newer major version: %v is not ErrSummaryVersion", err)
		}
	}
}

// TestCombine: summaries combined are a group each, named by their paths,
// with the statistics Analyze computes from the same runs grouped by path.
func TestCombine(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, d := range []time.Duration{2, 6} {
		sub := dir + "/" + []string{"old", "new"}[i]
		paths = append(paths, sub)
		for j := 0; j < 2; j++ {
			r := aurora("r" + string(rune('a'+2*i+j)))
			r.Start = synthEpoch.Add(time.Duration(2*i+j) * time.Hour)
			r.Phases[1].Duration = d*time.Second + time.Duration(j)*300*time.Millisecond
			r.Seed = uint64(2*i + j + 1)
			if _, _, err := r.Write(sub, synth.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	both, err := Analyze(t.Context(), paths, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var named []Named
	for _, p := range paths {
		s, err := Analyze(t.Context(), []string{p}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		named = append(named, Named{Name: p, Sum: s})
	}
	c, err := Combine(named)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Groups) != 2 || c.Groups[0].Key != paths[0] || c.Groups[1].Key != paths[1] {
		t.Fatalf("groups %+v", c.Groups)
	}
	for gi := range c.Groups {
		for mi, st := range c.Groups[gi].Stats {
			want := both.Groups[gi].Stats[mi]
			if st.Metric != want.Metric || st.N != want.N || st.Median != want.Median || st.Max != want.Max {
				t.Errorf("group %s %s: %+v, analyzed together %+v", c.Groups[gi].Key, st.Metric, st, want)
			}
		}
	}
	if len(c.Comparisons) == 0 || len(c.Comparisons) != len(both.Comparisons) {
		t.Errorf("%d comparisons, analyzed together %d", len(c.Comparisons), len(both.Comparisons))
	}
	if _, err := Combine([]Named{named[0], named[0]}); err == nil {
		t.Error("two summaries of one name combine")
	}
	if got := SummaryName("q1/summary.json"); got != "q1" {
		t.Errorf("SummaryName(q1/summary.json) = %q", got)
	}
	if got := SummaryName("keep/2026-q1.json"); got != "2026-q1" {
		t.Errorf("SummaryName(keep/2026-q1.json) = %q", got)
	}
}

// TestWriteJSONInlinesTuples: WriteJSON is the indented JSON of the
// summary, byte for byte, but for the series' tuples, each on one line;
// it reads back the same.
func TestWriteJSONInlinesTuples(t *testing.T) {
	sum, _ := analyzeOne(t, aurora("aurora"), Options{})
	var got bytes.Buffer
	if err := WriteJSON(&got, sum); err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sum); err != nil {
		t.Fatal(err)
	}
	if got.Len() >= plain.Len()*2/3 {
		t.Errorf("%d bytes, %d indented one number a line: the tuples are not inlined", got.Len(), plain.Len())
	}
	sp := sum.Runs[0].Series.Streams[0].Spans[0]
	if want := fmt.Sprintf("[%d, %d, %d]", sp[0], sp[1], sp[2]); !strings.Contains(got.String(), want) {
		t.Errorf("no line %s", want)
	}
	// without series, the output is the encoder's
	noSeries := *sum
	noSeries.Runs = slices.Clone(sum.Runs)
	noSeries.Runs[0].Series = nil
	var a, b bytes.Buffer
	WriteJSON(&a, &noSeries)
	enc = json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.Encode(&noSeries)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("without series, WriteJSON differs from the indented encoder")
	}
	back, err := ReadJSON(&got)
	if err != nil {
		t.Fatal(err)
	}
	var x, y bytes.Buffer
	json.NewEncoder(&x).Encode(back)
	json.NewEncoder(&y).Encode(sum)
	if !bytes.Equal(x.Bytes(), y.Bytes()) {
		t.Error("the summary does not read back the same")
	}
	in := "{\"a\": \"[1,\\n 2]\", \"b\": [\n  [\n    1,\n    -2.5e3\n  ],\n  [\n    \"x\"\n  ]\n], \"c\": [\n  1,\n  2\n]}"
	want := "{\"a\": \"[1,\\n 2]\", \"b\": [\n  [1, -2.5e3],\n  [\n    \"x\"\n  ]\n], \"c\": [\n  1,\n  2\n]}"
	if got := string(inlineTuples([]byte(in))); got != want {
		t.Errorf("inlineTuples(%q) = %q, want %q", in, got, want)
	}
}

// synthEpoch dates runs that must not overlap: a run of year 1 (the zero
// time plus hours) is dropped as no recorder's (store.CheckTime).
var synthEpoch = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
