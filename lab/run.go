package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/switchwatch/switchwatch/internal/otelapp"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// Read probe routes: through the write endpoint (as an application with
// one DSN reads) or through the read endpoint.
const (
	ReadViaWrite = "write"
	ReadViaRead  = "read"
)

// RunOptions say what "switchwatch lab run" does.
type RunOptions struct {
	Scenario *Scenario
	Runs     int    // default 1
	Out      string // runs go to Out/run=<id>/
	Labels   map[string]string
	// Record holds the probe settings (interval, timeouts, kinds, modes,
	// client profiles, ...). The lab sets the DSNs, Out, RunID, Labels and Duration itself,
	// and runs the lost-write check itself (after the tail) unless
	// Record.NoVerify.
	Record  record.Config
	ReadVia string // ReadViaWrite (default) or ReadViaRead
	// KeepLogs copies the servers' and PgBouncer's logs into each run's
	// folder, in LogsDir (see Rig.CopyLogs), before the rig is torn down:
	// a run carries its own evidence, read with "--events".
	KeepLogs bool
	Rig      RigOptions
	// App, when set, runs the instrumented application (package
	// internal/otelapp) against the write endpoint beside the recorder,
	// from the lead-in's start to the tail's end, and stores its traces
	// (TracesFile) and its ground truth (AppFile) in the run folder. The
	// lab sets its DSN, DNS server and OTLP endpoint; quiet windows count
	// from the lead-in's start.
	App *otelapp.Config
	// Progress receives a progress bar across runs (nil: none); Log a line
	// per run and the rig's whereabouts with Keep (nil: none).
	Progress io.Writer
	Log      io.Writer
	// Vantages, with N over 1, records each switchover from that many
	// vantages, each recorder into its own run folder with the same
	// switchover id (vantage.go); zero: one recorder, no vantage.
	Vantages VantageOptions
}

// RunResult is one lab run, or one vantage's recording of it.
type RunResult struct {
	RunID  string
	RunDir string
	// Vantage and SwitchoverID are the recording's run.json vantage and
	// switchover_id with RunOptions.Vantages, else empty.
	Vantage      string
	SwitchoverID string
	Counts       map[string]int64
	Verify       *store.Verify // nil when not checked
}

// Run does opts.Runs runs of the scenario, each on a fresh rig: build the
// rig, start the recorder against the endpoints, lead-in, scenario, tail,
// stop the recorder, lost-write check, tear the rig down. It stops at the
// first failing run. Cancelling ctx stops the current run and tears its rig
// down; what was recorded so far stays in its run folder.
func Run(ctx context.Context, opts RunOptions) ([]RunResult, error) {
	if opts.Scenario == nil {
		return nil, errors.New("lab run: no scenario")
	}
	if opts.Out == "" {
		return nil, errors.New("lab run: --out is empty: say where the run folders go")
	}
	if opts.Runs <= 0 {
		opts.Runs = 1
	}
	if opts.ReadVia == "" {
		opts.ReadVia = ReadViaWrite
	}
	if opts.ReadVia != ReadViaWrite && opts.ReadVia != ReadViaRead {
		return nil, fmt.Errorf("lab run: read probes via %q: want write or read", opts.ReadVia)
	}
	if err := opts.Record.CheckProfiles(); err != nil {
		return nil, fmt.Errorf("lab run: %w", err)
	}
	if err := opts.Vantages.Check(opts.Scenario.RigFor(opts.Rig).Kind()); err != nil {
		return nil, fmt.Errorf("lab run: %w", err)
	}
	labels, err := mergeLabels(opts.Scenario.Labels(), opts.Labels)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, fmt.Errorf("create --out %s: %w", opts.Out, err)
	}
	var bar *progressbar.ProgressBar
	if opts.Progress != nil {
		bar = progressbar.NewOptions(opts.Runs,
			progressbar.OptionSetWriter(opts.Progress),
			progressbar.OptionSetDescription("lab "+opts.Scenario.Name),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
	}
	var results []RunResult
	for i := 0; i < opts.Runs; i++ {
		if bar != nil {
			bar.Describe(fmt.Sprintf("lab %s, run %d of %d", opts.Scenario.Name, i+1, opts.Runs))
			bar.RenderBlank()
		}
		res, err := runOnce(ctx, opts, labels)
		if bar != nil {
			bar.Clear() // so the run's line does not land inside the bar
		}
		results = append(results, res...)
		if opts.Log != nil {
			for _, r := range res {
				logRun(opts.Log, i+1, opts.Runs, &r)
			}
		}
		if err != nil {
			if len(res) > 0 {
				return results, fmt.Errorf("lab run %d of %d (%s): %w", i+1, opts.Runs, res[0].RunDir, err)
			}
			return results, fmt.Errorf("lab run %d of %d: %w", i+1, opts.Runs, err)
		}
		if bar != nil {
			bar.Add(1)
		}
	}
	return results, nil
}

func logRun(w io.Writer, i, n int, r *RunResult) {
	vantage := ""
	if r.Vantage != "" {
		vantage = " (vantage " + r.Vantage + ")"
	}
	fmt.Fprintf(w, "run %d/%d %s%s: ok %d, error %d, timeout %d, skipped %d", i, n, r.RunDir, vantage,
		r.Counts[store.OutcomeOK], r.Counts[store.OutcomeError], r.Counts[store.OutcomeTimeout], r.Counts[store.OutcomeSkipped])
	if v := r.Verify; v != nil {
		fmt.Fprintf(w, "; lost writes %d, committed although failed %d", v.AcknowledgedMissing, v.FailedPresent)
	}
	fmt.Fprintln(w)
}

// mergeLabels adds the user's labels to the scenario's; a user label may
// not contradict one the scenario sets.
func mergeLabels(scenario, user map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range scenario {
		out[k] = v
	}
	for k, v := range user {
		if sv, ok := scenario[k]; ok && sv != v {
			return nil, fmt.Errorf("--label %s=%s contradicts the scenario's own label %s=%s (set scenario parameters with --set)", k, v, k, sv)
		}
		out[k] = v
	}
	return out, nil
}

// runOnce does one run on a fresh rig and returns one result per vantage
// (one without vantages), the first the direct one.
func runOnce(ctx context.Context, opts RunOptions, labels map[string]string) (res []RunResult, err error) {
	rig, err := NewRig(ctx, opts.Scenario.RigFor(opts.Rig))
	if err != nil {
		return nil, fmt.Errorf("build the rig: %w", err)
	}
	defer func() {
		for i := range res {
			if !opts.KeepLogs {
				break
			}
			if _, cerr := rig.CopyLogs(filepath.Join(res[i].RunDir, LogsDir)); cerr != nil && err == nil {
				err = fmt.Errorf("keep the logs: %w", cerr)
			}
		}
		if opts.Rig.Keep && opts.Log != nil {
			fmt.Fprintf(opts.Log, "kept the rig's directories in %s\n", rig.Dir)
		}
		if cerr := rig.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("tear the rig down: %w", cerr)
		}
	}()

	cfg, verify := recordConfig(opts, rig, labels)
	vs, err := buildVantages(rig, opts, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, v := range vs {
			if cerr := v.close(); cerr != nil && err == nil {
				err = fmt.Errorf("vantage %s: %w", v.name, cerr)
			}
		}
	}()
	for _, v := range vs {
		res = append(res, RunResult{RunID: v.cfg.RunID, RunDir: filepath.Join(opts.Out, store.RunDirName(v.cfg.RunID)),
			Vantage: v.cfg.Vantage, SwitchoverID: v.cfg.SwitchoverID})
	}
	recs := make([]*recorder, len(vs))
	defer func() {
		for i, rec := range recs {
			if rec == nil {
				continue
			}
			rec.stop()
			if rec.res != nil && i < len(res) {
				res[i].Counts = rec.res.Counts
			}
			if errors.Is(err, errRecorderStopped) && rec.err != nil {
				err = fmt.Errorf("record: %w", rec.err)
				if len(vs) > 1 {
					err = fmt.Errorf("record (vantage %s): %w", vs[i].name, rec.err)
				}
			}
		}
	}()
	if err := startRecorders(ctx, vs, recs, res); err != nil {
		return nil, err // nothing recorded yet
	}
	recDone := anyDone(recs)
	logs, err := createEventLogs(res)
	defer func() {
		// A caching vantage's refreshes go in last, whether the run
		// ended well or not: on success the recorders have stopped, and
		// with them the lookups.
		for i, l := range logs {
			if cerr := errors.Join(vs[i].logRefreshes(l), l.Close()); cerr != nil && err == nil {
				err = cerr
			}
		}
	}()
	if err != nil {
		return res, err
	}
	if err := playRun(ctx, opts, rig, vs, logs, recDone); err != nil {
		return res, err
	}
	for i, rec := range recs {
		rec.stop()
		if rec.err != nil && len(recs) > 1 {
			return res, fmt.Errorf("record (vantage %s): %w", vs[i].name, rec.err)
		}
		if rec.err != nil {
			return res, fmt.Errorf("record: %w", rec.err)
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if verify && (len(cfg.Kinds) == 0 || slices.Contains(cfg.Kinds, store.KindWrite)) {
		return res, verifyAll(ctx, cfg, res)
	}
	return res, nil
}

// verifyAll runs the lost-write check of every vantage's run. Their
// writes went to the one database: each is checked there directly
// (cfg, the direct vantage's), not through its own, possibly stale, path.
func verifyAll(ctx context.Context, cfg record.Config, res []RunResult) error {
	for i := range res {
		v, err := record.VerifyVia(ctx, res[i].RunDir, cfg.WriteDSN, cfg.Table, cfg.DNSServer)
		if err != nil {
			if len(res) > 1 {
				return fmt.Errorf("lost-write check of %s: %w", res[i].RunDir, err)
			}
			return fmt.Errorf("lost-write check: %w", err)
		}
		res[i].Verify = v
	}
	return nil
}

// createEventLogs creates each run's events file; on error it returns
// those it created, to be closed.
func createEventLogs(res []RunResult) (multiSink, error) {
	logs := make(multiSink, 0, len(res))
	for _, r := range res {
		l, err := store.CreateEventLog(filepath.Join(r.RunDir, store.EventsFile))
		if err != nil {
			return logs, err
		}
		logs = append(logs, l)
	}
	return logs, nil
}

// startRecorders starts one recorder per vantage and returns once each
// has written its run.json, from when the lead-in counts. The first
// (direct) goes alone until the probe table is there, which it creates.
func startRecorders(ctx context.Context, vs []*vantage, recs []*recorder, res []RunResult) error {
	for i, v := range vs {
		recs[i] = startRecorder(ctx, v.cfg)
		if i > 0 {
			continue
		}
		// The recorder writes run.json once it has checked the endpoints
		// and is about to probe.
		if err := waitForFile(ctx, filepath.Join(res[0].RunDir, store.RunInfoFile), recs[0].done); err != nil {
			return err
		}
		if len(vs) > 1 && (len(v.cfg.Kinds) == 0 || slices.Contains(v.cfg.Kinds, store.KindWrite)) {
			if err := waitProbeTable(ctx, v.cfg, recs[0].done); err != nil {
				return err
			}
		}
	}
	for i := 1; i < len(vs); i++ {
		if err := waitForFile(ctx, filepath.Join(res[i].RunDir, store.RunInfoFile), recs[i].done); err != nil {
			return err
		}
	}
	return nil
}

// playRun is the run's timeline while the recorders probe: the
// application (on the direct vantage's path), the lead-in, the scenario,
// the wait for a caching vantage's refresh, the tail.
func playRun(ctx context.Context, opts RunOptions, rig *Rig, vs []*vantage, sink multiSink, recDone <-chan struct{}) (err error) {
	cfg := vs[0].cfg
	stopApp := func() error { return nil }
	if opts.App != nil {
		app, aerr := startApp(ctx, *opts.App, filepath.Join(opts.Out, store.RunDirName(cfg.RunID)), cfg.WriteDSN, cfg.DNSServer)
		if aerr != nil {
			return aerr
		}
		defer func() {
			if aerr := app.stop(); aerr != nil && err == nil {
				err = aerr
			}
		}()
		stopApp = app.stop
	}
	probeCfg := cfg
	probeCfg.Defaults()
	off := gridOffset(probeCfg.Interval, rand.Float64)
	if err := sleepOrDone(ctx, opts.Scenario.LeadIn+off, recDone); err != nil {
		return err
	}
	if err := runScenario(ctx, rig, opts.Scenario, sink, map[string]string{AttrLeadInOffset: off.String()}); err != nil {
		return err
	}
	if err := waitCacheRefresh(ctx, rig, vs, recDone, opts.Vantages.withDefaults().DNSCache); err != nil {
		return err
	}
	if err := sleepOrDone(ctx, opts.Scenario.Tail, recDone); err != nil {
		return err
	}
	return stopApp()
}

// recordConfig is the recorder's Config for one run on rig: opts.Record
// aimed at the rig's endpoints, with a new run id, recording until stopped
// and without the lost-write check, which runOnce does itself once the
// tail is over (verify says whether to).
func recordConfig(opts RunOptions, rig *Rig, labels map[string]string) (cfg record.Config, verify bool) {
	cfg = opts.Record
	cfg.WriteDSN = rig.WriteDSN()
	cfg.ReadDSN = cfg.WriteDSN
	if opts.ReadVia == ReadViaRead {
		cfg.ReadDSN = rig.ReadDSN()
	}
	if rig.DNS != nil {
		cfg.DNSServer = rig.DNS.Addr()
	}
	cfg.Out = opts.Out
	cfg.RunID, cfg.NewRunID = record.NewRunID(time.Now()), true
	cfg.Labels = labels
	cfg.Duration = 0
	verify = !cfg.NoVerify
	cfg.NoVerify = true
	cfg.Status = nil
	if cfg.Table == "" {
		cfg.Table = record.DefaultTable
	}
	return cfg, verify
}

// AttrLeadInOffset is the scenario event's attribute that holds the part of
// an interval the lab waited beyond the scenario's lead-in (gridOffset).
const AttrLeadInOffset = "lead_in_offset"

// gridOffset is a random fraction of the probe interval, in [0, interval),
// that the lab waits beyond the lead-in before the first step. The lead-in
// is a whole number of intervals after the recorder's start, so without it
// every first step lands on a probe slot and the changes it causes sit at
// the same place between two probes run after run: the boundary estimates
// (midpoints between the last probe of the old state and the first of the
// new) would all err the same way instead of averaging out, and a
// measurement of their bias would measure the lab instead. rnd returns a
// number in [0, 1).
func gridOffset(interval time.Duration, rnd func() float64) time.Duration {
	if interval <= 0 {
		return 0
	}
	return min(time.Duration(rnd()*float64(interval)), interval-1)
}

// recorder is record.Run in its own goroutine.
type recorder struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when record.Run has returned
	res    *record.Result
	err    error
}

func startRecorder(ctx context.Context, cfg record.Config) *recorder {
	ctx, cancel := context.WithCancel(ctx)
	r := &recorder{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.res, r.err = record.Run(ctx, cfg)
	}()
	return r
}

// stop ends the recording and waits for it: probes in flight end within
// their own timeouts. res and err are valid after it.
func (r *recorder) stop() {
	r.cancel()
	<-r.done
}

// errRecorderStopped is returned when the recorder ends before the lab
// asked it to.
var errRecorderStopped = errors.New("the recorder stopped before the lab asked it to")

// waitForFile waits until path exists, ctx ends or the recorder stops.
func waitForFile(ctx context.Context, path string, recDone <-chan struct{}) error {
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-recDone:
			return errRecorderStopped
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// sleepOrDone sleeps for d unless ctx ends or the recorder stops.
func sleepOrDone(ctx context.Context, d time.Duration, recDone <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-recDone:
		return errRecorderStopped
	case <-t.C:
		return nil
	}
}
