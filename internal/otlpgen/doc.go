// Package otlpgen builds OpenTelemetry trace files for tests, through
// pdata itself (ptrace.Traces marshalled by ptrace.JSONMarshaler or
// ProtoMarshaler), in the layouts the Collector's file exporter writes:
// JSON lines, one ExportTraceServiceRequest per line, and length-prefixed
// protobuf. It is imported by tests only and must not be imported by the
// program.
package otlpgen
