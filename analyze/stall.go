package analyze

import (
	"github.com/switchwatch/switchwatch/record/store"
)

// runThreshold is what a run's derived thresholds came from: the largest
// steady median latency of its streams (steadyMedian), and the stream
// that had it.
type runThreshold struct {
	steadyNS int64
	ok       bool // some stream had a successful probe
	stream   string
}

// capped reports whether the run's steady state is itself slow: the slow
// threshold its steady median derives was cut to slowCeiling.
func (r runThreshold) capped() bool { return r.ok && slowFactor*r.steadyNS > slowCeiling }

// setThresholds gives every stream of a run the same slow and stall
// thresholds (the run-wide rule): derived from the largest steady median
// latency of the run's streams (so that no stream's ordinary latency,
// a new connection's login say, counts as slow), bounded by the absolute
// floors and ceilings of slowThreshold and stallThreshold, unless
// Options.Slow or Options.Stall set them (an SLO). One pause then reads
// the same on every stream: with a threshold per stream, one 350 ms
// PgBouncer pause was stalled for pooled reads (224 ms, from their 2 ms
// median) and only slow for writes and new connections.
func setThresholds(streams []*stream, opt *Options) runThreshold {
	var ref runThreshold
	for _, s := range streams {
		if m, ok := steadyMedian(s.rows); ok && (!ref.ok || m > ref.steadyNS) {
			ref = runThreshold{steadyNS: m, ok: true, stream: s.name}
		}
	}
	slow, slowSource := slowThreshold(ref.steadyNS, ref.ok)
	if opt.Slow > 0 {
		slow, slowSource = int64(opt.Slow), slowSourceOpt
	}
	stall, stallSource := stallThreshold(ref.steadyNS, ref.ok)
	if opt.Stall > 0 {
		stall, stallSource = int64(opt.Stall), slowSourceOpt
	}
	for _, s := range streams {
		s.slowNS, s.slowSource, s.stallNS, s.stallSource = slow, slowSource, stall, stallSource
	}
	return ref
}

// disruptions measures, for every probe kind with streams, how long its
// streams failed or stalled and how long its clients waited then.
func disruptions(streams []*stream, iv int64) map[string]Disruption {
	out := map[string]Disruption{}
	for _, kind := range []string{store.KindWrite, store.KindRead} {
		use := func(s *stream) bool { return s.kind == kind }
		if d, ok := disruption(streams, use, iv); ok {
			out[kind] = d
		}
	}
	return out
}

// disruption is the Disruption of the selected streams; false when none
// is selected.
func disruption(streams []*stream, use func(*stream) bool, iv int64) (Disruption, bool) {
	var d Disruption
	any := false
	for _, s := range streams {
		if use(s) {
			if !any || s.stallNS < d.StallThresholdMinNS {
				d.StallThresholdMinNS = s.stallNS
			}
			any = true
			d.StallThresholdNS = max(d.StallThresholdNS, s.stallNS)
		}
	}
	if !any {
		return d, false
	}
	d.StallTime.ResolutionNS, d.DisruptionTime.ResolutionNS = iv, iv
	start, end := int64(0), int64(0)
	for _, sp := range combine(streams, use) {
		if sp.sev == sevHealthy {
			continue
		}
		if sp.sev == sevStalled {
			d.StallTime.NS += sp.end - sp.start
		}
		if start == 0 {
			start = sp.start
		}
		end = sp.end
	}
	if start == 0 {
		return d, true
	}
	d.Start, d.End = tp(start), tp(end)
	d.DisruptionTime.NS = end - start
	var h hist
	for _, s := range streams {
		if !use(s) {
			continue
		}
		for i := range s.rows {
			x := &s.rows[i]
			if x.intended < start || x.intended >= end || s.states[i] == stSkipped {
				continue
			}
			if s.states[i] == stStalled {
				d.StalledProbes++
			}
			h.add(x.latency)
		}
	}
	d.Probes, d.MaxLatencyNS, d.P99LatencyNS = h.n, h.max, h.quantile(0.99)
	return d, true
}

// stalledTime is the total time of the run's stalled phases.
func stalledTime(spans []span, iv int64) Duration {
	var d Duration
	for _, sp := range spans {
		if sp.sev == sevStalled {
			d.NS += sp.end - sp.start
			d.ResolutionNS += iv
		}
	}
	return d
}

// extendStalls makes every stalled span of the stream last until its last
// stalled probe was answered. A probe is placed at its intended start, so
// a stalled stretch would otherwise end at the first probe that waited less
// than the stall threshold, one threshold before the held requests were
// released: a hold of H would measure H minus the threshold. The healthy
// spans it now covers are cut back (a failure is never covered: it is more
// severe).
func (s *stream) extendStalls() {
	out := s.spans[:0]
	var ext int64 // end of the last stalled span's extension
	k := 0        // first row not yet scanned
	for _, sp := range s.spans {
		if sp.sev == sevHealthy && ext > sp.start {
			if sp.end <= ext {
				continue
			}
			sp.start = ext
		}
		if n := len(out); n > 0 && sp.sev != sevHealthy && out[n-1].end > sp.start {
			if sp.sev == sevStalled {
				sp.start = out[n-1].end // merged below
			} else {
				out[n-1].end = sp.start // a failure ends the stall
			}
		}
		if sp.sev == sevStalled {
			e := sp.end
			for k < len(s.rows) && s.rows[k].intended < sp.end {
				if x := &s.rows[k]; x.intended >= sp.start && s.states[k] == stStalled {
					e = max(e, x.intended+inFlight(x))
				}
				k++
			}
			sp.end, ext = max(e, sp.start), max(e, sp.start)
		}
		if n := len(out); n > 0 && out[n-1].sev == sp.sev && out[n-1].end == sp.start {
			out[n-1].end = sp.end
			continue
		}
		out = append(out, sp)
	}
	s.spans = out
}

// alignSegments gives the stream's segments the stalled extents of its
// severity spans (extendStalls), so that a stream's timeline (its
// segments, from which the report draws and replays) and the phases agree
// on one definition of a stall: it lasts until its last stalled probe was
// answered. A stalled segment ends where its stalled span ends; the
// segments after it start no earlier (a healthy one wholly covered keeps
// its probes and lasts no time). A failure is never covered: the spans
// already end a stall where a failure starts.
func (s *stream) alignSegments() {
	var ext int64 // end of the stall extension so far
	k := 0        // first span that may hold the segment
	for i := range s.segs {
		seg := &s.segs[i]
		a, b := seg.Start.UnixNano(), seg.End.UnixNano()
		a = max(a, ext)
		b = max(b, a)
		if seg.State == StateStalled {
			for k < len(s.spans) && s.spans[k].end <= a {
				k++
			}
			for j := k; j < len(s.spans) && s.spans[j].start < b; j++ {
				if s.spans[j].sev == sevStalled {
					b = max(b, s.spans[j].end)
				}
			}
			ext = b
		}
		if a != seg.Start.UnixNano() || b != seg.End.UnixNano() {
			seg.Window = window(a, b, seg.ResolutionNS)
		}
	}
}
