package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/lab"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
	"github.com/switchwatch/switchwatch/report"
	"golang.org/x/term"
)

var labRunHelp = fmt.Sprintf(`
Records --runs runs of a scenario. Each run builds a fresh rig (new data
directories, new ports), starts the recorder against the write endpoint
(and, with --read-via read, the read endpoint), records a steady lead-in,
plays the scenario's steps, records a steady tail, stops the recorder, runs
the lost-write check through the write endpoint and tears the rig down. Each
run goes to OUT/run=<id>/ with run.json (labels: scenario=NAME and every
scenario parameter, plus your --label), the Parquet probes, events.jsonl
(the lab's ground truth) and verify.json.

Scenarios (see "switchwatch lab list" for parameters):
%s
Every process the lab starts is stopped and its directories removed when a
run ends, fails or is interrupted (Ctrl-C); --keep keeps the directories
(data, server logs). Labs running side by side use different ports.

With --traces an instrumented application runs beside the recorder, from
the lead-in to the end of the tail: services checkout (a pool, writes) and
reports (new connections, reads), closed-loop clients with think time,
traced with the OpenTelemetry SDK. Its spans go to RUN/traces.jsonl as the
Collector's file exporter writes them (one OTLP JSON export request a line);
its settings, quiet windows (--traces-quiet) and requests to RUN/app.json.

With --vantages N each switchover is recorded from N vantages at once, one
recorder each, into its own run folder, all with one switchover_id in
run.json and the vantage's name as its vantage:
  direct     connects as without --vantages
  latency    connects through delay proxies: --vantage-latency is the added
             round trip (half each way, as ping shows behind "tc qdisc add
             dev eth0 root netem delay 200ms" on the client's host); on the
             dns scenario's rig it resolves the name through its own DNS
             forwarder, so the flip reaches it as it reaches everyone
  dns-cache  (the dns scenario only) resolves through a caching DNS
             forwarder that keeps every answer for --vantage-dns-cache
             whatever its TTL, as nscd or dnsmasq with a minimum cache time:
             it reaches old blue until its first refresh after the flip;
             each refresh is an event of its run (dns_cache_refresh), and
             the lab waits for that refresh before the tail
--vantages 2 is direct and latency, 3 all three; there are no more kinds.
--vantage-interval sets the probe interval of latency and dns-cache (each
recorder opens its own connections: mind the logins a second). Analyze
each run folder alone, or them together by their switchover_id.

Example:
  switchwatch lab run --scenario aurora --runs 5 --conn new,pooled --out runs/
  switchwatch lab run --scenario aurora --set blackhole=8s --set read_only=2s --out runs/
  switchwatch lab run --scenario-file my.yaml --out runs/
  switchwatch lab run --scenario dns --set cut=false --clients testdata/clients.yaml --out runs/
  switchwatch lab run --scenario aurora --traces --traces-quiet 20s+3s --set tail=10s --out runs/
  switchwatch lab run --scenario dns --vantages 3 --interval 200ms --vantage-interval 500ms --out runs/
`, builtinSummaries())

// builtinSummaries lists the built-in scenarios, a name and its summary
// (wrapped) a line.
func builtinSummaries() string {
	var b strings.Builder
	for _, name := range lab.BuiltinNames() {
		text := wrap(lab.Builtins[name].Summary, strings.Repeat(" ", 13), 78)
		fmt.Fprintf(&b, "  %-10s %s", name, text[13:])
	}
	return b.String()
}

func runLabRun(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("lab run", "switchwatch lab run (--scenario NAME | --scenario-file FILE) --out DIR [flags]", labRunHelp, stdout)
	var (
		name, file string
		quiet      bool
		opts       lab.RunOptions
	)
	set := labelsFlag{}
	labels := labelsFlag{}
	streams := newStreamFlags()
	traces := &tracesFlags{}
	fs.StringVar(&name, "scenario", "", "built-in scenario: "+strings.Join(lab.BuiltinNames(), ", "))
	fs.StringVar(&file, "scenario-file", "", "scenario file (JSON or YAML): a built-in with parameters, or steps of your own")
	fs.Var(set, "set", "scenario parameter `name=value`, repeatable (e.g. --set blackhole=6s)")
	fs.IntVar(&opts.Runs, "runs", 1, "number of runs, each on a fresh rig")
	fs.StringVar(&opts.Out, "out", "", "output folder; each run goes to OUT/run=<run-id>/")
	fs.Var(labels, "label", "key=value label for every run, repeatable")
	fs.BoolVar(&opts.Rig.Keep, "keep", false, "keep the rig's directories (data directories, server logs) for inspection")
	fs.BoolVar(&opts.KeepLogs, "keep-logs", false, "copy the servers' and PgBouncer's logs into each run folder's logs/ (read them with analyze --events)")
	fs.StringVar(&opts.Rig.WorkDir, "work-dir", "", "where the rig's directories go (default: the system temporary directory)")
	fs.IntVar(&opts.Rig.WritePort, "port", 0, "write endpoint port on 127.0.0.1 (default: a free port)")
	fs.IntVar(&opts.Rig.ReadPort, "read-port", 0, "read endpoint port on 127.0.0.1 (default: a free port)")
	fs.StringVar(&opts.ReadVia, "read-via", lab.ReadViaWrite, "endpoint of the read probes: write, or read (the read endpoint)")
	fs.StringVar(&opts.Rig.ReaderTarget, "reader-target", lab.TargetGreen, "where the read endpoint forwards: green (like a reader endpoint) or blue")
	fs.IntVar(&opts.Vantages.N, "vantages", 1, "record each switchover from N vantages: direct, latency, dns-cache (at most 3; see above)")
	fs.DurationVar(&opts.Vantages.Latency, "vantage-latency", lab.DefaultVantageLatency, "round trip the latency vantage's path adds (half each way)")
	fs.DurationVar(&opts.Vantages.DNSCache, "vantage-dns-cache", lab.DefaultVantageDNSCache, "how long the dns-cache vantage keeps a DNS answer, whatever its TTL")
	fs.DurationVar(&opts.Vantages.Interval, "vantage-interval", 0, "probe interval of the latency and dns-cache vantages (default: --interval)")
	fs.BoolVar(&quiet, "quiet", false, "no progress bar (there is none unless stderr is a terminal)")
	cfg := &opts.Record
	addLabRecordFlags(fs, cfg, streams)
	traces.register(fs)
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.usagef("unexpected argument %q (flags only)", fs.Arg(0))
	}
	var err error
	if opts.Scenario, err = labScenario(fs, name, file, set); err != nil {
		return err
	}
	if opts.Out == "" {
		return fs.usagef("--out is empty: say where the run folders go")
	}
	if opts.Runs < 1 {
		return fs.usagef("--runs must be at least 1, got %d", opts.Runs)
	}
	if err := checkLabVantages(fs, &opts); err != nil {
		return err
	}
	if err := oneOf(fs, "read-via", opts.ReadVia, lab.ReadViaWrite, lab.ReadViaRead); err != nil {
		return err
	}
	if err := oneOf(fs, "reader-target", opts.Rig.ReaderTarget, lab.TargetGreen, lab.TargetBlue); err != nil {
		return err
	}
	if err := streams.apply(fs, cfg); err != nil {
		return err
	}
	if err := checkProbeFlags(fs, cfg); err != nil {
		return err
	}
	if err := cfg.CheckProfiles(); err != nil {
		return fs.usagef("%v", err)
	}
	if err := traces.apply(fs, &opts); err != nil {
		return err
	}
	if _, err := pgserver.FindBinaries(); err != nil {
		return fmt.Errorf("lab run: %w", err)
	}
	opts.Labels = labels
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
		fmt.Fprintf(stdout, "%s in %s; next: switchwatch analyze %s\n", report.Count(int64(len(results)), "run", "runs"), opts.Out, opts.Out)
	}
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("lab run interrupted; everything it started is stopped: %w", err)
	}
	return err
}

// checkLabVantages checks --vantages and its settings against the
// scenario's rig before anything is started.
func checkLabVantages(fs *flagSet, opts *lab.RunOptions) error {
	if _, err := lab.VantageNames(opts.Vantages.N); err != nil {
		return fs.usagef("%v", err)
	}
	for name, d := range map[string]time.Duration{"vantage-latency": opts.Vantages.Latency, "vantage-dns-cache": opts.Vantages.DNSCache,
		"vantage-interval": opts.Vantages.Interval} {
		if d < 0 || (d == 0 && name != "vantage-interval") {
			return fs.usagef("--%s must be positive, got %v", name, d)
		}
	}
	if err := opts.Vantages.Check(opts.Scenario.RigFor(opts.Rig).Kind()); err != nil {
		return fs.usagef("%v", err)
	}
	return nil
}

// addLabRecordFlags registers the recorder's probe settings, as in
// "switchwatch record".
func addLabRecordFlags(fs *flagSet, cfg *record.Config, streams *streamFlags) {
	fs.DurationVar(&cfg.Interval, "interval", record.DefaultInterval, "probe grid step, per stream")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", record.DefaultConnectTimeout, "time allowed to get a connection")
	fs.DurationVar(&cfg.QueryTimeout, "query-timeout", record.DefaultQueryTimeout, "time allowed for the probe's statement")
	streams.register(fs)
	fs.StringVar(&cfg.Table, "table", record.DefaultTable, "probe table")
	fs.IntVar(&cfg.MaxInflight, "max-inflight", 0, "in-flight probes per stream before a slot is recorded as skipped (default as in record)")
	fs.IntVar(&cfg.PoolSize, "pool-size", record.DefaultPoolSize, "connections per pooled stream")
	fs.BoolVar(&cfg.NoVerify, "no-verify", false, "skip the lost-write check")
}

// labScenario is the scenario --scenario (with --set) or --scenario-file
// names. A name or a parameter that is not there is a usage error; a file
// that does not load is not.
func labScenario(fs *flagSet, name, file string, set labelsFlag) (*lab.Scenario, error) {
	switch {
	case name != "" && file != "":
		return nil, fs.usagef("give --scenario or --scenario-file, not both")
	case name != "":
		sc, err := lab.NewBuiltin(name, set)
		if err != nil {
			return nil, fs.usagef("%v", err)
		}
		return sc, nil
	case file != "":
		sc, err := lab.LoadFile(file, set)
		if err != nil {
			return nil, fmt.Errorf("lab run: %w", err)
		}
		return sc, nil
	}
	return nil, fs.usagef("no scenario: give --scenario (%s) or --scenario-file", strings.Join(lab.BuiltinNames(), ", "))
}
