// Package otlpfile is a local OTLP/HTTP trace receiver that writes what it
// receives as the OpenTelemetry Collector's file exporter does with its
// default json format: each export request, decoded with pdata
// (ptraceotlp.ExportRequest.UnmarshalProto, or UnmarshalJSON for a JSON
// body), is re-encoded with ptrace.JSONMarshaler and appended as one line
// (the JSON of one ExportTraceServiceRequest, then "\n"), so the file reads
// as a Collector's would and any OTLP JSON reader takes it.
//
// It serves POST /v1/traces on 127.0.0.1 only, for the lab's instrumented
// application (package internal/otelapp). It must not interpret, filter,
// sample or reorder spans, and it must not encode OTLP by hand: pdata does
// every byte of decoding and encoding.
package otlpfile
