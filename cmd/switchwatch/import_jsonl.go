package main

import (
	"context"
	"io"

	"github.com/switchwatch/switchwatch/importer"
)

const importJSONLHelp = `
Reads an application's request log, one JSON object per line:

  {"time":"2026-11-25T19:00:00.123456Z","op":"write","outcome":"ok","latency_ms":1.8}
  {"time":"2026-11-25T19:00:00.3Z","op":"write","outcome":"error","latency_ns":350000,
   "error":"cannot execute INSERT in a read-only transaction","sqlstate":"25006","server":"10.0.1.7:5432"}

time (or start)  when the request started, RFC 3339 with a zone (required)
intended         when it was meant to start (open-loop schedules; default: time)
end              when it ended
latency_ms       how long it took (or latency_ns; default: end - time)
op               write, read or connect (required)
outcome          ok, error or timeout (required)
error            the error message
sqlstate         the SQLSTATE, which classifies the error as the recorder does
class            an error class of switchwatch, overriding the classification
server           address of the server that answered
conn             pooled (default) or new
endpoint         write or read (default: read for op read, else write)

Other fields are ignored.

A line that cannot be used is skipped and named (--strict: the import fails
instead). A skipped line that still says a failure (an outcome other than ok,
or an error, sqlstate or class) would hide that failure: a file with more such
lines than --max-skipped-failures allows (default 0) fails the import, naming
the file, the counts and the first such line.
`

func runImportJSONL(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("import jsonl", "switchwatch import jsonl [flags] FILE... --out DIR", importJSONLHelp, stdout)
	var opt importer.Options
	labels := labelsFlag{}
	s3o := addCommonImportFlags(fs, &opt, labels)
	addMaxSkippedFailuresFlag(fs, &opt)
	if err := fs.parse(args); err != nil {
		return err
	}
	files := fs.Args()
	if err := checkImportArgs(ctx, fs, &opt, labels, files, s3o); err != nil {
		return err
	}
	res, err := importer.ImportJSONL(ctx, files, opt)
	return importDone(ctx, stdout, stderr, res, err, s3o)
}
