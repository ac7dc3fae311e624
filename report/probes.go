package report

import (
	"fmt"
	"os"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record/store"
)

// unavailableClasses are the error classes the analyzer counts as
// unavailable (see analyze's classify); the latency picture colours probes
// the way the analyzer classified them.
var unavailableClasses = map[string]bool{
	store.ClassConnectTimeout: true, store.ClassQueryTimeout: true, store.ClassRefused: true, store.ClassReset: true,
	store.ClassDNS: true, store.ClassShutdown: true, store.ClassTooManyConnections: true, store.ClassInflightLimit: true,
}

// probeState is the state the analyzer gives a probe, slow being the
// stream's slow threshold.
func probeState(p *store.Probe, slow int64) analyze.State {
	switch p.Outcome {
	case store.OutcomeOK:
		if p.LatencyNS > slow {
			return analyze.StateSlow
		}
		return analyze.StateOK
	case store.OutcomeSkipped:
		return analyze.StateSkipped
	case store.OutcomeError, store.OutcomeTimeout:
		switch {
		case p.ErrorClass == store.ClassReadOnly:
			return analyze.StateReadOnly
		case unavailableClasses[p.ErrorClass], p.ErrorClass == "" && p.Outcome == store.OutcomeTimeout:
			return analyze.StateUnavailable
		}
	}
	return analyze.StateError
}

// loadLatency reads the probes of a run in [from, to) (intended start)
// that have a latency, as points in seconds since t0 and milliseconds.
func loadLatency(r *RunView, t0, from, to int64) ([]latencyPoint, error) {
	slow := map[string]int64{}
	for _, s := range r.Streams {
		slow[s.Stream] = s.SlowThresholdNS
	}
	var pts []latencyPoint
	fn := func(p *store.Probe) error {
		if p.RunID != r.RunID || p.Intended < from || p.Intended >= to || p.LatencyNS <= 0 || p.Outcome == store.OutcomeSkipped {
			return nil
		}
		th, ok := slow[p.Stream()]
		if !ok {
			th = 1<<63 - 1
		}
		pts = append(pts, latencyPoint{x: secs(p.Intended, t0), ms: float64(p.LatencyNS) / 1e6, state: probeState(p, th)})
		return nil
	}
	st, err := os.Stat(r.Path)
	if err != nil {
		return nil, fmt.Errorf("read the probes of run %s: %w", r.RunID, err)
	}
	if st.IsDir() {
		var skipped []string
		err = store.ReadRun(r.Path, fn, func(s store.SkippedFile) { skipped = append(skipped, s.Path) })
		_ = skipped // the analysis already reported them
	} else {
		err = store.ReadSegment(r.Path, fn)
	}
	if err != nil {
		return nil, fmt.Errorf("read the probes of run %s in %s: %w", r.RunID, r.Path, err)
	}
	return pts, nil
}
