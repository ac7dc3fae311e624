package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/analyze/check"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
	"golang.org/x/term"
)

const recordHelp = `
Probes a PostgreSQL endpoint on an open-loop schedule and writes one row per
probe to OUT/run=<run-id>/ (Parquet segments and run.json). Every probe has
an intended start on a fixed grid; a probe that hangs never delays the next.
Run it through a switchover, stop it with Ctrl-C (or --duration), then run
"switchwatch analyze OUT".

DSNs are libpq URIs (postgres://user@host:5432/db?sslmode=require) or
keyword/value strings (host=... user=... dbname=...); PG* environment
variables and ~/.pgpass fill what the DSN leaves out, as with psql. Passwords
never reach a file, a log line or the terminal.

Probe kinds: write (INSERT a unique key into the probe table), read (SELECT
the newest key visible on the read endpoint), connect (connect + SELECT 1).
Connection modes: new (a fresh connection per probe, like a naive loop) and
pooled (long-lived pool connections, replaced after errors, like an
application). Every kind runs in every mode, each on its own grid.

Client profiles: named client configurations recorded side by side in the
same run, each kind in each profile on its own grid, so every profile sees
the same switchover and "switchwatch analyze" compares them pairwise.
--client 'name=jvm,conn=pooled,dns_cache=30s' (repeatable) or --clients
FILE (YAML or JSON; testdata/clients.yaml is a commented example) adds
them; new and pooled are the built-in profiles of --conn (given with
--client/--clients only when --conn is). Keys: name, conn (new, pooled),
dsn, read_dsn, hosts (host:port|host:port), target_session_attrs,
connect_timeout, query_timeout, pool_size, max_conn_lifetime,
max_conn_idle_time, health_check_period, drop_on_read_only, drop_on_error,
dns_cache (resolve once and keep the answer that long; 0: every connect).

When the run ends, the lost-write check reads the keys back from the write
endpoint and writes verify.json (see also "switchwatch verify"); a second
Ctrl-C skips it. Exit status: 0 recorded and checked, 1 failed, 2 usage,
3 recorded but the check not done.

Object storage: --out s3://BUCKET/PREFIX/ records into a local staging
folder (--staging DIR) exactly as to --out DIR, uploads each segment once it
is closed and, at the end, events.jsonl, verify.json and run.json (last), so
the prefix only ever shows complete files. Once every file of the run is
confirmed in the bucket (one HEAD each: present, same size), the local copy
is removed, unless --keep-staging, or the lost-write check was skipped or
failed ("switchwatch verify" on the local copy then checks it and uploads
the result), or the recording failed. Files that could not be uploaded are
listed with the local file that holds each, stay there, and make the exit
status 1. Credentials and endpoint come from the AWS SDK's chain
(AWS_PROFILE, AWS_ENDPOINT_URL, ...), never from a flag.

Hands-free: --switchover 'COMMAND' runs the command through the shell
(sh -c, its own process group, stdin /dev/null) --switchover-after into the
recording; its start, end, exit status and every line of its output become
events of the run (events.jsonl), which analyze and the report show like the
lab's; its start is the trigger the event_to_* metrics count from. A
password in the command is replaced by xxxxx wherever it is stored or shown.
Ctrl-C while it runs kills its process group, and the run says so.
--until-recovered D stops the recording once the command has ended and every
stream has then been healthy (ok or slow: not failing, stalled or skipped)
for D, counted from the end of the outage if there was one; a switchover
that clients never noticed ends it D after the command, and run.json says
"stopped": "recovered_without_outage". Without --switchover it waits for an
outage first. --duration stays the upper bound. "switchwatch mark RUN_DIR
LABEL" adds a moment of your own to a recording from another terminal (an
annotation; the trigger with --trigger).

Several vantages: a recorder on each host (one per zone or subnet) with its
own --vantage (default: the host name) and one --switchover-id for all;
"switchwatch analyze" on their runs together puts the vantages side by side
on the servers' clock (see the README, "Past one machine").

Example:
  switchwatch record --write-dsn "host=db.example.com user=app dbname=app" \
      --conn new,pooled --label strategy=blue-green --out runs/
  switchwatch record --write-dsn "$DSN" --out runs/ --duration 30m \
      --switchover 'patronictl -c /etc/patroni.yml switchover --force' \
      --switchover-after 30s --until-recovered 60s
  switchwatch record --write-dsn "$DSN" --vantage zone-a \
      --switchover-id sw-2026-12-06 --out s3://runs/prod/
`

func runRecord(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("record", "switchwatch record --write-dsn DSN --out DIR [flags]", recordHelp, stdout)
	cfg := record.Config{}
	rf := addRecordFlags(fs, &cfg)
	cf := addCheckFlags(fs.FlagSet)
	if err := fs.parse(args); err != nil {
		return err
	}
	checks, err := cf.parse()
	if err != nil {
		return fs.usagef("%w", err)
	}
	if err := rf.check(fs, &cfg); err != nil {
		return err
	}
	if rf.cleanup {
		if err := record.Cleanup(ctx, cfg.WriteDSN, cfg.Table); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "dropped %s\n", cfg.Table)
		return nil
	}
	cfg.Labels = rf.labels
	if err := rf.streams.apply(fs, &cfg); err != nil {
		return err
	}
	if !rf.quiet {
		cfg.Status = stderr
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			cfg.StatusTTY = true
		}
	}
	skip, recorded := skipVerifyOnSecondSignal(ctx)
	defer recorded()
	cfg.SkipVerify = skip
	if cfg.Out, err = rf.s3o.open(ctx, fs, cfg.Out); err != nil {
		return err
	}
	if rf.s3o.active() {
		cfg.OnSegment = rf.s3o.up.Queue
	}
	res, err := record.Run(ctx, cfg)
	if errors.Is(err, record.ErrConfig) {
		return fs.usagef("%v", err)
	}
	if res == nil {
		return err
	}
	fmt.Fprintf(stdout, "run %s: %s\n", res.RunID, res.RunDir)
	// With --out s3:// the upload comes first (the summary's figures are
	// the same either way); an upload that failed is the exit status,
	// after the summary.
	if upErr := rf.s3o.finish(ctx, stdout, res.RunDir); upErr != nil {
		if doneErr := recordSummary(stdout, stderr, &cfg, res, err, checks, cf); doneErr != nil {
			fmt.Fprintln(stderr, "error:", doneErr)
		}
		return upErr
	}
	doneErr := recordSummary(stdout, stderr, &cfg, res, err, checks, cf)
	rf.s3o.prune(ctx, stdout, stagingWanted(res, err)) // after --check, which reads the local copy
	return doneErr
}

// stagingWanted says why a recording's staged copy must stay after its
// upload, or "": "switchwatch verify" on it still has to run the
// lost-write check and upload its result, or the recording failed.
func stagingWanted(res *record.Result, err error) string {
	switch {
	case err != nil:
		return "the recording failed"
	case res.VerifySkipped:
		return "the lost-write check was skipped: \"switchwatch verify\" on it does it and uploads the result"
	case res.VerifyErr != nil:
		return "the lost-write check failed: \"switchwatch verify\" on it does it again and uploads the result"
	}
	return ""
}

// recordSummary prints what a recording did and returns its exit error:
// the recording's own, then a lost-write check not done (3), then
// --check (4).
func recordSummary(stdout, stderr io.Writer, cfg *record.Config, res *record.Result, err error, checks []check.Check, cf *checkFlags) error {
	notChecked, err := printRecording(stdout, cfg, res, err)
	if err != nil {
		return err
	}
	checkErr := checkRecordedRun(res.RunDir, checks, cf, stdout, stderr)
	if notChecked != nil {
		return notChecked // the verdicts are incomplete: 3 says so before 4
	}
	return checkErr
}

// recordFlags are record's flags that do not go straight into its Config.
type recordFlags struct {
	labels         labelsFlag
	streams        *streamFlags
	quiet, cleanup bool
	s3o            *s3Out // --out s3:// and --staging
}

func addRecordFlags(fs *flagSet, cfg *record.Config) *recordFlags {
	rf := &recordFlags{labels: labelsFlag{}, streams: newStreamFlags()}
	fs.StringVar(&cfg.WriteDSN, "write-dsn", "", "DSN of the write endpoint (libpq URI or keyword form; PG* variables fill the gaps)")
	fs.StringVar(&cfg.ReadDSN, "read-dsn", "", "DSN of the read endpoint (default: the write DSN)")
	fs.DurationVar(&cfg.Interval, "interval", 0, "probe grid step, per stream (default 100ms)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "probes per second per stream, instead of --interval (e.g. --rate 200)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "how long to record (default: until Ctrl-C)")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", record.DefaultConnectTimeout, "time allowed to get a connection")
	fs.DurationVar(&cfg.QueryTimeout, "query-timeout", record.DefaultQueryTimeout, "time allowed for the probe's statement")
	fs.StringVar(&cfg.Out, "out", "", "output folder, or s3://BUCKET/PREFIX/ (see --staging); the run goes to OUT/run=<run-id>/")
	rf.s3o = addStagingFlag(fs)
	fs.DurationVar(&cfg.SegmentEvery, "segment-every", 0, "close a Parquet segment at least this often (default 1m); with --out s3:// each closed segment is uploaded at once, so this is how far the bucket lags the recording")
	fs.Var(rf.labels, "label", "key=value label for this run, repeatable (e.g. --label strategy=bg)")
	addVantageFlags(fs, cfg)
	rf.streams.register(fs)
	fs.StringVar(&cfg.Table, "table", record.DefaultTable, "probe table (created if missing; nothing else is touched)")
	fs.IntVar(&cfg.MaxInflight, "max-inflight", 0, "in-flight probes per stream before a slot is recorded as skipped (default: (connect+query timeout+1s)/interval+1, at most 512)")
	fs.IntVar(&cfg.PoolSize, "pool-size", record.DefaultPoolSize, "connections per pooled stream")
	fs.StringVar(&cfg.RunID, "run-id", "", "run id (default: start time and random bits); refused when the probe table holds rows of it")
	fs.StringVar(&cfg.DNSServer, "dns-server", "", "resolve the endpoints' host names by asking this DNS server (HOST:PORT) directly, uncached (default: the system resolver)")
	fs.BoolVar(&cfg.NoVerify, "no-verify", false, "skip the lost-write check at the end")
	fs.BoolVar(&rf.quiet, "quiet", false, "no live status on stderr")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address while recording (e.g. 127.0.0.1:9187)")
	fs.DurationVar(&cfg.MetricsLinger, "metrics-linger", 0, "keep serving the final metrics this long after the recording ends, switchwatch_run_active 0 (default: 30s with --until-recovered, else 0)")
	fs.StringVar(&cfg.Switchover, "switchover", "", "command to run through the shell during the recording (its output and exit status become events of the run)")
	fs.DurationVar(&cfg.SwitchoverAfter, "switchover-after", 0, "when to run --switchover, from the start of the recording")
	fs.DurationVar(&cfg.UntilRecovered, "until-recovered", 0, "stop once --switchover has ended and every stream has been healthy this long (from the end of the outage, if any)")
	fs.BoolVar(&rf.cleanup, "cleanup", false, "drop the probe table on the write endpoint and exit")
	return rf
}

// check refuses arguments and bad values as usage errors, and gives
// --metrics-linger its default with --until-recovered.
func (rf *recordFlags) check(fs *flagSet, cfg *record.Config) error {
	if fs.NArg() > 0 {
		return fs.usagef("unexpected argument %q (flags only)", fs.Arg(0))
	}
	if cfg.SegmentEvery < 0 {
		return fs.usagef("--segment-every must not be negative, got %v", cfg.SegmentEvery)
	}
	if cfg.MetricsLinger < 0 {
		return fs.usagef("--metrics-linger must not be negative, got %v", cfg.MetricsLinger)
	}
	if !fs.Changed("metrics-linger") && cfg.UntilRecovered > 0 && cfg.MetricsAddr != "" {
		// The recording ends by itself: two scrapes at Prometheus's
		// default 15 s interval see its final state.
		cfg.MetricsLinger = defaultMetricsLinger
	}
	if err := checkVantageFlags(fs, cfg.Vantage, cfg.SwitchoverID); err != nil {
		return err
	}
	return checkProbeFlags(fs, cfg)
}

// skipVerifyOnSecondSignal returns a channel closed by a second Ctrl-C (or
// SIGTERM) after ctx is cancelled by the first: it skips the lost-write
// check. Call recorded once the recording has returned.
func skipVerifyOnSecondSignal(ctx context.Context) (skip <-chan struct{}, recorded func()) {
	sk, done := make(chan struct{}), make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(sigs)
		select {
		case <-sigs:
			close(sk)
		case <-done:
		}
	}()
	return sk, func() { close(done) }
}

// printRecording prints what a recording produced. err is the recording's
// own and is returned as it is; notChecked is the exit error of a run
// whose lost-write check was not done.
func printRecording(stdout io.Writer, cfg *record.Config, res *record.Result, err error) (notChecked, _ error) {
	fmt.Fprintf(stdout, "probes: ok %d, error %d, timeout %d, skipped %d\n",
		res.Counts["ok"], res.Counts["error"], res.Counts["timeout"], res.Counts["skipped"])
	switch res.Stopped {
	case store.StoppedRecovered:
		fmt.Fprintf(stdout, "stopped: recovered (every stream healthy for %v after the outage ended at %s)\n", cfg.UntilRecovered, res.RecoveredAt.Format(time.RFC3339Nano))
	case store.StoppedUnnoticed:
		fmt.Fprintf(stdout, "stopped: recovered without an outage (clients never noticed the switchover; healthy for %v after the command ended)\n", cfg.UntilRecovered)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stdout, "warning:", w)
	}
	later := fmt.Sprintf("\"switchwatch verify --write-dsn DSN %s\" does it later", res.RunDir)
	switch {
	case err != nil:
		return nil, err
	case res.Verify != nil:
		fmt.Fprintf(stdout, "lost-write check: %s\n", res.Verify)
	case res.VerifySkipped:
		fmt.Fprintln(stdout, "lost-write check: skipped")
		return exitError{exitNotChecked, fmt.Errorf("recorded, but the lost-write check was skipped: %s", later)}, nil
	case res.VerifyErr != nil:
		fmt.Fprintln(stdout, "lost-write check: failed")
		return exitError{exitNotChecked, fmt.Errorf("recorded, but the lost-write check failed (%s): %v", later, res.VerifyErr)}, nil
	}
	return nil, nil
}

// checkRecordedRun applies record's --check expressions to the run just
// recorded: one command for a rehearsal that gates a pipeline. The run is
// analyzed as "switchwatch analyze RUN" would (its own context: a Ctrl-C
// that ended the recording must not stop the verdict).
func checkRecordedRun(runDir string, checks []check.Check, cf *checkFlags, stdout, stderr io.Writer) error {
	if len(checks) == 0 {
		return nil
	}
	sum, err := analyze.Analyze(context.Background(), []string{runDir}, analyze.Options{})
	if err != nil {
		return fmt.Errorf("analyze the run for --check: %w", err)
	}
	results, err := check.Evaluate(sum, checks)
	if err != nil {
		return fmt.Errorf("--check: %w", err)
	}
	return cf.finish(results, stdout, stderr)
}

// exitNotChecked is the exit status of a recording whose lost-write check
// was not done (skipped, or it failed): the run is complete, the verdicts
// are not. 1 is a recording that failed, 2 a usage error.
const exitNotChecked = 3

// exitError is an error with its own exit status (see main).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }
func (e exitError) ExitCode() int { return e.code }

// defaultMetricsLinger is --metrics-linger with --until-recovered.
const defaultMetricsLinger = 30 * time.Second
