package store

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// sampleProbes makes n rows across two streams with every column used, in
// scheduling order (streams interleaved), as the recorder emits them.
func sampleProbes(runID string, n int) []Probe {
	rng := rand.New(rand.NewSource(1))
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).UnixNano()
	start := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC).UnixNano()
	var rows []Probe
	for i := 0; i < n; i++ {
		kind, seq := KindWrite, int64(i/2)
		if i%2 == 1 {
			kind = KindRead
		}
		intended := t0 + seq*int64(100*time.Millisecond)
		p := Probe{
			RunID: runID, Kind: kind, Conn: ConnNew, Endpoint: kind, Seq: seq, Intended: intended,
			Start: intended + int64(rng.Intn(200_000)), Outcome: OutcomeOK,
			ResolvedAddrs: "10.0.0.1", ServerAddr: "10.0.0.1:5432", ServerStart: start, SystemID: "7712184433081554652",
		}
		p.ConnectDone = p.Start + 2_000_000 + int64(rng.Intn(500_000))
		p.End = p.ConnectDone + 300_000 + int64(rng.Intn(300_000))
		p.LatencyNS = p.End - p.Start
		p.DialedAddr, p.ConnEstablished = "10.0.0.1:5432", p.ConnectDone
		p.Observed, p.ServerTime, p.Timeline = p.End-100_000, p.End-200_000+int64(rng.Intn(1000)), 2
		rec := false
		p.InRecovery = &rec
		if kind == KindRead {
			s := seq - 1
			p.SeenSeq = &s
		}
		if seq%50 == 7 {
			p.Outcome, p.ErrorClass, p.SQLState = OutcomeError, ClassReadOnly, "25006"
			p.Error = "ERROR: cannot execute INSERT in a read-only transaction (SQLSTATE 25006)"
			p.ServerAddr, p.ServerStart, p.SystemID, p.InRecovery = "", 0, "", nil
			p.Observed, p.ServerTime, p.Timeline = 0, 0, 0
		}
		rows = append(rows, p)
	}
	return rows
}

// startRun creates a run under out and writes rows through its writer,
// which it returns open.
func startRun(t *testing.T, out string, info *RunInfo, opts WriterOptions, rows []Probe) *Writer {
	t.Helper()
	w, err := CreateRun(out, info, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if err := w.Write(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func readAll(t *testing.T, dir string) ([]Probe, []SkippedFile) {
	t.Helper()
	var got []Probe
	var skipped []SkippedFile
	err := ReadRun(dir, func(p *Probe) error {
		got = append(got, p.Clone()) // the reader reuses its buffer
		return nil
	}, func(s SkippedFile) { skipped = append(skipped, s) })
	if err != nil {
		t.Fatalf("ReadRun: %v", err)
	}
	return got, skipped
}

func sortedCopy(rows []Probe) []Probe {
	c := append([]Probe(nil), rows...)
	sortProbes(c)
	return c
}

func TestRoundTripThroughSegments(t *testing.T) {
	out := t.TempDir()
	info := &RunInfo{RunID: "r1", Tool: "test", Labels: map[string]string{"k": "v"}, Start: time.Now().UTC()}
	// Tiny segments, so the rows cross several files.
	want := sampleProbes("r1", 500)
	w := startRun(t, out, info, WriterOptions{SegmentRows: 70}, want)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(out, "run=r1")
	segs, _ := Segments(dir)
	if len(segs) != 8 { // ceil(500/70)
		t.Errorf("segments = %d, want 8", len(segs))
	}
	if js, _ := Journals(dir); len(js) != 0 {
		t.Errorf("journals left after Close: %v", js)
	}
	got, skipped := readAll(t, dir)
	if len(skipped) > 0 {
		t.Fatalf("skipped: %v", skipped)
	}
	if !reflect.DeepEqual(sortedCopy(got), sortedCopy(want)) {
		t.Fatalf("rows differ after round trip: got %d rows, want %d; first got %+v want %+v", len(got), len(want), got[0], sortedCopy(want)[0])
	}
	ri, err := ReadRunInfo(dir)
	if err != nil || ri.Labels["k"] != "v" || ri.SchemaVersion != SchemaVersion {
		t.Fatalf("run.json: %+v, %v", ri, err)
	}
}

func TestNullsStayNull(t *testing.T) {
	dir := t.TempDir()
	skipped := Probe{RunID: "r", Kind: KindWrite, Conn: ConnNew, Endpoint: EndpointWrite, Seq: 3, Intended: 1e18,
		Outcome: OutcomeSkipped, ErrorClass: ClassInflightLimit}
	zeroSeen := int64(0)
	read := Probe{RunID: "r", Kind: KindRead, Conn: ConnNew, Endpoint: EndpointRead, Seq: 0, Intended: 1e18,
		Outcome: OutcomeOK, SeenSeq: &zeroSeen}
	if err := WriteProbesFile(filepath.Join(dir, SegmentName(1)), []Probe{skipped, read}); err != nil {
		t.Fatal(err)
	}
	got, _ := readAll(t, dir)
	if got[0].Start != 0 || got[0].End != 0 || got[0].InRecovery != nil || got[0].SeenSeq != nil {
		t.Errorf("skipped probe gained values: %+v", got[0])
	}
	if got[1].SeenSeq == nil || *got[1].SeenSeq != 0 {
		t.Errorf("seen_seq 0 must survive as 0, not NULL: %+v", got[1].SeenSeq)
	}
}

// TestCrashLeavesReadableJournal simulates kill -9: the writer never closes.
// Everything flushed must be readable, without recovery and after it.
func TestCrashLeavesReadableJournal(t *testing.T) {
	out := t.TempDir()
	want := sampleProbes("crash", 250) // two closed segments and 50 rows in the journal
	w := startRun(t, out, &RunInfo{RunID: "crash", Start: time.Now().UTC()}, WriterOptions{SegmentRows: 100, FlushEvery: 10 * time.Millisecond}, want)
	time.Sleep(50 * time.Millisecond) // several flush ticks
	dir := w.Dir()
	// A crash also cuts the journal's last line.
	js, _ := Journals(dir)
	if len(js) != 1 {
		t.Fatalf("journals = %v, want 1", js)
	}
	f, err := os.OpenFile(js[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"run_id":"crash","kind":"wri`)
	f.Close()

	if _, err := Recover(dir); !errors.Is(err, ErrRunActive) {
		t.Fatalf("Recover on a live run: err = %v, want ErrRunActive", err)
	}
	got, skipped := readAll(t, dir)
	if len(got) != 250 || len(skipped) != 1 {
		t.Fatalf("read %d rows with %d skipped lines before recovery, want 250 and 1 (the cut line): %v", len(got), len(skipped), skipped)
	}

	w.abandon() // the process dies: the kernel drops its lock
	rec, err := Recover(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Rows != 50 || rec.Segments != 1 || rec.BadLines != 1 || !rec.Closed {
		t.Errorf("Recover = %+v, want 50 rows, 1 segment, 1 bad line, closed", rec)
	}
	got, skipped = readAll(t, dir)
	if len(skipped) != 0 || !reflect.DeepEqual(sortedCopy(got), sortedCopy(want)) {
		t.Fatalf("after recovery: %d rows, %d skipped; want all 250 rows intact", len(got), len(skipped))
	}
	info, err := ReadRunInfo(dir)
	if err != nil || !info.Interrupted || info.End == nil {
		t.Fatalf("run.json after recovery: %+v, %v", info, err)
	}
	if rec2, err := Recover(dir); err != nil || rec2.Rows != 0 {
		t.Errorf("second Recover = %+v, %v; want nothing to do", rec2, err)
	}
}

func TestBadFilesAreSkippedAndNamed(t *testing.T) {
	dir := t.TempDir()
	good := sampleProbes("r", 10)
	if err := WriteProbesFile(filepath.Join(dir, SegmentName(1)), good); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, SegmentName(2)), nil, 0o644)                    // empty
	os.WriteFile(filepath.Join(dir, SegmentName(3)), []byte("PAR1 garbage"), 0o644) // corrupt
	data, _ := os.ReadFile(filepath.Join(dir, SegmentName(1)))
	os.WriteFile(filepath.Join(dir, SegmentName(4)), data[:len(data)/2], 0o644) // truncated
	got, skipped := readAll(t, dir)
	if len(got) != 10 {
		t.Errorf("rows = %d, want the 10 of the good file", len(got))
	}
	if len(skipped) != 3 {
		t.Fatalf("skipped = %v, want 3 files", skipped)
	}
	for i, s := range skipped {
		if want := SegmentName(i + 2); !strings.Contains(s.Reason, want) || filepath.Base(s.Path) != want {
			t.Errorf("skipped[%d] = %+v, want it to name %s", i, s, want)
		}
	}
}

func TestOtherSchemaVersionRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "other.parquet")
	type other struct {
		A int64 `parquet:"a"`
	}
	f, _ := os.Create(path)
	f.Close()
	if err := writeOther(path, []other{{1}}); err != nil {
		t.Fatal(err)
	}
	_, _, err := OpenSegment(path)
	if !errors.Is(err, ErrSchemaVersion) || !strings.Contains(err.Error(), path) {
		t.Fatalf("OpenSegment(foreign file) = %v, want ErrSchemaVersion naming the file", err)
	}
}

func TestWriteToUnwritableFolderNamesIt(t *testing.T) {
	// A file where the folder should be fails even for root, who ignores
	// permission bits.
	parent := t.TempDir()
	blocker := filepath.Join(parent, "out")
	os.WriteFile(blocker, []byte("x"), 0o644)
	_, err := CreateRun(blocker, &RunInfo{RunID: "x"}, WriterOptions{})
	if err == nil || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("CreateRun under a file: err = %v, want an error naming %s", err, blocker)
	}
}

func TestEventsRoundTripAndBadLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), EventsFile)
	l, err := CreateEventLog(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 3600))
	end := t0.Add(4 * time.Second)
	l.Log(Event{Time: t0, End: &end, Name: "endpoint_blackhole", Source: "lab", Attrs: map[string]string{"duration": "4s"}})
	l.Log(Event{Time: end, Name: "green_promoted", Source: "lab"})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("not json\n{\"name\":\"no_time\"}\n")
	f.Close()
	events, bad, err := ReadEvents(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || !events[0].Time.Equal(t0) || events[0].Time.Location() != time.UTC || !events[0].End.Equal(end) {
		t.Errorf("events = %+v", events)
	}
	if len(bad) != 2 || bad[0].Line != 3 || bad[1].Line != 4 {
		t.Errorf("bad lines = %v, want lines 3 and 4", bad)
	}
}

func TestFindRuns(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"a/run=1", "a/run=2", "b/c/run=3", "notarun"} {
		os.MkdirAll(filepath.Join(root, p), 0o755)
	}
	runs, err := FindRuns(root)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range runs {
		ids = append(ids, RunIDFromDir(r))
	}
	sort.Strings(ids)
	if fmt.Sprint(ids) != "[1 2 3]" {
		t.Errorf("runs = %v", ids)
	}
	if runs, _ := FindRuns(filepath.Join(root, "a/run=1")); len(runs) != 1 {
		t.Errorf("a run folder itself: %v", runs)
	}
}

// BenchmarkSegmentBytesPerProbe writes realistic rows and reports the bytes
// each probe costs on disk.
func BenchmarkSegmentBytesPerProbe(b *testing.B) {
	rows := sampleProbes("20261125T120000Z-abcdef", 100_000)
	dir := b.TempDir()
	var size int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		path := filepath.Join(dir, fmt.Sprintf("s%d.parquet", i))
		c := sortedCopy(rows)
		if err := WriteProbesFile(path, c); err != nil {
			b.Fatal(err)
		}
		st, _ := os.Stat(path)
		size = st.Size()
	}
	b.ReportMetric(float64(size)/float64(len(rows)), "bytes/probe")
	b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "probes/s")
}

func TestCutError(t *testing.T) {
	short := "connection refused"
	if got := CutError(short); got != short {
		t.Errorf("CutError(%q) = %q", short, got)
	}
	// a two-byte rune straddling the limit is dropped whole
	long := strings.Repeat("a", MaxErrorLen-1) + "é" + "tail"
	got := CutError(long)
	if len(got) != MaxErrorLen-1 || !utf8.ValidString(got) {
		t.Errorf("CutError of %d bytes = %d bytes, valid UTF-8 %v", len(long), len(got), utf8.ValidString(got))
	}
}

// TestListRunFiles: a journal whose segment is closed is superseded (a crash
// between rename and removal), any other journal is read, and every row
// file appears once.
func TestListRunFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), RunDirName("r"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{SegmentName(1), SegmentName(2), JournalName(2), JournalName(3), "_tmp-000004.parquet", RunInfoFile} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ListRunFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	join := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, filepath.Join(dir, n))
		}
		return out
	}
	want := RunFiles{
		Segments:   join(SegmentName(1), SegmentName(2)),
		Journals:   join(JournalName(3)),
		Superseded: join(JournalName(2)),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListRunFiles = %+v\nwant %+v", got, want)
	}
}

// probeV1 is Probe as schema version 1 wrote it: without the columns of
// version 2.
type probeV1 struct {
	RunID         string `parquet:"run_id,dict,zstd"`
	Kind          string `parquet:"kind,dict,zstd"`
	Conn          string `parquet:"conn,dict,zstd"`
	Endpoint      string `parquet:"endpoint,dict,zstd"`
	Seq           int64  `parquet:"seq,delta,zstd"`
	Intended      int64  `parquet:"intended,timestamp(nanosecond),delta,zstd"`
	Start         int64  `parquet:"start,optional,timestamp(nanosecond),delta,zstd"`
	ConnectDone   int64  `parquet:"connect_done,optional,timestamp(nanosecond),delta,zstd"`
	End           int64  `parquet:"end,optional,timestamp(nanosecond),delta,zstd"`
	LatencyNS     int64  `parquet:"latency_ns,delta,zstd"`
	Outcome       string `parquet:"outcome,dict,zstd"`
	ErrorClass    string `parquet:"error_class,optional,dict,zstd"`
	SQLState      string `parquet:"sqlstate,optional,dict,zstd"`
	Error         string `parquet:"error,optional,dict,zstd"`
	ResolvedAddrs string `parquet:"resolved_addrs,optional,dict,zstd"`
	ServerAddr    string `parquet:"server_addr,optional,dict,zstd"`
	ServerStart   int64  `parquet:"server_start,optional,timestamp(nanosecond),dict,zstd"`
	SystemID      string `parquet:"system_id,optional,dict,zstd"`
	InRecovery    *bool  `parquet:"in_recovery,optional"`
	SeenSeq       *int64 `parquet:"seen_seq,optional,zstd"`
}

// TestVersion1SegmentReads: a segment of schema version 1 (without the
// columns version 2 added) still reads, those columns NULL.
func TestVersion1SegmentReads(t *testing.T) {
	if OldestSchemaVersion != 1 {
		t.Skipf("version 1 is no longer read (oldest: %d)", OldestSchemaVersion)
	}
	path := filepath.Join(t.TempDir(), SegmentName(1))
	in := probeV1{RunID: "v1", Kind: KindWrite, Conn: ConnPooled, Endpoint: EndpointWrite, Seq: 3, Intended: 1e18,
		Start: 1e18 + 5, End: 1e18 + 9, LatencyNS: 4, Outcome: OutcomeOK, ServerAddr: "127.0.0.1:5432", ResolvedAddrs: "127.0.0.1"}
	if err := writeParquet(path, false, []probeV1{in}, versionMeta(1)); err != nil {
		t.Fatal(err)
	}
	var got []Probe
	if err := ReadSegment(path, func(p *Probe) error { got = append(got, *p); return nil }); err != nil {
		t.Fatalf("ReadSegment(version 1 file) = %v", err)
	}
	want := Probe{RunID: "v1", Kind: KindWrite, Conn: ConnPooled, Endpoint: EndpointWrite, Seq: 3, Intended: 1e18,
		Start: 1e18 + 5, End: 1e18 + 9, LatencyNS: 4, Outcome: OutcomeOK, ServerAddr: "127.0.0.1:5432", ResolvedAddrs: "127.0.0.1"}
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("read %+v, want %+v (the version 2 columns NULL)", got, want)
	}
}
