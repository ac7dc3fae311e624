package record

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// closeTimeout bounds the polite Terminate sent when a new-connection probe
// hangs up; it runs after the probe's end time is taken.
const closeTimeout = time.Second

// probeFunc is a probe kind: one statement on a ready connection, filling in
// the probe's server identity and kind-specific columns.
type probeFunc func(ctx context.Context, q querier, env *probeEnv, p *store.Probe) error

// probeEnv is what a stream's probe kind needs besides the connection.
type probeEnv struct {
	sql         string
	readRefConn string // read probes: the write stream whose newest key they look for
}

// stream is one kind × client profile on its own grid; conn is the
// profile's connection mode.
type stream struct {
	kind, conn, profile, endpoint string
	run                           probeFunc
	ep                            *endpoint
	envs                          map[prep]*probeEnv // by what the endpoint was found to be
	src                           connSource
	sem                           chan struct{} // in-flight bound
	stats                         *streamStats
	// the profile's timeouts
	connectTimeout, queryTimeout time.Duration
}

func (s *stream) name() string { return s.kind + "/" + s.profile + "/" + s.endpoint }

// clock turns monotonic readings into wall-clock nanoseconds: one wall
// reading at the start of the run plus the monotonic time since, so a
// wall-clock step during a run shifts nothing.
type clock struct {
	t0    time.Time
	wall0 int64
}

func newClock() clock {
	t0 := time.Now()
	return clock{t0: t0, wall0: t0.UnixNano()}
}

func (c clock) ns(t time.Time) int64 { return c.wall0 + int64(t.Sub(c.t0)) }

// scheduler owns time, timeouts (each stream's profile's) and concurrency
// for every stream of a run.
type scheduler struct {
	runID    string
	interval time.Duration
	clock    clock
	sc       *scrubber
	rows     chan<- store.Probe
	display  *statusDisplay // nil: no live status
	metrics  *metrics       // nil: no --metrics-addr
	recovery *recoveryWatch // nil: no --until-recovered
	inflight sync.WaitGroup
}

// schedule runs one stream's grid from t0 until the stop context ends or
// until passes (zero: no end). Slot k is meant to start at t0 + k·interval;
// the loop sleeps to each slot, never to "interval after the last probe",
// so a hanging probe cannot thin the samples. When the in-flight bound is
// hit the slot is recorded as skipped.
func (sch *scheduler) schedule(stop context.Context, s *stream, t0, until time.Time) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for seq := int64(0); ; seq++ {
		intended := t0.Add(time.Duration(seq) * sch.interval)
		if !until.IsZero() && !intended.Before(until) {
			return
		}
		if d := time.Until(intended); d > 0 {
			timer.Reset(d)
			select {
			case <-stop.Done():
				if !timer.Stop() {
					<-timer.C
				}
				return
			case <-timer.C:
			}
		} else if stop.Err() != nil {
			return
		}
		select {
		case s.sem <- struct{}{}:
			sch.inflight.Add(1)
			go func(seq int64) {
				defer sch.inflight.Done()
				defer func() { <-s.sem }()
				sch.probe(s, seq, intended)
			}(seq)
		default:
			sch.emit(s, store.Probe{
				RunID: sch.runID, Kind: s.kind, Conn: s.conn, Profile: s.profile, Endpoint: s.endpoint, Seq: seq,
				Intended: sch.clock.ns(intended), Outcome: store.OutcomeSkipped, ErrorClass: store.ClassInflightLimit,
			})
		}
	}
}

// probe runs one probe: get a connection under the connect timeout, run the
// kind's statement under the query timeout, classify, emit.
func (sch *scheduler) probe(s *stream, seq int64, intended time.Time) {
	p := store.Probe{
		RunID: sch.runID, Kind: s.kind, Conn: s.conn, Profile: s.profile, Endpoint: s.endpoint, Seq: seq,
		Intended: sch.clock.ns(intended),
	}
	start := time.Now()
	p.Start = sch.clock.ns(start)

	cctx, cancel := context.WithTimeout(context.Background(), s.connectTimeout)
	q, release, ci, err := s.src.acquire(cctx)
	cancel()
	p.ResolvedAddrs, p.DialedAddr = ci.resolved, ci.dialed
	if !ci.established.IsZero() {
		p.ConnEstablished = sch.clock.ns(ci.established)
	}
	ph := phaseConnect
	if err == nil {
		p.ConnectDone = sch.clock.ns(time.Now())
		ph = phaseQuery
		qctx, cancel := context.WithTimeout(context.Background(), s.queryTimeout)
		var st prep
		if st, err = s.ep.ensure(qctx, q); err == nil {
			if err = s.run(qctx, q, s.envs[st], &p); err == nil {
				// The answer carrying the identity has been read.
				p.Observed = sch.clock.ns(time.Now())
			}
		}
		cancel()
	}
	end := time.Now()
	p.End = sch.clock.ns(end)
	p.LatencyNS = int64(end.Sub(start))
	if err != nil {
		p.Outcome, p.ErrorClass, p.SQLState = classify(err, ph)
		p.Error = boundedError(sch.sc, errors.New(causeLines(err)))
	} else {
		p.Outcome = store.OutcomeOK
	}
	sch.emit(s, p)
	if release != nil {
		release(err)
	}
}

func (sch *scheduler) emit(s *stream, p store.Probe) {
	sch.display.note(s.stats.add(&p))
	sch.metrics.observe(s, &p)
	sch.recovery.observe(s, &p)
	sch.rows <- p
}
