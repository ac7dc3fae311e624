package main

import (
	"context"
	"fmt"
	"io"

	"github.com/switchwatch/switchwatch/importer"
	"github.com/switchwatch/switchwatch/internal/termtext"
)

// The importers are in import_pgbench.go and import_jsonl.go; this file
// has what they share.

const importHelp = `
Converts traces of other tools into a run folder OUT/run=<id> in the layout
"switchwatch record" writes, so that "switchwatch analyze" treats them like
any run. The run id comes from the files' contents: importing the same files
again is refused (--replace rewrites the run).

Every line is taken or skipped for a reason; the summary on stderr counts
them and names the first skipped line of each reason (--strict: an error).
`

func addCommonImportFlags(fs *flagSet, opt *importer.Options, labels labelsFlag) *s3Out {
	fs.StringVar(&opt.Out, "out", "", "output `DIR` or s3://BUCKET/PREFIX/ (see --staging); the run goes into DIR/run=<id> (required)")
	s3o := addStagingFlag(fs)
	fs.Var(labels, "label", "run label `key=value` (repeatable)")
	addImportVantageFlags(fs, &opt.Vantage, &opt.SwitchoverID)
	fs.BoolVar(&opt.Strict, "strict", false, "fail on the first line that cannot be used instead of skipping it")
	fs.BoolVar(&opt.Replace, "replace", false, "rewrite the run if these files were imported before (default: refuse)")
	fs.Var((*listFlag)(&opt.Events), "events", "event `FILES` (comma-separated: events.jsonl, aws rds describe-events JSON, CSV time,label[,end], or a PostgreSQL or PgBouncer log) to store with the run")
	addServerLogFlags(fs)
	return s3o
}

// skipBoundFlag is --max-skipped-failures N|P%.
type skipBoundFlag struct{ b *importer.SkipBound }

func (f skipBoundFlag) String() string {
	if f.b == nil {
		return "0"
	}
	return f.b.String()
}

func (f skipBoundFlag) Type() string { return "N|P%" }

func (f skipBoundFlag) Set(s string) error {
	b, err := importer.ParseSkipBound(s)
	if err != nil {
		return err
	}
	*f.b = b
	return nil
}

// addMaxSkippedFailuresFlag adds --max-skipped-failures (import jsonl and
// pgbench, whose lines say their outcome).
func addMaxSkippedFailuresFlag(fs *flagSet, opt *importer.Options) {
	fs.Var(skipBoundFlag{&opt.MaxSkippedFailures}, "max-skipped-failures", "accept in each file up to `N` skipped lines that say a failure, or P% of its failure lines (default 0: such a line fails the import)")
}

func checkImportArgs(ctx context.Context, fs *flagSet, opt *importer.Options, labels labelsFlag, files []string, s3o *s3Out) error {
	if len(files) == 0 {
		return fs.usagef("no input files")
	}
	if opt.Out == "" {
		return fs.usagef("--out is empty: say where the run folder goes")
	}
	if err := checkVantageFlags(fs, opt.Vantage, opt.SwitchoverID); err != nil {
		return err
	}
	var err error
	if opt.Out, err = s3o.open(ctx, fs, opt.Out); err != nil {
		return err
	}
	opt.Labels = labels
	return registerServerLogs(fs)
}

// importDone prints what an import did: the summary and the skipped lines
// on stderr, the run on stdout.
func importDone(ctx context.Context, stdout, stderr io.Writer, res *importer.Result, err error, s3o *s3Out) error {
	if err != nil {
		return err
	}
	// The summary quotes the input's lines: nothing in them may act on
	// the terminal.
	fmt.Fprintln(termtext.NewWriter(stderr), res.Report)
	return importDetails(ctx, stdout, stderr, res, s3o)
}

// importDetails prints what an import did after its summary line: the
// skipped lines and the notes on stderr, the run on stdout; then, with
// --out s3://, it uploads the run.
func importDetails(ctx context.Context, stdout, stderr io.Writer, res *importer.Result, s3o *s3Out) error {
	stdout, stderr = termtext.NewWriter(stdout), termtext.NewWriter(stderr)
	rep := res.Report
	for _, e := range rep.Examples {
		fmt.Fprintln(stderr, "skipped:", e)
	}
	if n := rep.SkippedTotal(); n > int64(len(rep.Examples)) {
		fmt.Fprintf(stderr, "skipped: ... and %d more\n", n-int64(len(rep.Examples)))
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	verb := "imported"
	if res.Replaced {
		verb = "replaced"
	}
	fmt.Fprintf(stdout, "%s run %s: %s (%d rows: %s", verb, res.RunID, res.RunDir, res.Rows, importer.FormatCounts(res.Counts, nil))
	if res.Inferred > 0 {
		fmt.Fprintf(stdout, "; %d of them inferred, not read", res.Inferred)
	}
	fmt.Fprintln(stdout, ")")
	if err := s3o.finish(ctx, stdout, res.RunDir); err != nil {
		return err
	}
	s3o.prune(ctx, stdout, "")
	return nil
}
