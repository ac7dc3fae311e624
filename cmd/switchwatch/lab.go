package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/lab"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
	"golang.org/x/term"
)

func init() {
	register("lab", "play switchover scenarios on local PostgreSQL servers while recording them", runLab)
}

const labHelp = `
The lab builds, on this machine, BLUE (a PostgreSQL primary) and GREEN (its
streaming standby, made with pg_basebackup), each on its own loopback port
with password authentication, and in front of them ENDPOINTS: TCP proxies
on 127.0.0.1 that forward to blue or green, refuse connections, accept and
never answer, or cut every connection. It then plays a switchover scenario
against them while "switchwatch record" probes the endpoints, and writes
what it did, with nanosecond timestamps, into the run folder as
events.jsonl: the ground truth for "switchwatch analyze".

Subcommands:
  run    record runs of a scenario          (switchwatch lab run --help)
  list   list the scenarios, their parameters and the step actions
  up     start a rig, print its DSNs, keep it up until Ctrl-C

PostgreSQL server binaries are found on PATH, through "pg_config --bindir"
or under /usr/lib/postgresql/*/bin (or set SWITCHWATCH_PG_BINDIR). As root,
the servers run as the "postgres" user.
`

func runLab(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(stderr, "Usage: switchwatch lab <run|list|up> [flags]\n%s", labHelp)
		if len(args) == 0 {
			return flag.ErrHelp
		}
		return nil
	}
	switch args[0] {
	case "run":
		return runLabRun(ctx, stdout, stderr, args[1:])
	case "list":
		return runLabList(stdout, args[1:])
	case "up":
		return runLabUp(ctx, stdout, stderr, args[1:])
	}
	return fmt.Errorf("lab: unknown subcommand %q (want run, list or up)", args[0])
}

const labRunHelp = `
Records --runs runs of a scenario. Each run builds a fresh rig (new data
directories, new ports), starts the recorder against the write endpoint
(and, with --read-via read, the read endpoint), records a steady lead-in,
plays the scenario's steps, records a steady tail, stops the recorder, runs
the lost-write check through the write endpoint and tears the rig down. Each
run goes to OUT/run=<id>/ with run.json (labels: scenario=NAME and every
scenario parameter, plus your --label), the Parquet probes, events.jsonl
(the lab's ground truth) and verify.json.

Scenarios (see "switchwatch lab list" for parameters):
  aurora   Blue/Green switchover: blue read-only, endpoint silent, green read-only
           until caught up and promoted
  crash    SIGKILL of blue, endpoint refuses, green promoted without catch-up
  flap     short silent windows on the endpoint, no promotion
  restart  fast restart of blue, no promotion

Every process the lab starts is stopped and its directories removed when a
run ends, fails or is interrupted (Ctrl-C); --keep keeps the directories
(data, server logs). Labs running side by side use different ports.

Example:
  switchwatch lab run --scenario aurora --runs 5 --conn new,pooled --out runs/
  switchwatch lab run --scenario aurora --set blackhole=8s --set read_only=2s --out runs/
  switchwatch lab run --scenario-file my.yaml --out runs/
`

func runLabRun(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("lab run", "switchwatch lab run (--scenario NAME | --scenario-file FILE) --out DIR [flags]", labRunHelp, stderr)
	var (
		name, file string
		quiet      bool
		opts       lab.RunOptions
	)
	set := labelsFlag{}
	labels := labelsFlag{}
	kinds := listFlag{"write", "read"}
	conns := listFlag{"new"}
	fs.StringVar(&name, "scenario", "", "built-in scenario: "+strings.Join(lab.BuiltinNames(), ", "))
	fs.StringVar(&file, "scenario-file", "", "scenario file (JSON or YAML): a built-in with parameters, or steps of your own")
	fs.Var(set, "set", "scenario parameter name=value, repeatable (e.g. --set blackhole=6s)")
	fs.IntVar(&opts.Runs, "runs", 1, "number of runs, each on a fresh rig")
	fs.StringVar(&opts.Out, "out", "", "output folder; each run goes to OUT/run=<run-id>/")
	fs.Var(labels, "label", "key=value label for every run, repeatable")
	fs.BoolVar(&opts.Rig.Keep, "keep", false, "keep the rig's directories (data directories, server logs) for inspection")
	fs.StringVar(&opts.Rig.WorkDir, "work-dir", "", "where the rig's directories go (default: the system temporary directory)")
	fs.IntVar(&opts.Rig.WritePort, "port", 0, "write endpoint port on 127.0.0.1 (default: a free port)")
	fs.IntVar(&opts.Rig.ReadPort, "read-port", 0, "read endpoint port on 127.0.0.1 (default: a free port)")
	fs.StringVar(&opts.ReadVia, "read-via", lab.ReadViaWrite, "endpoint of the read probes: write, or read (the read endpoint)")
	fs.StringVar(&opts.Rig.ReaderTarget, "reader-target", lab.TargetGreen, "where the read endpoint forwards: green (like a reader endpoint) or blue")
	fs.BoolVar(&quiet, "quiet", false, "no progress bar (there is none unless stderr is a terminal)")
	// The recorder's probe settings, as in "switchwatch record".
	cfg := &opts.Record
	fs.DurationVar(&cfg.Interval, "interval", record.DefaultInterval, "probe grid step, per stream")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", record.DefaultConnectTimeout, "time allowed to get a connection")
	fs.DurationVar(&cfg.QueryTimeout, "query-timeout", record.DefaultQueryTimeout, "time allowed for the probe's statement")
	fs.Var(&kinds, "probes", "probe kinds, comma-separated: write, read, connect")
	fs.Var(&conns, "conn", "connection modes, comma-separated: new, pooled")
	fs.StringVar(&cfg.Table, "table", record.DefaultTable, "probe table")
	fs.IntVar(&cfg.MaxInflight, "max-inflight", 0, "in-flight probes per stream before a slot is recorded as skipped (default as in record)")
	fs.IntVar(&cfg.PoolSize, "pool-size", record.DefaultPoolSize, "connections per pooled stream")
	fs.BoolVar(&cfg.NoVerify, "no-verify", false, "skip the lost-write check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("lab run: unexpected argument %q (flags only)", fs.Arg(0))
	}
	var err error
	switch {
	case name != "" && file != "":
		return errors.New("lab run: give --scenario or --scenario-file, not both")
	case name != "":
		opts.Scenario, err = lab.NewBuiltin(name, set)
	case file != "":
		opts.Scenario, err = lab.LoadFile(file, set)
	default:
		return fmt.Errorf("lab run: no scenario: give --scenario (%s) or --scenario-file", strings.Join(lab.BuiltinNames(), ", "))
	}
	if err != nil {
		return fmt.Errorf("lab run: %w", err)
	}
	if opts.Out == "" {
		return errors.New("lab run: --out is empty: say where the run folders go")
	}
	if _, err := pgserver.FindBinaries(); err != nil {
		return fmt.Errorf("lab run: %w", err)
	}
	opts.Labels = labels
	cfg.Kinds = kinds
	cfg.Conns = conns
	opts.Log = stdout
	// The bar redraws in place, which only a terminal shows well; elsewhere
	// the line per run on stdout is the progress.
	if f, ok := stderr.(*os.File); ok && !quiet && term.IsTerminal(int(f.Fd())) {
		opts.Progress = stderr
	}
	fmt.Fprintf(stdout, "scenario %s (%s), about %s per run plus the rig's setup\n",
		opts.Scenario.Name, strings.Join(store.LabelPairs(opts.Scenario.Params), " "), opts.Scenario.Duration())
	results, err := lab.Run(ctx, opts)
	if len(results) > 0 {
		fmt.Fprintf(stdout, "%d run(s) in %s; next: switchwatch analyze %s\n", len(results), opts.Out, opts.Out)
	}
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("lab run interrupted; everything it started is stopped: %w", err)
	}
	return err
}

func runLabList(stdout io.Writer, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("lab list: unexpected argument %q", args[0])
	}
	fmt.Fprintln(stdout, "Scenarios (parameters with defaults; change them with --set name=value):")
	for _, name := range lab.BuiltinNames() {
		b := lab.Builtins[name]
		fmt.Fprintf(stdout, "\n%s\n%s", name, wrap(b.Description, "  ", 78))
		for _, p := range b.Params {
			fmt.Fprintf(stdout, "  %-10s %-6s %s\n", p.Name, p.Default, p.Help)
		}
	}
	fmt.Fprintln(stdout, "\nStep actions for scenario files (each is also the name of the event it writes):")
	for _, name := range lab.ActionNames() {
		a := lab.Actions[name]
		fmt.Fprintf(stdout, "\n%s\n%s", name, wrap(a.Help, "  ", 78))
		pnames := make([]string, 0, len(a.Params))
		for p := range a.Params {
			pnames = append(pnames, p)
		}
		sort.Strings(pnames)
		for _, p := range pnames {
			fmt.Fprintf(stdout, "  %-9s %s\n", p, a.Params[p])
		}
	}
	fmt.Fprint(stdout, `
A scenario file (YAML or JSON):
  name: aurora-slow          # a built-in with other parameters
  base: aurora
  params: {blackhole: 10s}
or:
  name: double-move          # steps of your own
  params: {lead_in: 5s, tail: 8s}
  steps:
    - action: endpoint_blackhole
      params: {for: 3s, then: green, cut: true}
    - action: green_promoted
      after: 2s
      params: {catch_up: true}
`)
	return nil
}

func runLabUp(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("lab up", "switchwatch lab up [flags]", `
Starts a rig (blue, its standby green, the write and read endpoints), prints
the DSNs, and keeps it up until Ctrl-C; then stops everything and removes
its directories (unless --keep). Use it to try "switchwatch record" or your
own client against the endpoints by hand.`, stderr)
	var opts lab.RigOptions
	fs.IntVar(&opts.WritePort, "port", 0, "write endpoint port on 127.0.0.1 (default: a free port)")
	fs.IntVar(&opts.ReadPort, "read-port", 0, "read endpoint port on 127.0.0.1 (default: a free port)")
	fs.StringVar(&opts.ReaderTarget, "reader-target", lab.TargetGreen, "where the read endpoint forwards: green or blue")
	fs.StringVar(&opts.WorkDir, "work-dir", "", "where the rig's directories go (default: the system temporary directory)")
	fs.BoolVar(&opts.Keep, "keep", false, "keep the rig's directories when it stops")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("lab up: unexpected argument %q (flags only)", fs.Arg(0))
	}
	rig, err := lab.NewRig(ctx, opts)
	if err != nil {
		return fmt.Errorf("lab up: %w", err)
	}
	fmt.Fprintf(stdout, "write endpoint: %s\nread endpoint:  %s\nblue:  %s (log %s)\ngreen: %s (log %s)\nwork directory: %s\nCtrl-C stops everything.\n",
		rig.WriteDSN(), rig.ReadDSN(), rig.Blue.DSN(), rig.Blue.LogPath(), rig.Green.DSN(), rig.Green.LogPath(), rig.Dir)
	<-ctx.Done()
	if err := rig.Close(); err != nil {
		return fmt.Errorf("lab up: stop the rig: %w", err)
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}

// wrap breaks text into indented lines of at most width columns.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, w := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	b.WriteString(line + "\n")
	return b.String()
}
