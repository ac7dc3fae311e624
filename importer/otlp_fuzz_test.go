package importer

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/switchwatch/switchwatch/internal/otlpgen"
)

// FuzzOTLPFile feeds any bytes to the OTLP file reader and the span
// mapping:
//
//	go test -run '^$' -fuzz '^FuzzOTLPFile$' -fuzztime 10s ./importer
//
// Neither may panic; every line or message handed on or skipped is one
// the file has (numbered from 1, at most one past the last for a cut
// file), and every span is either a row or skipped for a known reason.
func FuzzOTLPFile(f *testing.F) {
	spans := otlpMixed()
	f.Add(otlpgen.JSONLines(spans[:3], spans[3:]))
	f.Add(otlpgen.Proto(spans[:3], spans[3:]))
	f.Add(otlpgen.Gzip(otlpgen.JSONLines(spans)))
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x","attributes":[{"key":"db.system","value":{"stringValue":"postgresql"}}]}]}]}]}`))
	f.Add([]byte("\n\n{}\n"))
	addSeeds(f, "otlp")
	reasons := map[string]bool{ReasonNotDB: true, ReasonOtherDB: true, ReasonNotClient: true, ReasonBadAttr: true,
		ReasonNoTime: true, ReasonEndBeforeStart: true, ReasonTimeRange: true}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "f")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		last := 0
		_, n, err := readOTLPFile(path, func(line int, tr ptrace.Traces) error {
			if line <= last {
				t.Fatalf("line %d after %d", line, last)
			}
			last = line
			for i := 0; i < tr.ResourceSpans().Len(); i++ {
				rs := tr.ResourceSpans().At(i)
				for j := 0; j < rs.ScopeSpans().Len(); j++ {
					sp := rs.ScopeSpans().At(j).Spans()
					for k := 0; k < sp.Len(); k++ {
						s, err := otlpSpanRow(rs.Resource().Attributes(), sp.At(k), nil)
						if err != nil {
							se, ok := err.(*skipError)
							if !ok || !reasons[se.reason] {
								t.Fatalf("span %d: %v", k, err)
							}
							continue
						}
						if p := s.Row; p.End < p.Start || p.LatencyNS != p.End-p.Start || p.Kind == "" || p.Outcome == "" {
							t.Fatalf("row %+v", p)
						}
					}
				}
			}
			return nil
		}, func(reason string, line int, err error) {
			if line < 1 {
				t.Fatalf("skip %s at line %d", reason, line)
			}
		})
		if err == nil && last > n {
			t.Fatalf("line %d of a file of %d", last, n)
		}
	})
}

// TestOTLPZstd: the file exporter's zstd compression reads as the plain
// file does.
func TestOTLPZstd(t *testing.T) {
	dir := t.TempDir()
	var spans []otlpgen.Span
	for i := range 5 {
		spans = append(spans, otlpgen.PG("svc", uint64(i+1), time.Duration(i)*ms, ms, nil))
	}
	plain := otlpgen.JSONLines(spans[:2], spans[2:])
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	z := enc.EncodeAll(plain, nil)
	defer enc.Close()
	res := importOTLP(t, writeFile(t, dir, "t.zst", z))
	info := readInfo(t, res.RunDir)
	if f := info.Settings["formats"].(map[string]any)[filepath.Join(dir, "t.zst")]; f != "json+zstd" || res.Rows != 5 || res.Lines != 2 {
		t.Errorf("format %v, %d rows, %d lines; want json+zstd, 5, 2", f, res.Rows, res.Lines)
	}
	// Without its native compression, the exporter's "compression: zstd"
	// compresses each request, JSON or protobuf, and prefixes its length.
	var framed []byte
	for i, req := range [][]otlpgen.Span{spans[:2], spans[2:]} {
		var msg []byte
		if i == 0 {
			var m ptrace.JSONMarshaler
			msg, err = m.MarshalTraces(otlpgen.Traces(req...))
		} else {
			var m ptrace.ProtoMarshaler
			msg, err = m.MarshalTraces(otlpgen.Traces(req...))
		}
		if err != nil {
			t.Fatal(err)
		}
		msg = enc.EncodeAll(msg, nil)
		framed = binary.BigEndian.AppendUint32(framed, uint32(len(msg)))
		framed = append(framed, msg...)
	}
	res = importOTLP(t, writeFile(t, dir, "legacy.zst", framed))
	info = readInfo(t, res.RunDir)
	if f := info.Settings["formats"].(map[string]any)[filepath.Join(dir, "legacy.zst")]; f != "proto" || res.Rows != 5 || res.Lines != 2 {
		t.Errorf("length-prefixed zstd messages: format %v, %d rows, %d lines; want proto, 5, 2", f, res.Rows, res.Lines)
	}

	// With rotation the file exporter writes a frame per request; a cut
	// in the second loses it, not the first.
	frames := enc.EncodeAll(otlpgen.JSONLines(spans[:2]), nil)
	first := len(frames)
	frames = enc.EncodeAll(otlpgen.JSONLines(spans[2:]), frames)
	cut := importOTLP(t, writeFile(t, dir, "cut.zst", frames[:first+(len(frames)-first)/2]))
	if cut.Report.Skipped[ReasonTruncated] != 1 || cut.Rows != 2 {
		t.Errorf("a cut zstd file: %d rows, skipped %v; want 2, 1 %s", cut.Rows, cut.Report.Skipped, ReasonTruncated)
	}
	// A single frame cut anywhere yields nothing: zstd hands out a block
	// only whole.
	_, err = ImportOTLP(context.Background(), []string{writeFile(t, dir, "cut1.zst", z[:len(z)-4])}, OTLPOptions{Options: Options{Out: t.TempDir()}})
	if err == nil || !strings.Contains(err.Error(), "cut1.zst: the compressed stream ends early (a cut file), before any data") {
		t.Errorf("a cut single-frame zstd file: %v", err)
	}
}
