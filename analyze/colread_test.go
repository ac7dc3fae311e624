package analyze

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/record/store"
)

// probeKey is the columns of store.Probe that place a row (its run, its
// stream, its slot on the grid), tagged as store.Probe tags them: what the
// reduced segments below keep of it, and then some.
type probeKey struct {
	RunID    string `parquet:"run_id,dict,zstd"`
	Kind     string `parquet:"kind,dict,zstd"`
	Conn     string `parquet:"conn,dict,zstd"`
	Endpoint string `parquet:"endpoint,dict,zstd"`
	Seq      int64  `parquet:"seq,delta,zstd"`
	Intended int64  `parquet:"intended,timestamp(nanosecond),delta,zstd"`
}

// probeNoOptionals is store.Probe without some of its optional columns, as
// a file written before they existed would be.
type probeNoOptionals struct {
	probeKey
	Start      int64  `parquet:"start,optional,timestamp(nanosecond),delta,zstd"`
	End        int64  `parquet:"end,optional,timestamp(nanosecond),delta,zstd"`
	LatencyNS  int64  `parquet:"latency_ns,delta,zstd"`
	Outcome    string `parquet:"outcome,dict,zstd"`
	ErrorClass string `parquet:"error_class,optional,dict,zstd"`
}

// probeNoLatency lacks a required column.
type probeNoLatency struct {
	probeKey
	Outcome string `parquet:"outcome,dict,zstd"`
}

func writeReduced[T any](t *testing.T, path string, rows []T) {
	t.Helper()
	if err := store.WriteRowsFile(path, rows); err != nil {
		t.Fatal(err)
	}
}

// TestReadAbsentOptionalColumns: a segment without some optional columns
// (error, resolved_addrs, server_addr, server_start, seen_seq) reads with
// those values NULL, in the fast reader as in the generic one.
func TestReadAbsentOptionalColumns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.parquet")
	const t0 = int64(1_795_600_000_000_000_000)
	var in []probeNoOptionals
	for i := range 10 {
		p := probeNoOptionals{probeKey: probeKey{RunID: "old", Kind: store.KindWrite, Conn: store.ConnNew, Endpoint: store.EndpointWrite,
			Seq: int64(i), Intended: t0 + int64(i)*1e7}, Start: t0 + int64(i)*1e7 + 1000, End: t0 + int64(i)*1e7 + 3000,
			LatencyNS: 2000, Outcome: store.OutcomeOK}
		if i == 4 {
			p.Outcome, p.ErrorClass = store.OutcomeError, store.ClassRefused
		}
		in = append(in, p)
	}
	writeReduced(t, path, in)

	read := func(reader segmentReader) ([]row, []rowObs) {
		t.Helper()
		syms := newSymtab()
		runs := map[uint32]*runRows{}
		n, err := reader(path, newColReader(syms), func(id uint32) *runRows {
			if runs[id] == nil {
				runs[id] = newRunRows(syms.str(id), path, syms)
			}
			return runs[id]
		})
		if err != nil || n != int64(len(in)) || len(runs) != 1 {
			t.Fatalf("read %d rows of %d into %d runs: %v", n, len(in), len(runs), err)
		}
		for _, r := range runs {
			if len(r.order) != 1 {
				t.Fatalf("%d streams, want 1", len(r.order))
			}
			if c := r.order[0].cold; !c.none() {
				t.Errorf("absent columns kept as rarely read values: %+v; want none", c)
			}
			return r.order[0].rows, r.order[0].obs
		}
		return nil, nil
	}
	fast, fastObs := read(readSegmentFast)
	generic, genericObs := read(readSegmentRows)
	if fastObs != nil || genericObs != nil {
		t.Errorf("absent version 2 columns kept as observations: %+v, %+v; want none", fastObs, genericObs)
	}
	for i, x := range fast {
		if x.ident != 0 {
			t.Errorf("row %d: absent columns read as ident %d; want NULL", i, x.ident)
		}
		if x.seq != int64(i) || x.intended != in[i].Intended || x.start != in[i].Start || x.end != in[i].End || x.latency != 2000 {
			t.Errorf("row %d: present columns read as %+v", i, x)
		}
	}
	if fast[4].outcome == fast[3].outcome || fast[4].class == fast[3].class {
		t.Errorf("the failed row reads like the others: %+v vs %+v", fast[4], fast[3])
	}
	if !reflect.DeepEqual(fast, generic) {
		t.Errorf("fast and generic readers differ:\nfast    %+v\ngeneric %+v", fast, generic)
	}
}

// TestReadMissingRequiredColumn: a file without a required column is not a
// probe file, and the error names the file and the column.
func TestReadMissingRequiredColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nolatency.parquet")
	writeReduced(t, path, []probeNoLatency{{probeKey: probeKey{RunID: "x", Kind: store.KindRead, Conn: store.ConnNew, Endpoint: store.EndpointRead}, Outcome: store.OutcomeOK}})
	_, err := readSegmentFast(path, newColReader(newSymtab()), func(uint32) *runRows { return newRunRows("x", path, newSymtab()) })
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `"`+store.ColLatency+`"`) {
		t.Fatalf("err = %v, want one naming %s and column %s", err, path, store.ColLatency)
	}
}

// probeMicros is a segment as DuckDB rewrites one (COPY ... TO
// 'x.parquet'): the timestamps in microseconds, the metadata copied.
type probeMicros struct {
	RunID       string `parquet:"run_id,dict"`
	Kind        string `parquet:"kind,dict"`
	Conn        string `parquet:"conn,dict"`
	Endpoint    string `parquet:"endpoint,dict"`
	Seq         int64  `parquet:"seq"`
	Intended    int64  `parquet:"intended,timestamp(microsecond)"`
	Start       int64  `parquet:"start,optional,timestamp(microsecond)"`
	End         int64  `parquet:"end,optional,timestamp(millisecond)"`
	LatencyNS   int64  `parquet:"latency_ns"`
	Outcome     string `parquet:"outcome,dict"`
	ServerAddr  string `parquet:"server_addr,optional,dict"`
	ServerStart int64  `parquet:"server_start,optional,timestamp(microsecond)"`
}

// TestTimestampUnits: timestamps in microseconds or milliseconds are read
// as the nanoseconds they stand for, by both readers (they were taken as
// nanoseconds: a 3 s outage read as 3 ms).
func TestTimestampUnits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "micros.parquet")
	const t0us = int64(1_795_600_000_000_000) // µs
	var in []probeMicros
	for i := range 10 {
		in = append(in, probeMicros{RunID: "us", Kind: store.KindWrite, Conn: store.ConnNew, Endpoint: store.EndpointWrite,
			Seq: int64(i), Intended: t0us + int64(i)*50_000, Start: t0us + int64(i)*50_000 + 1, End: (t0us + int64(i)*50_000 + 1000) / 1000,
			LatencyNS: 999_000, Outcome: store.OutcomeOK, ServerAddr: "10.0.0.1:5432", ServerStart: t0us - 1_000_000})
	}
	writeReduced(t, path, in)
	for name, reader := range map[string]segmentReader{"fast": readSegmentFast, "generic": readSegmentRows} {
		syms := newSymtab()
		run := newRunRows("us", path, syms)
		if _, err := reader(path, newColReader(syms), func(uint32) *runRows { return run }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rows := run.order[0].rows
		for i, x := range rows {
			if x.intended != in[i].Intended*1000 || x.start != in[i].Start*1000 || x.end != in[i].End*1_000_000 {
				t.Fatalf("%s reader, row %d: intended %d start %d end %d, want %d %d %d (ns)", name, i,
					x.intended, x.start, x.end, in[i].Intended*1000, in[i].Start*1000, in[i].End*1_000_000)
			}
		}
		if id := syms.str(rows[0].ident); !strings.HasSuffix(id, "@2026-11-25T09:46:39Z") {
			t.Errorf("%s reader: server identity %q, want the start time read in microseconds", name, id)
		}
	}
}

// gridKey places row i of run "r"'s stream of kind on new connections to
// endpoint on a 10 ms grid.
func gridKey(kind, endpoint string) func(i int) probeKey {
	const t0 = int64(1_795_600_000_000_000_000)
	return func(i int) probeKey {
		return probeKey{RunID: "r", Kind: kind, Conn: store.ConnNew, Endpoint: endpoint, Seq: int64(i), Intended: t0 + int64(i)*1e7}
	}
}

// writeOldSegment writes dir/a.parquet: rows 0 and 1 of key's stream as a
// file of schema version 1 has them (no optional columns), and returns
// its path.
func writeOldSegment(t *testing.T, dir string, key func(int) probeKey) string {
	t.Helper()
	old := filepath.Join(dir, "a.parquet")
	writeReduced(t, old, []probeNoOptionals{{probeKey: key(0), LatencyNS: 1, Outcome: store.OutcomeOK}, {probeKey: key(1), LatencyNS: 1, Outcome: store.OutcomeOK}})
	return old
}

// TestObservationsFromALaterSegment: a stream whose first segment carries
// no observations (schema version 1) and whose second does keeps one per
// row, NULL for the rows before, in both readers.
func TestObservationsFromALaterSegment(t *testing.T) {
	dir := t.TempDir()
	key := gridKey(store.KindWrite, store.EndpointWrite)
	old := writeOldSegment(t, dir, key)
	newer := filepath.Join(dir, "b.parquet")
	var rows []store.Probe
	for i := 2; i < 5; i++ {
		k := key(i)
		rows = append(rows, store.Probe{RunID: k.RunID, Kind: k.Kind, Conn: k.Conn, Endpoint: k.Endpoint, Seq: k.Seq, Intended: k.Intended,
			LatencyNS: 1, Outcome: store.OutcomeOK, Observed: k.Intended + 5, Timeline: 3, DialedAddr: "10.0.0.1:5432"})
	}
	if err := store.WriteProbesFile(newer, rows); err != nil {
		t.Fatal(err)
	}
	for name, reader := range map[string]segmentReader{"fast": readSegmentFast, "generic": readSegmentRows} {
		syms := newSymtab()
		run := newRunRows("r", dir, syms)
		cr := newColReader(syms)
		for _, p := range []string{old, newer} {
			if _, err := reader(p, cr, func(uint32) *runRows { return run }); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		s := run.order[0]
		if len(s.rows) != 5 || len(s.obs) != 5 {
			t.Fatalf("%s: %d rows, %d observations; want 5 and 5", name, len(s.rows), len(s.obs))
		}
		for i, o := range s.obs {
			want := rowObs{}
			if i >= 2 {
				want = rowObs{observed: s.rows[i].intended + 5, timeline: 3, dialed: syms.intern("10.0.0.1:5432")}
			}
			if o != want {
				t.Errorf("%s: row %d: observations %+v, want %+v", name, i, o, want)
			}
		}
	}
}

// TestColdValuesFollowTheirRows: seen_seq, resolved_addrs and error are
// kept beside the rows (rowCold) from the first row that has one, NULL
// for the rows before (here a whole earlier segment), in both readers;
// and they stay with their rows when rows are dropped (an implausible
// latency), sorted (read out of order) and deduplicated.
func TestColdValuesFollowTheirRows(t *testing.T) {
	dir := t.TempDir()
	key := gridKey(store.KindRead, store.EndpointRead)
	old := writeOldSegment(t, dir, key)
	// seqs 6, 3, 5, 2, 4, 4 (a duplicate), 7 (implausible): out of order
	var rows []store.Probe
	want := map[int64]coldRow{0: noCold, 1: noCold}
	for n, i := range []int{6, 3, 5, 2, 4, 4, 7} {
		k := key(i)
		p := store.Probe{RunID: k.RunID, Kind: k.Kind, Conn: k.Conn, Endpoint: k.Endpoint, Seq: k.Seq, Intended: k.Intended,
			LatencyNS: 1, Outcome: store.OutcomeOK, ResolvedAddrs: fmt.Sprintf("10.0.0.%d", i)}
		if i%2 == 0 {
			seen := int64(100 + i)
			p.SeenSeq = &seen
		}
		if i == 3 {
			p.Outcome, p.ErrorClass, p.Error = store.OutcomeError, store.ClassRefused, "connection refused"
		}
		if i == 7 {
			p.LatencyNS = -1
		}
		if n == 5 {
			p.ResolvedAddrs = "10.0.0.99" // the duplicate dropped
		}
		rows = append(rows, p)
	}
	newer := filepath.Join(dir, "b.parquet")
	if err := store.WriteProbesFile(newer, rows); err != nil {
		t.Fatal(err)
	}
	for name, reader := range map[string]segmentReader{"fast": readSegmentFast, "generic": readSegmentRows} {
		syms := newSymtab()
		for i := int64(2); i < 7; i++ {
			c := coldRow{seen: -1, dns: syms.intern(fmt.Sprintf("10.0.0.%d", i))}
			if i%2 == 0 {
				c.seen = 100 + i
			}
			if i == 3 {
				c.msg = syms.intern("connection refused")
			}
			want[i] = c
		}
		run := newRunRows("r", dir, syms)
		cr := newColReader(syms)
		for _, p := range []string{old, newer} {
			if _, err := reader(p, cr, func(uint32) *runRows { return run }); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		sr := run.order[0]
		if c := sr.cold; len(c.seen) != len(sr.rows) || len(c.dns) != len(sr.rows) || len(c.msg) != len(sr.rows) || len(sr.rows) != 8 {
			t.Fatalf("%s: %d rows, rarely read values %d, %d, %d; want 8 of each", name, len(sr.rows), len(c.seen), len(c.dns), len(c.msg))
		}
		s := prepare(sr, syms)
		if len(s.rows) != 7 || s.dups != 1 {
			t.Fatalf("%s: %d rows and %d duplicates after prepare, want 7 and 1", name, len(s.rows), s.dups)
		}
		for i, x := range s.rows {
			got := coldRow{seen: s.cold.seenAt(i), dns: s.cold.dnsAt(i), msg: s.cold.msgAt(i)}
			if x.seq != int64(i) || got != want[x.seq] {
				t.Errorf("%s: row %d (seq %d): %+v, want seq %d with %+v", name, i, x.seq, got, i, want[int64(i)])
			}
		}
	}
}

// TestImplausibleRowsDropped: a row whose latency is negative or beyond
// store.MaxLatency, or whose intended start is dated 1970, is dropped by
// the batch reader as by the row reader, counted and named in the run's
// warning; the rows around it stay. (The batch reader checks every row in
// its block loop and drops only in blocks that have such a row.)
func TestImplausibleRowsDropped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.parquet")
	const t0 = int64(1_795_600_000_000_000_000)
	var in []probeNoOptionals
	for i := range 12 {
		p := probeNoOptionals{probeKey: probeKey{RunID: "bad", Kind: store.KindWrite, Conn: store.ConnNew, Endpoint: store.EndpointWrite,
			Seq: int64(i), Intended: t0 + int64(i)*1e7}, LatencyNS: 2000, Outcome: store.OutcomeOK}
		switch i {
		case 3:
			p.LatencyNS = -1
		case 5:
			p.LatencyNS = int64(store.MaxLatency) + 1
		case 8:
			p.Intended = 42 // 1970
		}
		if i >= 6 {
			p.Kind = store.KindRead // a second block, of another stream
			p.Endpoint = store.EndpointRead
		}
		in = append(in, p)
	}
	writeReduced(t, path, in)
	read := func(reader segmentReader) *runRows {
		t.Helper()
		syms := newSymtab()
		run := newRunRows("bad", path, syms)
		n, err := reader(path, newColReader(syms), func(uint32) *runRows { return run })
		if err != nil || n != int64(len(in)) {
			t.Fatalf("read %d rows of %d: %v", n, len(in), err)
		}
		return run
	}
	for name, r := range map[string]*runRows{"batch": read(readSegmentFast), "rows": read(readSegmentRows)} {
		var seqs []int64
		for _, s := range r.order {
			for _, x := range s.rows {
				seqs = append(seqs, x.seq)
			}
		}
		if want := []int64{0, 1, 2, 4, 6, 7, 9, 10, 11}; !reflect.DeepEqual(seqs, want) {
			t.Errorf("%s reader kept seqs %v, want %v", name, seqs, want)
		}
		if r.implausible != 3 || r.rows != 9 {
			t.Errorf("%s reader: %d implausible of %d rows kept, want 3 and 9", name, r.implausible, r.rows)
		}
		if w := r.implausibleWarning(); !strings.Contains(w, "seq 3") || !strings.Contains(w, "latency_ns -1 is negative") {
			t.Errorf("%s reader's warning %q does not name the first implausible row", name, w)
		}
	}
}

// TestBadValueFirstRow: a row group with values the format does not have
// is refused naming the first such row's first such column, whether the
// stream columns were read with the rows, counted before them
// (colReader.counted: kind, conn and endpoint are then checked once per
// block) or read by the row reader.
func TestBadValueFirstRow(t *testing.T) {
	const t0 = int64(1_795_600_000_000_000_000)
	for _, c := range []struct {
		name             string
		badKind, badOutc int // rows with kind "WRITE", outcome "OK"
		want             string
	}{
		{"outcome first", 7, 2, `outcome "OK" is none of`},
		{"kind first", 3, 8, `kind "WRITE" is none of`},
		{"same row", 5, 5, `kind "WRITE" is none of`},
		{"outcome in the block's first row", 5, 6, `kind "WRITE" is none of`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.parquet")
			var in []probeNoOptionals
			for i := range 10 {
				p := probeNoOptionals{probeKey: probeKey{RunID: "bad", Kind: store.KindWrite, Conn: store.ConnNew, Endpoint: store.EndpointWrite,
					Seq: int64(i), Intended: t0 + int64(i)*1e7}, LatencyNS: 2000, Outcome: store.OutcomeOK}
				if i >= c.badKind {
					p.Kind = "WRITE" // a block of its own from there on
				}
				if i == c.badOutc {
					p.Outcome = "OK"
				}
				in = append(in, p)
			}
			writeReduced(t, path, in)
			read := func(reader segmentReader, batch, counted bool) error {
				syms := newSymtab()
				run := newRunRows("bad", path, syms)
				cr := newColReader(syms)
				if counted {
					cr.oneRun = true
					if cr.counted = countStreams(path, cr, map[streamKey]int{}); cr.counted == nil {
						t.Fatal("the counting pass did not read the file")
					}
				}
				n, err := reader(path, cr, func(uint32) *runRows { return run })
				if n != 0 && batch { // (the row reader stops at the row)
					t.Errorf("%d rows read from a row group that is refused", n)
				}
				return err
			}
			for name, err := range map[string]error{"batch": read(readSegmentFast, true, false), "counted": read(readSegmentFast, true, true), "rows": read(readSegmentRows, false, false)} {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s reader: %v, want %q", name, err, c.want)
				}
			}
		})
	}
}
