package store

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// nullView reads the optional columns of a probe file as pointers, which
// tell NULL from a stored zero value.
type nullView struct {
	ErrorClass *string `parquet:"error_class,optional"`
	Error      *string `parquet:"error,optional"`
	Start      *int64  `parquet:"start,optional"`
	SeenSeq    *int64  `parquet:"seen_seq,optional"`
}

// TestWriteKeepsNulls writes ok rows with an isolated error among them, at
// every place of a 64-row block, and checks that only the error's row has
// a non-NULL error_class and error, and that an unset start and seen_seq
// stay NULL while a seen_seq of 0 is stored. parquet-go's
// GenericWriter.Write (v0.32) wrote ” for rows 2-63 of the block after an
// error at row 1 (see writecols.go).
func TestWriteKeepsNulls(t *testing.T) {
	const n = 300
	for _, at := range []int{0, 1, 2, 31, 62, 63, 64, 65, 129, 250} {
		rows := make([]Probe, n)
		zero := int64(0)
		for i := range rows {
			rows[i] = Probe{RunID: "r", Kind: "write", Conn: "new", Endpoint: "e", Outcome: "ok", Seq: int64(i), Intended: int64(i + 1), Start: int64(i + 1), LatencyNS: 5}
			if i%2 == 0 {
				rows[i].Start = 0
			}
		}
		rows[at].Outcome, rows[at].ErrorClass, rows[at].Error = "error", "refused", "connection refused"
		rows[at+1].SeenSeq = &zero
		path := filepath.Join(t.TempDir(), "seg.parquet")
		if err := WriteProbesFile(path, rows); err != nil {
			t.Fatal(err)
		}
		got, err := parquet.ReadFile[nullView](path)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("error at %d: read %d rows, want %d", at, len(got), n)
		}
		bad := 0
		for i, g := range got {
			isErr := i == at
			if (g.ErrorClass != nil) != isErr || (g.Error != nil) != isErr {
				bad++
				if bad <= 3 {
					t.Errorf("error at %d: row %d: error_class %v, error %v; want NULL unless the error's row", at, i, str(g.ErrorClass), str(g.Error))
				}
			}
			if (g.Start == nil) != (i%2 == 0) {
				t.Errorf("error at %d: row %d: start %v, want NULL for an unset start", at, i, g.Start)
			}
			if wantSeen := i == at+1; (g.SeenSeq != nil) != wantSeen || wantSeen && *g.SeenSeq != 0 {
				t.Errorf("error at %d: row %d: seen_seq %v, want a stored 0 only on row %d", at, i, g.SeenSeq, at+1)
			}
		}
		if bad > 0 {
			t.Errorf("error at %d: %d rows with a wrong NULL in error_class or error", at, bad)
		}
	}
}

func str(p *string) string {
	if p == nil {
		return "NULL"
	}
	return "'" + *p + "'"
}

// BenchmarkWriteProbes encodes 100,000 realistic rows as one segment in
// memory (no file, no sync): column by column (writeProbes) against
// parquet-go's row writer (GenericWriter.Write, which writeProbes
// replaced).
func BenchmarkWriteProbes(b *testing.B) {
	rows := sortedCopy(sampleProbes("20261125T120000Z-abcdef", 100_000))
	opts := []parquet.WriterOption{parquet.Compression(&parquet.Zstd), versionMeta(SchemaVersion)}
	for _, bc := range []struct {
		name  string
		write func(w io.Writer) error
	}{
		{"columns", func(w io.Writer) error { return writeProbes(w, rows, opts...) }},
		{"rows", func(w io.Writer) error {
			pw := parquet.NewGenericWriter[Probe](w, opts...)
			if _, err := pw.Write(rows); err != nil {
				return err
			}
			return pw.Close()
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := bc.write(&buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(buf.Len())/float64(len(rows)), "bytes/row")
		})
	}
}

// TestProbesFileInPieces writes rows a piece at a time through a
// ProbesFile and reads back every row as given, pointer fields included.
func TestProbesFileInPieces(t *testing.T) {
	rows := sortedCopy(sampleProbes("20261125T120000Z-abcdef", 5000))
	path := filepath.Join(t.TempDir(), "seg.parquet")
	f, err := CreateProbesFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, piece := range [][2]int{{0, 1}, {1, 1500}, {1500, 1500}, {1500, 5000}} {
		if err := f.Write(rows[piece[0]:piece[1]]); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	i := 0
	err = ReadSegment(path, func(p *Probe) error {
		if i >= len(rows) {
			return fmt.Errorf("more rows than the %d written", len(rows))
		}
		want := rows[i]
		got := *p
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("row %d: got %+v, want %+v", i, got, want)
		}
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != len(rows) {
		t.Fatalf("read %d rows, wrote %d", i, len(rows))
	}
}
