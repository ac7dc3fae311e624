package otlpfile

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

// readLines decodes path line by line with Read (pdata's JSON
// unmarshaler), as a reader of the Collector's file exporter output does.
func readLines(t *testing.T, path string) []ptrace.Traces {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []ptrace.Traces
	if err := Read(f, func(_ int, td ptrace.Traces) error {
		out = append(out, td)
		return nil
	}); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// TestSDKExportsBecomeFileExporterLines exports spans with the real SDK
// over OTLP/HTTP protobuf and reads them back from the file: one line per
// export request, the spans, their resource and attributes intact.
func TestSDKExportsBecomeFileExporterLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "traces.jsonl")
	r, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(r.Endpoint()), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSyncer(exp), // one export request per span
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("checkout"))),
	)
	tr := tp.Tracer("test")
	_, ok := tr.Start(ctx, "ok")
	ok.SetAttributes(attribute.String("db.response.status_code", "00000"))
	ok.End()
	_, bad := tr.Start(ctx, "bad")
	bad.SetStatus(codes.Error, "read-only")
	bad.End()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if r.Requests() != 2 || r.Spans() != 2 {
		t.Fatalf("requests %d, spans %d: want 2 and 2", r.Requests(), r.Spans())
	}
	lines := readLines(t, path)
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2 (one per export request)", len(lines))
	}
	var names []string
	for _, td := range lines {
		rs := td.ResourceSpans().At(0)
		if v, _ := rs.Resource().Attributes().Get("service.name"); v.Str() != "checkout" {
			t.Errorf("service.name %q, want checkout", v.Str())
		}
		s := rs.ScopeSpans().At(0).Spans().At(0)
		names = append(names, s.Name())
		switch s.Name() {
		case "ok":
			if v, _ := s.Attributes().Get("db.response.status_code"); v.Str() != "00000" {
				t.Errorf("ok: db.response.status_code %q", v.Str())
			}
		case "bad":
			if s.Status().Code() != ptrace.StatusCodeError || s.Status().Message() != "read-only" {
				t.Errorf("bad: status %v %q", s.Status().Code(), s.Status().Message())
			}
		}
		if s.TraceID().IsEmpty() || s.EndTimestamp() < s.StartTimestamp() || s.StartTimestamp() == 0 {
			t.Errorf("%s: trace id %v, start %v end %v", s.Name(), s.TraceID(), s.StartTimestamp(), s.EndTimestamp())
		}
	}
	if len(names) != 2 || names[0] != "ok" || names[1] != "bad" {
		t.Errorf("span names %v, want [ok bad]", names)
	}
}

// TestJSONBodyAndRefusals posts an OTLP/JSON body (accepted, answered in
// JSON) and bodies the receiver must refuse without writing a line.
func TestJSONBodyAndRefusals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "traces.jsonl")
	r, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	td := ptrace.NewTraces()
	s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetName("from-json")
	s.SetTraceID([16]byte{1})
	s.SetSpanID([8]byte{2})
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	post := func(ct string, b []byte) *http.Response {
		t.Helper()
		resp, err := http.Post(r.URL(), ct, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post("application/json", body); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("JSON body: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	if resp := post("application/x-protobuf", []byte("not protobuf at all \xff\xff")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("garbage protobuf: %s, want 400", resp.Status)
	}
	if resp := post("text/plain", body); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %s, want 415", resp.Status)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, path)
	if len(lines) != 1 || lines[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Name() != "from-json" {
		t.Fatalf("want exactly the JSON request's line, got %d lines", len(lines))
	}
}

// TestReadNamesABadLine: a line that is not OTLP JSON stops Read with its
// line number.
func TestReadNamesABadLine(t *testing.T) {
	td := ptrace.NewTraces()
	td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("a")
	good, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	in := string(good) + "\n\n" + `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":` + "\n"
	var seen []int
	err = Read(strings.NewReader(in), func(line int, _ ptrace.Traces) error {
		seen = append(seen, line)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("error %v, want one naming line 3", err)
	}
	if len(seen) != 1 || seen[0] != 1 {
		t.Errorf("lines handed over %v, want [1]", seen)
	}
}
