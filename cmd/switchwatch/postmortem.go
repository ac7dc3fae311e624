package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/switchwatch/switchwatch/importer"
	"github.com/switchwatch/switchwatch/internal/termtext"
)

const postmortemHelp = `
A post-mortem of a switchover nobody recorded, from the evidence other tools
wrote: the application's OpenTelemetry traces (the Collector's file exporter:
JSON lines or protobuf, plain, gzip'd or zstd'd) and, on the same timeline,
the servers' and poolers' own logs (PostgreSQL jsonlog, csvlog or stderr;
PgBouncer's log; also the lab's events.jsonl, aws rds describe-events JSON,
a CSV of your own annotations).

It does what these do, in one step:

  switchwatch import otlp TRACES... --events LOGS --out DIR
  switchwatch analyze --runs -o DIR DIR/run=<id>

DIR gets the imported run (run=otlp-<id>), report.md with its pictures,
summary.json and phases.parquet; the run's phases, streams (one per service,
server and kind) and the servers' events are printed too. The trigger that
event_to_* counts from is a server's promote request when a log has one
(else none); --trigger names another event.

What traces can and cannot say (README, "What traces can and cannot say"):
they hold only the requests the application made, so a lull is no outage and
an edge is known only to about half the gap between the requests either side
of it; a sampler drops spans; a pool's wait is no request; the times are the
application's clock.
`

// appendListFlag is a repeatable flag of comma-separated values, each use
// adding to the list.
type appendListFlag []string

func (l *appendListFlag) String() string { return strings.Join(*l, ",") }
func (l *appendListFlag) Type() string   { return "FILES" }

func (l *appendListFlag) Set(v string) error {
	n := len(*l)
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	if len(*l) == n {
		return fmt.Errorf("empty list")
	}
	return nil
}

func runPostmortem(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("postmortem", "switchwatch postmortem --traces FILE... [--logs FILE...] --out DIR", postmortemHelp, stdout)
	var (
		traces, logs appendListFlag
		opt          importer.OTLPOptions
		labels       = labelsFlag{}
		kinds        = kindsFlag{}
		trigger      string
	)
	fs.Var(&traces, "traces", "OpenTelemetry trace `FILES` (comma-separated, repeatable; arguments are trace files too)")
	fs.Var(&logs, "logs", "server, pooler or event `FILES` put on the run's timeline (comma-separated, repeatable): PostgreSQL jsonlog, csvlog or stderr logs, PgBouncer's log, events.jsonl, aws rds describe-events JSON, a CSV time,label[,end]")
	fs.StringVar(&opt.Out, "out", "", "output `DIR`: the imported run goes into DIR/run=<id>, the report into DIR/report.md (required)")
	fs.Var(labels, "label", "run label `key=value` (repeatable)")
	addImportVantageFlags(fs, &opt.Vantage, &opt.SwitchoverID)
	fs.Var(kinds, "kind", "give the rows of an operation a kind (write, read or connect): `OP=KIND`, e.g. CALL=read (repeatable)")
	fs.BoolVar(&opt.Replace, "replace", false, "rewrite the run if these files were imported into DIR before (default: refuse)")
	fs.BoolVar(&opt.Strict, "strict", false, "fail on the first span or line that cannot be used instead of skipping it")
	fs.StringVar(&trigger, "trigger", "", "name of the event the event_to_* metrics are measured from (default: a server's promote request)")
	fs.String(flagLogPrefix, "", "PostgreSQL's log_line_prefix `FMT` of stderr logs given to --logs (default: detected when it starts with %m or %t; %e gives SQLSTATEs)")
	fs.String(flagLogNode, "", "`NAME` of the server or pooler whose log --logs reads (default: from the log file's name)")
	if err := fs.parse(args); err != nil {
		return err
	}
	files := append(append([]string{}, traces...), fs.Args()...)
	if len(files) == 0 {
		return fs.usagef("no trace files: give them with --traces or as arguments")
	}
	if opt.Out == "" {
		return fs.usagef("--out is empty: say where the run and the report go")
	}
	if err := checkVantageFlags(fs, opt.Vantage, opt.SwitchoverID); err != nil {
		return err
	}
	if err := registerServerLogs(fs); err != nil {
		return err
	}
	opt.Labels, opt.Kinds, opt.Events = labels, kinds, logs
	res, err := importer.ImportOTLP(ctx, files, opt)
	if err != nil {
		return err
	}
	fmt.Fprintln(termtext.NewWriter(stderr), res.Summary())
	if err := importDetails(ctx, stdout, stderr, res.Result, nil); err != nil {
		return err
	}
	aargs := []string{"--runs", "--out", opt.Out}
	if trigger != "" {
		aargs = append(aargs, "--trigger", trigger)
	}
	if err := runAnalyze(ctx, stdout, stderr, append(aargs, "--", res.RunDir)); err != nil {
		return fmt.Errorf("postmortem: analyze %s: %w", res.RunDir, err)
	}
	fmt.Fprintf(termtext.NewWriter(stdout), "report: %s\n", filepath.Join(opt.Out, "report.md"))
	return nil
}
