package report

import (
	"fmt"
	"math"
	"os"
	"sort"
	"sync"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record/store"
)

// probeState is the state the analyzer gives a probe, slow and stall being
// the stream's thresholds: the pictures colour probes exactly as the
// analyzer classified them.
func probeState(p *store.Probe, slow, stall int64) analyze.State {
	return analyze.Classify(p, slow, stall)
}

// probe is what the per-run pictures need of one probe row.
type probe struct {
	stream   int // index in RunResult.Streams, -1 when unknown
	seq      int64
	intended int64
	latency  int64 // 0: none (skipped)
	state    analyze.State
}

// runProbes are the probes of a run inside the window its pictures show,
// read once (the timeline and the latency picture may be drawn at once).
type runProbes struct {
	once   sync.Once
	probes []probe
	err    error
}

// windowProbes reads (once) the run's probes with intended start in the
// window of its pictures, sorted by stream and Seq.
func (r *RunView) windowProbes() ([]probe, error) {
	r.probes.once.Do(func() {
		_, from, to, _ := runWindow(r)
		r.probes.probes, r.probes.err = loadProbes(r, from, to)
	})
	return r.probes.probes, r.probes.err
}

// probeColumns are what loadProbes uses of a row: its run and stream,
// its slot, and what its state is classified from. The others are not
// decoded.
var probeColumns = []string{
	store.ColRunID, store.ColKind, store.ColConn, store.ColProfile, store.ColEndpoint,
	store.ColSeq, store.ColIntended, store.ColOutcome, store.ColErrorClass, store.ColLatency,
}

// loadProbes reads the probes of a run in [from, to) (intended start).
func loadProbes(r *RunView, from, to int64) ([]probe, error) {
	index := map[string]int{}
	for i, s := range r.Streams {
		index[s.Stream] = i
	}
	var out []probe
	fn := func(p *store.Probe) error {
		if p.RunID != r.RunID || p.Intended < from || p.Intended >= to {
			return nil
		}
		si, ok := index[p.Stream()]
		slow, stall := int64(math.MaxInt64), int64(math.MaxInt64)
		if ok {
			slow, stall = r.Streams[si].SlowThresholdNS, r.Streams[si].StallThresholdNS
		} else {
			si = -1
		}
		x := probe{stream: si, seq: p.Seq, intended: p.Intended, state: probeState(p, slow, stall)}
		if p.Outcome != store.OutcomeSkipped && p.LatencyNS > 0 {
			x.latency = p.LatencyNS
		}
		out = append(out, x)
		return nil
	}
	st, err := os.Stat(r.Path)
	if err != nil {
		return nil, fmt.Errorf("read the probes of run %s: %w", r.RunID, err)
	}
	if st.IsDir() {
		// Unreadable segments were reported by the analysis already.
		err = store.ReadRunColumns(r.Path, probeColumns, fn, func(store.SkippedFile) {})
	} else {
		err = store.ReadSegmentColumns(r.Path, probeColumns, fn)
	}
	if err != nil {
		return nil, fmt.Errorf("read the probes of run %s in %s: %w", r.RunID, r.Path, err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].stream != out[j].stream {
			return out[i].stream < out[j].stream
		}
		if out[i].seq != out[j].seq {
			return out[i].seq < out[j].seq
		}
		return out[i].intended < out[j].intended
	})
	return out, nil
}

// laneRects turns the probes of one stream into the marks of its lane:
// consecutive probes in one state (and consecutive Seqs) make one
// rectangle from the first one's intended start to one interval after the
// last one's, so a missing row leaves a gap.
func laneRects(probes []probe, stream int, interval int64, t0 int64, y float64) []Rect {
	var out []Rect
	var cur *Rect
	var lastSeq int64
	for i := range probes {
		p := &probes[i]
		if p.stream != stream {
			continue
		}
		x0, x1 := secs(p.intended, t0), secs(p.intended+interval, t0)
		if cur != nil && p.seq == lastSeq+1 && cur.State == p.state && x0 <= cur.X1+1e-9 {
			cur.X1 = x1
			lastSeq = p.seq
			continue
		}
		out = append(out, Rect{X0: x0, X1: x1, Y0: y - 0.32, Y1: y + 0.32, Color: StateColor(p.state), State: p.state})
		cur = &out[len(out)-1]
		lastSeq = p.seq
	}
	return out
}
