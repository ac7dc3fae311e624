package store

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestProbeReaderColumnIndexes(t *testing.T) {
	want := map[string]int{
		ColRunID: colRunID, ColKind: colKind, ColConn: colConn, ColEndpoint: colEndpoint, ColProfile: colProfile,
		ColSeq: colSeq, ColIntended: colIntended, ColStart: colStart, ColConnectDone: colConnectDone, ColEnd: colEnd,
		ColLatency: colLatency, ColOutcome: colOutcome, ColErrorClass: colErrorClass, ColSQLState: colSQLState,
		ColError: colError, ColResolvedAddrs: colResolvedAddrs, ColDialedAddr: colDialedAddr,
		ColConnEstablished: colConnEstablished, ColServerAddr: colServerAddr, ColServerStart: colServerStart,
		ColSystemID: colSystemID, ColInRecovery: colInRecovery, ColSeenSeq: colSeenSeq, ColObserved: colObserved,
		ColServerTime: colServerTime, ColTimeline: colTimeline,
	}
	if len(want) != len(ProbeColumns) {
		t.Fatalf("%d indexes for %d columns", len(want), len(ProbeColumns))
	}
	for name, i := range want {
		if ProbeColumns[i].Name != name {
			t.Errorf("index of %s is %d, ProbeColumns[%d] is %s", name, i, i, ProbeColumns[i].Name)
		}
	}
}

// sampleSegment writes sampleProbes (with some in_recovery true and a
// seen_seq of 0, which must not read as NULL) as one segment.
func sampleSegment(t *testing.T, n int) (string, []Probe) {
	t.Helper()
	rows := sampleProbes("r1", n)
	yes, zero := true, int64(0)
	rows[3].InRecovery = &yes
	rows[5].SeenSeq = &zero
	rows[4].Profile = "fast"
	sortProbes(rows)
	path := filepath.Join(t.TempDir(), SegmentName(1))
	if err := WriteProbesFile(path, rows); err != nil {
		t.Fatal(err)
	}
	return path, rows
}

// TestProbeReaderRowsRoundTrip: every column read back as written, NULL
// pointer columns as nil and a stored 0 or false as a value.
func TestProbeReaderRowsRoundTrip(t *testing.T) {
	path, rows := sampleSegment(t, 300)
	r := NewProbeReader(path, ReadOptions{})
	defer r.Close()
	var got []Probe
	for r.Next() {
		got = append(got, r.Row().Clone())
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rows) {
		for i := range min(len(got), len(rows)) {
			if !reflect.DeepEqual(got[i], rows[i]) {
				t.Fatalf("row %d: read %+v\nwrote %+v", i, got[i], rows[i])
			}
		}
		t.Fatalf("read %d rows, wrote %d", len(got), len(rows))
	}
}

// TestProbeReaderProjects: only the columns asked for are set, in rows
// and in batches; string columns arrive as symbols of the table given.
func TestProbeReaderProjects(t *testing.T) {
	path, rows := sampleSegment(t, 300)
	cols := []string{ColKind, ColSeq, ColSeenSeq, ColEnd}
	r := NewProbeReader(path, ReadOptions{Columns: cols})
	i := 0
	for r.Next() {
		p, w := r.Row(), rows[i]
		want := Probe{Kind: w.Kind, Seq: w.Seq, SeenSeq: w.SeenSeq, End: w.End}
		if !reflect.DeepEqual(*p, want) {
			t.Fatalf("row %d with %v: %+v, want %+v", i, cols, *p, want)
		}
		i++
	}
	r.Close()
	if r.Err() != nil || i != len(rows) {
		t.Fatalf("read %d rows of %d: %v", i, len(rows), r.Err())
	}

	syms := newSymbolTable()
	r = NewProbeReader(path, ReadOptions{Columns: cols, Symbols: syms})
	defer r.Close()
	i = 0
	for r.NextBatch() {
		b := r.Batch()
		if b.Int64(ColIntended) != nil || b.Symbols(ColOutcome) != nil || b.Symbols(ColSeq) != nil {
			t.Fatal("a column not asked for (or asked for with the wrong type) is not nil")
		}
		kind, seq, seen, def := b.Symbols(ColKind), b.Int64(ColSeq), b.Int64(ColSeenSeq), b.Defined(ColSeenSeq)
		if len(kind) != b.Len || len(seq) != b.Len || len(seen) != b.Len || len(def) != b.Len {
			t.Fatalf("batch of %d rows: columns of %d, %d, %d, %d values", b.Len, len(kind), len(seq), len(seen), len(def))
		}
		for k := range b.Len {
			w := rows[i]
			if syms.String(kind[k]) != w.Kind || seq[k] != w.Seq || def[k] != (w.SeenSeq != nil) || def[k] && seen[k] != *w.SeenSeq {
				t.Fatalf("row %d: kind %q seq %d seen %d (defined %v); wrote %+v", i, syms.String(kind[k]), seq[k], seen[k], def[k], w)
			}
			i++
		}
	}
	if r.Err() != nil || i != len(rows) {
		t.Fatalf("read %d rows of %d in batches: %v", i, len(rows), r.Err())
	}
}

// TestProbeReaderVersion1: columns a version 1 file lacks read as NULL,
// in both views.
func TestProbeReaderVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), SegmentName(1))
	in := probeV1{RunID: "v1", Kind: KindWrite, Conn: ConnPooled, Endpoint: EndpointWrite, Seq: 3, Intended: 1e18, Outcome: OutcomeOK}
	if err := writeParquet(path, false, []probeV1{in}, versionMeta(1)); err != nil {
		t.Fatal(err)
	}
	r := NewProbeReader(path, ReadOptions{Columns: []string{ColSeq, ColObserved, ColProfile, ColTimeline}})
	defer r.Close()
	if !r.NextBatch() {
		t.Fatal(r.Err())
	}
	b := r.Batch()
	if b.Len != 1 || b.Int64(ColSeq)[0] != 3 || b.Int64(ColObserved)[0] != 0 || b.Symbols(ColProfile)[0] != 0 {
		t.Fatalf("batch %+v", b)
	}
	if d := b.Defined(ColTimeline); len(d) != 1 || d[0] {
		t.Errorf("timeline of a version 1 file: defined %v, want NULL", d)
	}
}

// TestProbeReaderRefuses: a file with a required column missing or of
// another physical type is refused naming the file and column, a column
// Probe lacks naming it, whatever was asked for.
func TestProbeReaderRefuses(t *testing.T) {
	dir := t.TempDir()
	type noSeq struct {
		RunID string `parquet:"run_id"`
	}
	type intKind struct {
		noSeq
		Kind int64 `parquet:"kind"`
	}
	missing, badType := filepath.Join(dir, "missing.parquet"), filepath.Join(dir, "type.parquet")
	if err := WriteRowsFile(missing, []noSeq{{"a"}}); err != nil {
		t.Fatal(err)
	}
	if err := WriteRowsFile(badType, []intKind{{noSeq{"a"}, 1}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		cols []string
		want string
	}{
		{missing, []string{ColRunID}, `no column "kind"`},
		{badType, []string{ColRunID}, `column "kind" is INT64, want BYTE_ARRAY`},
	} {
		r := NewProbeReader(c.path, ReadOptions{Columns: c.cols})
		if r.Next() {
			t.Errorf("%s: read a row", c.path)
		}
		if err := r.Err(); err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming the file and %s", c.path, err, c.want)
		}
		r.Close()
	}
	path, _ := sampleSegment(t, 10)
	r := NewProbeReader(path, ReadOptions{Columns: []string{"nope"}})
	if r.Next() || !errors.Is(r.Err(), ErrNoColumn) || !strings.Contains(r.Err().Error(), path) {
		t.Errorf("column nope: %v, want ErrNoColumn naming the file", r.Err())
	}
}

// TestProbeReaderTimeUnit: a timestamp column stored in microseconds (as
// DuckDB and Spark rewrite them) reads as nanoseconds.
func TestProbeReaderTimeUnit(t *testing.T) {
	type micros struct {
		RunID    string `parquet:"run_id"`
		Kind     string `parquet:"kind"`
		Conn     string `parquet:"conn"`
		Endpoint string `parquet:"endpoint"`
		Seq      int64  `parquet:"seq"`
		Intended int64  `parquet:"intended,timestamp(microsecond)"`
		End      int64  `parquet:"end,optional,timestamp(microsecond)"`
		Latency  int64  `parquet:"latency_ns"`
		Outcome  string `parquet:"outcome"`
	}
	path := filepath.Join(t.TempDir(), "micros.parquet")
	if err := WriteRowsFile(path, []micros{{RunID: "r", Kind: KindWrite, Conn: ConnNew, Endpoint: EndpointWrite, Intended: 1_700_000_000_000_000, End: 1_700_000_000_000_007, Latency: 7000, Outcome: OutcomeOK}}); err != nil {
		t.Fatal(err)
	}
	var got []Probe
	if err := ReadSegment(path, func(p *Probe) error { got = append(got, *p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Intended != 1_700_000_000_000_000_000 || got[0].End != 1_700_000_000_000_007_000 || got[0].LatencyNS != 7000 {
		t.Fatalf("read %+v, want intended and end in nanoseconds, latency_ns as is", got)
	}
}

// TestProbeReaderAllNullColumn: a column nobody filled reads as NULL in
// every row (its chunk's statistics say so, and nothing is decoded), and
// a reader reset onto a file where it is filled reads its values: the
// zeros shown for the first are never written.
func TestProbeReaderAllNullColumn(t *testing.T) {
	dir := t.TempDir()
	rows := sampleProbes("r1", 20)
	for i := range rows {
		rows[i].Observed, rows[i].DialedAddr = 0, ""
	}
	empty := filepath.Join(dir, "empty.parquet")
	if err := WriteProbesFile(empty, rows); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(dir, "full.parquet")
	for i := range rows {
		rows[i].Observed, rows[i].DialedAddr = int64(1000+i), "10.0.0.2:5432"
	}
	if err := WriteProbesFile(full, rows); err != nil {
		t.Fatal(err)
	}
	var r ProbeReader
	cols := ReadOptions{Columns: []string{ColSeq, ColObserved, ColDialedAddr}}
	r.Reset(empty, cols)
	if !r.NextBatch() {
		t.Fatal(r.Err())
	}
	if !allNull(r.rgs[0].ColumnChunks()[r.leaf[colObserved]], len(rows)) {
		t.Errorf("the statistics of an all-NULL chunk do not say so: every value is decoded")
	}
	b := r.Batch()
	if !b.AllNull(ColObserved) || !b.AllNull(ColDialedAddr) || b.AllNull(ColSeq) {
		t.Errorf("AllNull: observed %v, dialed_addr %v, seq %v; want true, true, false", b.AllNull(ColObserved), b.AllNull(ColDialedAddr), b.AllNull(ColSeq))
	}
	for i, v := range b.Int64(ColObserved) {
		if v != 0 || b.Defined(ColObserved)[i] || b.Symbols(ColDialedAddr)[i] != 0 {
			t.Fatalf("row %d of an all-NULL column: %d (defined %v), symbol %d", i, v, b.Defined(ColObserved)[i], b.Symbols(ColDialedAddr)[i])
		}
	}
	r.Reset(full, cols)
	n := 0
	for r.Next() {
		if p := r.Row(); p.Observed != int64(1000+n) || p.DialedAddr != "10.0.0.2:5432" {
			t.Fatalf("row %d after Reset: observed %d, dialed %q", n, p.Observed, p.DialedAddr)
		}
		n++
	}
	r.Reset(empty, cols)
	for r.Next() {
		if p := r.Row(); p.Observed != 0 || p.DialedAddr != "" {
			t.Fatalf("all-NULL file read again: observed %d, dialed %q", p.Observed, p.DialedAddr)
		}
	}
	if err := r.Close(); err != nil || r.Err() != nil || n != len(rows) {
		t.Fatalf("read %d rows of %d: %v, %v", n, len(rows), r.Err(), err)
	}
}
