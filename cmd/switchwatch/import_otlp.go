package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/switchwatch/switchwatch/importer"
	"github.com/switchwatch/switchwatch/internal/termtext"
	"github.com/switchwatch/switchwatch/record/store"
)

const importOTLPHelp = `
Reads OpenTelemetry traces as the Collector's file exporter writes them: JSON
lines (one ExportTraceServiceRequest per line) or length-prefixed protobuf,
plain, gzip'd or zstd'd (told from the content, not the name). Every
PostgreSQL client span (db.system.name or db.system "postgresql", kind client
or unspecified) becomes a row; other spans are counted by reason and skipped.

kind      from the operation: db.operation.name (db.operation), else the
          first keyword of db.query.text (db.statement), else of the span
          name. INSERT UPDATE DELETE MERGE CALL "COPY FROM" are writes,
          CONNECT (a connect span) a connect, the rest reads; --kind
          OP=KIND overrides, e.g. --kind WITH=write --kind SELECT=write.
outcome   status ERROR or an error.type: a failure, classified by
          db.response.status_code (a SQLSTATE), error.type and the status
          message (or the exception event's exception.message)
profile   service.name x server.address:port (x the connection pool):
          run.json settings.profiles says which profile is which
server    network.peer.address:port, else server.address:port
times     intended = start = span start, end = span end

A lull in the traces is not an outage: traces hold only the requests the
application made. See the README, "Importing other tools' traces".
`

// kindsFlag is a repeated --kind OP=KIND.
type kindsFlag map[string]string

func (k kindsFlag) String() string {
	var parts []string
	for op, kind := range k {
		parts = append(parts, op+"="+kind)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (k kindsFlag) Type() string { return "OP=KIND" }

func (k kindsFlag) Set(v string) error {
	op, kind, ok := strings.Cut(v, "=")
	op = strings.ToUpper(strings.Join(strings.Fields(op), " "))
	kind = strings.TrimSpace(kind)
	if !ok || op == "" {
		return fmt.Errorf("want OP=KIND (e.g. CALL=read), got %q", v)
	}
	switch kind {
	case store.KindWrite, store.KindRead, store.KindConnect:
	default:
		return fmt.Errorf("kind %q for %s: want write, read or connect", kind, op)
	}
	k[op] = kind
	return nil
}

func runImportOTLP(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("import otlp", "switchwatch import otlp [flags] FILE... --out DIR", importOTLPHelp, stdout)
	var opt importer.OTLPOptions
	labels := labelsFlag{}
	kinds := kindsFlag{}
	s3o := addCommonImportFlags(fs, &opt.Options, labels)
	fs.Var(kinds, "kind", "give the rows of an operation a kind (write, read or connect): `OP=KIND`, e.g. CALL=read (repeatable)")
	if err := fs.parse(args); err != nil {
		return err
	}
	files := fs.Args()
	if err := checkImportArgs(ctx, fs, &opt.Options, labels, files, s3o); err != nil {
		return err
	}
	opt.Kinds = kinds
	res, err := importer.ImportOTLP(ctx, files, opt)
	if err != nil {
		return err
	}
	// The summary quotes the spans: nothing in them may act on the
	// terminal.
	fmt.Fprintln(termtext.NewWriter(stderr), res.Summary())
	return importDetails(ctx, stdout, stderr, res.Result, s3o)
}
