package record

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// Result is what a finished recording produced.
type Result struct {
	RunID  string
	RunDir string
	Counts map[string]int64 // probes by outcome
	Verify *store.Verify    // nil when the check was off or failed (see VerifyErr)
	// VerifyErr is why the lost-write check failed, if it did. The run's
	// probes are complete regardless.
	VerifyErr error
	// VerifySkipped: the check was skipped on request (Config.SkipVerify);
	// "switchwatch verify" does it later.
	VerifySkipped bool
	// Stopped says why the recording ended (store.Stopped*, as in
	// run.json); RecoveredAt, with --until-recovered, is the end of the
	// outage (or of the command, when clients never noticed it).
	Stopped     string
	RecoveredAt time.Time
	// Warnings are what the recording has to say about its own numbers
	// (most slots skipped); run.json keeps them too.
	Warnings []string
}

// Run records until cfg.Duration has passed or ctx is cancelled, then lets
// the probes in flight finish (each within its own timeouts), closes the
// files and, unless cfg.NoVerify, runs the lost-write check. Cancelling ctx
// is the normal way to end an open-ended recording and is not an error.
//
// Run is three parts: the plan (newPlan: Config to clients and streams),
// the sink (rows to segments, sink.go) and the lifecycle below (start,
// the hands-free switchover and --until-recovered, stop, run.json, the
// lost-write check).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	p, err := newPlan(ctx, cfg)
	if err != nil {
		return nil, err
	}
	r, err := p.open()
	if err != nil {
		return nil, err
	}
	defer r.met.close()
	defer r.closeStreams()
	return r.record(ctx)
}

// recording is a planned recording whose run folder, streams and metrics
// are open.
type recording struct {
	*plan
	start     time.Time
	host      string
	info      *store.RunInfo
	w         *store.Writer
	streams   []*stream
	met       *metrics
	closeOnce sync.Once
}

// open starts the metrics listener, creates the run folder and opens the
// streams' connection sources.
func (p *plan) open() (*recording, error) {
	mln, err := listenMetrics(p.cfg.MetricsAddr)
	if err != nil {
		return nil, err
	}
	r := &recording{plan: p, start: time.Now()}
	r.host, _ = os.Hostname()
	r.info = p.runInfo(r.host, r.start)
	r.w, err = store.CreateRun(p.cfg.Out, r.info, store.WriterOptions{OnSegment: p.cfg.OnSegment, SegmentEvery: p.cfg.SegmentEvery})
	if err != nil {
		if mln != nil {
			mln.Close()
		}
		err = fmt.Errorf("create run in --out %s: %w", p.cfg.Out, err)
		if errors.Is(err, store.ErrRunExists) {
			return nil, configError{err} // --run-id names a run that exists
		}
		return nil, err
	}
	if ps := p.profileSettings(); ps != nil {
		r.info.Settings["profiles"] = ps
	}
	r.streams, err = buildStreams(&p.cfg, p.clients, p.table, p.hasWrites)
	if err != nil {
		r.w.Close()
		if mln != nil {
			mln.Close()
		}
		return nil, err
	}
	r.met = startMetrics(mln, r.streams, metricsRun{id: p.cfg.RunID, version: store.Version(), host: r.host, labels: r.info.Labels})
	return r, nil
}

// closeStreams closes the streams' connections and pools, once.
func (r *recording) closeStreams() {
	r.closeOnce.Do(func() {
		for _, s := range r.streams {
			s.src.close()
		}
	})
}

// record runs the streams until the end of the recording, stops them, and
// finishes the run.
func (r *recording) record(ctx context.Context) (*Result, error) {
	cfg := &r.cfg
	stop, cancelStop := context.WithCancel(ctx)
	defer cancelStop()
	sk := newSink(r.w, cancelStop)
	sch := &scheduler{
		runID: cfg.RunID, interval: cfg.Interval, clock: newClock(), sc: r.sc, rows: sk.rows, metrics: r.met,
	}
	t0 := sch.clock.t0.Add(cfg.Interval) // the first slot, a step after start
	var until time.Time
	if cfg.Duration > 0 {
		until = t0.Add(cfg.Duration)
	}
	stopDisplay := r.startDisplay(sch)

	hands, eventsErr := startHandsFree(ctx, cfg, r.w.Dir(), sch, r.streams, cancelStop)
	if eventsErr != nil {
		cancelStop()
	}
	var schedulers sync.WaitGroup
	for _, s := range r.streams {
		schedulers.Add(1)
		go func(s *stream) { defer schedulers.Done(); sch.schedule(stop, s, t0, until) }(s)
	}
	hands.start(t0)
	schedulers.Wait()
	stopped := hands.finish()
	sch.inflight.Wait() // every probe ends within its connect and query timeouts
	// The pools go before the lost-write check: through a pooler in session
	// mode they may hold every server connection the check needs.
	r.closeStreams()
	sk.drain()
	stopDisplay()

	writeErr := sk.close()
	if eventsErr != nil && writeErr == nil {
		writeErr = eventsErr // the events file could not be opened
	}
	res := &Result{RunID: cfg.RunID, RunDir: r.w.Dir(), Counts: r.w.Counts(), Stopped: stopped}
	res.RecoveredAt = hands.recoveredAt()
	return r.finish(ctx, res, writeErr)
}

// startDisplay starts the live status on cfg.Status, if any; the function
// it returns stops it and waits until it has drawn its last.
func (r *recording) startDisplay(sch *scheduler) (stop func()) {
	if r.cfg.Status == nil {
		return func() {}
	}
	d := &statusDisplay{w: r.cfg.Status, tty: r.cfg.StatusTTY, every: r.cfg.StatusEvery, start: r.start}
	for _, s := range r.streams {
		d.streams = append(d.streams, s.stats)
	}
	sch.display = d
	quit, done := make(chan struct{}), make(chan struct{})
	go func() { defer close(done); d.loop(quit) }()
	return func() { close(quit); <-done }
}

// finish completes run.json (end, counts, why it stopped, warnings), runs
// the lost-write check unless told not to, and keeps the final metrics up
// for --metrics-linger.
func (r *recording) finish(ctx context.Context, res *Result, writeErr error) (*Result, error) {
	cfg, info := &r.cfg, r.info
	end := time.Now().UTC()
	info.End = &end
	info.Probes = res.Counts
	info.Stopped = res.Stopped
	if wm := skippedWarning(res.Counts, cfg.Interval, cfg.MaxInflight); wm != "" {
		res.Warnings = append(res.Warnings, wm)
		info.Warnings = append(info.Warnings, wm)
		if cfg.Status != nil {
			fmt.Fprintf(cfg.Status, "switchwatch: warning: %s\n", wm)
		}
	}
	if err := store.WriteRunInfo(r.w.Dir(), info); err != nil && writeErr == nil {
		writeErr = err
	}
	if writeErr != nil {
		return res, fmt.Errorf("recording stopped: %w", writeErr)
	}
	if !cfg.NoVerify && r.hasWrites {
		res.VerifySkipped = runVerify(ctx, cfg, res, info)
	}
	if r.met != nil && cfg.MetricsLinger > 0 && cfg.Status != nil {
		fmt.Fprintf(cfg.Status, "switchwatch: the final metrics stay up on %s for %v (--metrics-linger; Ctrl-C ends it)\n", cfg.MetricsAddr, cfg.MetricsLinger)
	}
	r.met.linger(ctx, cfg.MetricsLinger)
	return res, nil
}

// runVerify runs the lost-write check at the end of a recording, saying so
// on the status writer, and reports whether it was skipped. Closing
// cfg.SkipVerify skips it (or stops it); so does cancelling ctx when the
// recording ended by itself (--duration), since that cancel then comes
// during the check. A check that was not done is written into run.json.
func runVerify(ctx context.Context, cfg *Config, res *Result, info *store.RunInfo) (skipped bool) {
	if cfg.Status != nil {
		fmt.Fprintf(cfg.Status, "switchwatch: checking for lost writes on the write endpoint (at most %v; Ctrl-C again to skip it)\n", VerifyMax)
	}
	vctx, cancel := context.WithTimeout(context.Background(), VerifyMax)
	defer cancel()
	var interrupt <-chan struct{}
	if ctx.Err() == nil {
		interrupt = ctx.Done()
	}
	var skip atomic.Bool
	go func() {
		select {
		case <-cfg.SkipVerify:
		case <-interrupt:
		case <-vctx.Done():
			return
		}
		skip.Store(true)
		cancel()
	}()
	res.Verify, res.VerifyErr = VerifyVia(vctx, res.RunDir, cfg.WriteDSN, cfg.Table, cfg.DNSServer)
	cancel()
	if res.Verify != nil {
		return false
	}
	info.Verify = store.VerifyFailed
	if skip.Load() {
		info.Verify, res.VerifyErr = store.VerifySkipped, nil
	}
	if err := store.WriteRunInfo(res.RunDir, info); err != nil && res.VerifyErr == nil {
		res.VerifyErr = err
	}
	return skip.Load()
}
