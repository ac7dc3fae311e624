package record

import (
	"slices"
	"sync"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// The recorder's live stall threshold follows the analyzer's default rule
// (store.StallFactor, store.StallFloor), with the steady median taken over
// the stream's first steadyProbes successful probes.
const (
	liveStallFactor = store.StallFactor
	liveStallFloor  = int64(store.StallFloor)
	liveStallCeil   = int64(store.StallCeiling)
	steadyProbes    = 20
)

// recoveryWatch decides when --until-recovered ends a recording: once the
// --switchover command (if any) has ended and every stream has then been
// healthy (its probes succeeded below the stall threshold: ok or slow, not
// stalled, failed or skipped) for need, counted from the end of the outage
// if there was one. Without a command it waits for an outage first: a
// recording started ahead of a switchover run by hand does not end before
// it. Probes are taken in each stream's slot order, so a probe still in
// flight holds the count until it ends.
type recoveryWatch struct {
	need       time.Duration
	hasCommand bool
	fire       func() // called once, when recovered

	mu       sync.Mutex
	streams  map[*stream]*streamHealth
	cmdStart int64 // recorder clock ns; 0: not started
	cmdEnd   int64 // 0: not ended
	outage   bool  // a probe failed or stalled (after the command started, with one)
	fired    bool
	from     int64 // when fired: the end of the outage, or of the command
}

// streamHealth is one stream's probes in slot order.
type streamHealth struct {
	next      int64          // the next slot in order
	pending   map[int64]slot // slots that ended ahead of an earlier one
	goodSince int64          // intended start of the first healthy slot after the last unhealthy one; 0: none
	last      int64          // intended start of the last slot taken in order
	steady    []int64        // latencies of the first successful probes
}

type slot struct {
	intended int64
	healthy  bool
}

func newRecoveryWatch(need time.Duration, hasCommand bool, streams []*stream, fire func()) *recoveryWatch {
	w := &recoveryWatch{need: need, hasCommand: hasCommand, fire: fire, streams: map[*stream]*streamHealth{}}
	for _, s := range streams {
		w.streams[s] = &streamHealth{pending: map[int64]slot{}}
	}
	return w
}

// stallNS is the stream's live stall threshold.
func (h *streamHealth) stallNS() int64 {
	if len(h.steady) == 0 {
		return liveStallFloor
	}
	sorted := slices.Sorted(slices.Values(h.steady))
	return min(max(liveStallFactor*sorted[len(sorted)/2], liveStallFloor), liveStallCeil)
}

// observe takes a probe of stream s (nil watch: no --until-recovered).
func (w *recoveryWatch) observe(s *stream, p *store.Probe) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	h := w.streams[s]
	if h == nil || w.fired {
		return
	}
	ok := p.Outcome == store.OutcomeOK
	if ok && len(h.steady) < steadyProbes {
		h.steady = append(h.steady, p.LatencyNS)
	}
	h.pending[p.Seq] = slot{intended: p.Intended, healthy: ok && p.LatencyNS <= h.stallNS()}
	for {
		sl, found := h.pending[h.next]
		if !found {
			break
		}
		delete(h.pending, h.next)
		h.next++
		h.last = sl.intended
		switch {
		case !sl.healthy:
			h.goodSince = 0
			if !w.hasCommand || (w.cmdStart != 0 && sl.intended >= w.cmdStart) {
				w.outage = true
			}
		case h.goodSince == 0:
			h.goodSince = sl.intended
		}
	}
	w.check()
}

// commandStarted and commandEnded take the command's times (recorder
// clock ns).
func (w *recoveryWatch) commandStarted(ns int64) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cmdStart = ns
}

func (w *recoveryWatch) commandEnded(ns int64) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cmdEnd = ns
	w.check()
}

// check fires when recovered; w.mu is held.
func (w *recoveryWatch) check() {
	if w.fired {
		return
	}
	if w.hasCommand && w.cmdEnd == 0 {
		return
	}
	if !w.hasCommand && !w.outage {
		return
	}
	from := w.cmdEnd
	for _, h := range w.streams {
		if h.goodSince == 0 {
			return
		}
		from = max(from, h.goodSince)
	}
	for _, h := range w.streams {
		if h.last-from < int64(w.need) {
			return
		}
	}
	w.fired, w.from = true, from
	w.fire()
}

// result says whether the watch fired, from when, and whether there was an
// outage.
func (w *recoveryWatch) result() (fired bool, from int64, outage bool) {
	if w == nil {
		return false, 0, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fired, w.from, w.outage
}
