package otlpgen

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// T0 is the time the spans of a test start from: 2026-11-25T19:00:00Z.
var T0 = time.Date(2026, 11, 25, 19, 0, 0, 0, time.UTC)

// Span is one span to write. Zero fields are left out of the span.
type Span struct {
	// Service is the resource's service.name ("" leaves it out); spans
	// of one service in a row share a resource.
	Service string
	// ResourceAttrs are more resource attributes (pcommon's FromRaw types).
	ResourceAttrs map[string]any
	Name          string
	Kind          ptrace.SpanKind
	// Trace and ID make the trace and span ids (0: an all-zero id).
	Trace, ID uint64
	// Parent makes the parent span's id (0: none).
	Parent uint64
	// At and Dur give the start (T0+At) and the end (start+Dur); Start and
	// End, when not zero, are the raw time stamps instead (ns since the
	// epoch), for odd cases (0 is At/Dur's).
	At, Dur    time.Duration
	Start, End uint64
	// NoTimes leaves both time stamps 0.
	NoTimes bool
	Status  ptrace.StatusCode
	Message string
	// Attrs are the span's attributes (pcommon's FromRaw types: string,
	// int, int64, float64, bool, []any, map[string]any).
	Attrs map[string]any
	// Exception adds an "exception" event with exception.type and
	// exception.message.
	ExceptionType, ExceptionMessage string
}

// PG is a PostgreSQL client span of service svc at T0+at, lasting dur,
// with the stable conventions' db.system.name, server.address and
// server.port, and the given attributes on top.
func PG(svc string, id uint64, at, dur time.Duration, attrs map[string]any) Span {
	a := map[string]any{"db.system.name": "postgresql", "server.address": "db.example.com", "server.port": 5432}
	for k, v := range attrs {
		if v == nil {
			delete(a, k)
			continue
		}
		a[k] = v
	}
	return Span{Service: svc, Name: "SELECT", Kind: ptrace.SpanKindClient, Trace: id, ID: id, At: at, Dur: dur, Attrs: a}
}

// Traces builds the request of spans.
func Traces(spans ...Span) ptrace.Traces {
	td := ptrace.NewTraces()
	var ss ptrace.SpanSlice
	last := "\x00"
	for _, s := range spans {
		if s.Service != last || s.ResourceAttrs != nil {
			rs := td.ResourceSpans().AppendEmpty()
			if s.Service != "" {
				rs.Resource().Attributes().PutStr("service.name", s.Service)
			}
			if err := putAll(rs.Resource().Attributes(), s.ResourceAttrs); err != nil {
				panic(err)
			}
			sc := rs.ScopeSpans().AppendEmpty()
			sc.Scope().SetName("otlpgen")
			ss = sc.Spans()
			last = s.Service
		}
		sp := ss.AppendEmpty()
		sp.SetName(s.Name)
		sp.SetKind(s.Kind)
		if s.Trace != 0 {
			var t pcommon.TraceID
			binary.BigEndian.PutUint64(t[8:], s.Trace)
			t[0] = 0xab
			sp.SetTraceID(t)
		}
		if s.ID != 0 {
			var id pcommon.SpanID
			binary.BigEndian.PutUint64(id[:], s.ID)
			sp.SetSpanID(id)
		}
		if s.Parent != 0 {
			var id pcommon.SpanID
			binary.BigEndian.PutUint64(id[:], s.Parent)
			sp.SetParentSpanID(id)
		}
		if !s.NoTimes {
			start := pcommon.NewTimestampFromTime(T0.Add(s.At))
			if s.Start != 0 {
				start = pcommon.Timestamp(s.Start)
			}
			end := start + pcommon.Timestamp(s.Dur)
			if s.End != 0 {
				end = pcommon.Timestamp(s.End)
			}
			sp.SetStartTimestamp(start)
			sp.SetEndTimestamp(end)
		}
		sp.Status().SetCode(s.Status)
		sp.Status().SetMessage(s.Message)
		if err := putAll(sp.Attributes(), s.Attrs); err != nil {
			panic(err)
		}
		if s.ExceptionType != "" || s.ExceptionMessage != "" {
			ev := sp.Events().AppendEmpty()
			ev.SetName("exception")
			ev.SetTimestamp(sp.EndTimestamp())
			ev.Attributes().PutStr("exception.type", s.ExceptionType)
			ev.Attributes().PutStr("exception.message", s.ExceptionMessage)
		}
	}
	return td
}

// putAll puts attrs in order of key, so that a file is the same bytes
// every time it is made.
func putAll(m pcommon.Map, attrs map[string]any) error {
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		v := attrs[k]
		if i, ok := v.(int); ok {
			v = int64(i)
		}
		if err := m.PutEmpty(k).FromRaw(v); err != nil {
			return fmt.Errorf("attribute %s: %w", k, err)
		}
	}
	return nil
}

// JSONLine is one line of the file exporter's JSON format, with its
// newline: the request of spans.
func JSONLine(spans ...Span) []byte {
	var m ptrace.JSONMarshaler
	b, err := m.MarshalTraces(Traces(spans...))
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// JSONLines is a JSON lines file: one line per request, each request the
// spans of one element.
func JSONLines(requests ...[]Span) []byte {
	var b bytes.Buffer
	for _, r := range requests {
		b.Write(JSONLine(r...))
	}
	return b.Bytes()
}

// Proto is a file of the file exporter's protobuf format: each request
// marshalled, preceded by its length (4 bytes, big-endian).
func Proto(requests ...[]Span) []byte {
	var m ptrace.ProtoMarshaler
	var b bytes.Buffer
	for _, r := range requests {
		msg, err := m.MarshalTraces(Traces(r...))
		if err != nil {
			panic(err)
		}
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(msg)))
		b.Write(n[:])
		b.Write(msg)
	}
	return b.Bytes()
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}
