package analyze

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// stream is one probe stream of a run, ready for analysis: rows in grid
// order without duplicates, each with its state.
type stream struct {
	// profile is the client profile; conn its connection mode (for the
	// built-in profiles the two are the same). A stream is (kind,
	// profile, endpoint), and its name is kind/profile/endpoint.
	name, kind, conn, profile, endpoint string

	rows   []row
	obs    []rowObs // nil, or one per row (rowObs)
	cold   rowCold
	states []uint8

	medianStep  int64 // median step of intended times per Seq, 0 when unknown
	interval    int64 // the run's interval
	slowNS      int64
	slowSource  string
	stallNS     int64
	stallSource string

	dups, outOfOrder, missing int64
	// conflicts counts the duplicates that say another outcome or class
	// than the row kept (two versions of the same probes: a segment
	// copied from an edited run, another tool's rewrite); the first one
	// is kept to be shown.
	conflicts                     int64
	conflictSeq                   int64
	conflictKept, conflictDropped row
	clockSteps                    []string

	segs  []Segment
	spans []span // phase severity spans

	// answers: the rows say when each success saw the server (Observed,
	// schema version 2), so edges next to answered failures are timed by
	// the answers (stream.edge).
	answers bool

	// gridless: closed-loop traffic, not the recorder's grid (gaps.go);
	// lullNS its lull bound, typGap its median gap between requests.
	gridless       bool
	lullNS, typGap int64
	// busyUntil (closed-loop streams only): busyUntil[j] is when the last
	// of rows 0..j was answered, the end of the traffic in flight up to j.
	busyUntil             []int64
	noDataNS, noTrafficNS int64
	unplaceable           []UnplaceableEdge
	unplaceableCount      int
}

// span is an interval [start, end) of one phase severity. startRes and
// endRes are the ± of its edges in a run without a grid (0 on the grid,
// whose resolution is the interval).
type span struct {
	start, end       int64
	sev              uint8
	cause            int // index of the stream that set the severity, -1 for none
	startRes, endRes int64
}

// prepare orders a stream's rows by Seq (the grid order), drops duplicate
// Seqs (keeping the first row read), counts missing Seqs and measures the
// median step between intended starts.
func prepare(sr *streamRows, syms *symtab) *stream {
	s := &stream{
		kind:       syms.str(sr.key.kind),
		conn:       syms.str(sr.key.conn),
		endpoint:   syms.str(sr.key.endpoint),
		rows:       sr.rows,
		obs:        sr.obs,
		cold:       sr.cold,
		outOfOrder: sr.outOfOrder,
	}
	s.profile = s.conn
	if sr.key.profile != 0 {
		s.profile = syms.str(sr.key.profile)
	}
	s.name = s.kind + "/" + s.profile + "/" + s.endpoint
	rows := s.rows
	// w: the first duplicate, found in the same pass over the rows as
	// their order when they are in order (a second pass was 1.4% of an
	// analysis), after sorting them when they are not
	sorted, w := true, len(rows)
	for i := 1; i < len(rows); i++ {
		if rows[i].seq < rows[i-1].seq {
			sorted = false
			break
		}
		if rows[i].seq == rows[i-1].seq && w == len(rows) {
			w = i
		}
	}
	if !sorted {
		if s.obs == nil && s.cold.none() {
			slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
		} else {
			s.sortWithSides()
		}
		w = len(rows)
		for i := 1; i < len(rows); i++ {
			if rows[i].seq == rows[i-1].seq {
				w = i
				break
			}
		}
	}
	// drop duplicates in place, from the first one on
	for i := w; i < len(rows); i++ {
		if w > 0 && rows[i].seq == rows[w-1].seq {
			s.dups++
			if k, d := &rows[w-1], &rows[i]; k.outcome != d.outcome || k.class != d.class {
				if s.conflicts == 0 {
					s.conflictSeq, s.conflictKept, s.conflictDropped = k.seq, *k, *d
				}
				s.conflicts++
			}
			continue
		}
		rows[w] = rows[i]
		if s.obs != nil {
			s.obs[w] = s.obs[i]
		}
		s.cold.move(w, i)
		w++
	}
	s.rows = rows[:w]
	if s.obs != nil {
		s.obs = s.obs[:w]
	}
	s.cold.truncate(w)
	if w > 1 {
		s.missing = s.rows[w-1].seq - s.rows[0].seq + 1 - int64(w)
		s.medianStep = medianStep(s.rows)
	}
	return s
}

// sortWithSides orders the rows by Seq, stably, their observations and
// rarely read values with them (a rare case: only rows read out of order
// need it).
func (s *stream) sortWithSides() {
	idx := make([]int32, len(s.rows))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return cmp.Compare(s.rows[a].seq, s.rows[b].seq) })
	s.rows = permuted(s.rows, idx)
	s.obs = permuted(s.obs, idx)
	s.cold.permute(idx)
}

// obsOf is the observations of row i (noObs when the stream has none).
// The caller must not change them.
func (s *stream) obsOf(i int) *rowObs {
	if s.obs == nil {
		return &noObs
	}
	return &s.obs[i]
}

// medianStep is the median of (intended[i]-intended[i-1])/(seq[i]-seq[i-1]),
// taken over up to 10,001 evenly spread steps.
func medianStep(rows []row) int64 {
	n := len(rows) - 1
	stride := max(1, n/10000)
	steps := make([]int64, 0, n/stride+1)
	for i := 1; i < len(rows); i += stride {
		ds := rows[i].seq - rows[i-1].seq
		if ds <= 0 {
			continue
		}
		steps = append(steps, (rows[i].intended-rows[i-1].intended)/ds)
	}
	if len(steps) == 0 {
		return 0
	}
	return nth(steps, len(steps)/2)
}

// nth is the k-th smallest of a (0-based), what a[k] would be were a
// sorted, found by selection in linear time instead of a sort; a is
// reordered.
func nth(a []int64, k int) int64 {
	lo, hi := 0, len(a)-1
	for lo < hi {
		// median of three as the pivot, then Hoare's partition
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		p := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}

// fixClockSteps finds steps of the clock that stamped the intended times
// and takes them out. The recorder's times never step (they come from the
// monotonic clock), but imported data can.
//
// A step backwards (a later Seq meant to start before an earlier one) is
// always a clock step. A step forwards by more than two intervals beyond
// the grid step is one only on the recorder's open-loop grid (grid set,
// the interval from run.json), where every slot has a row; elsewhere (a
// closed-loop tool's import) it may be a real gap, and it is only reported.
// Times after a step are shifted back onto the grid, and the step reported.
func (s *stream) fixClockSteps(grid bool) {
	iv := s.interval
	if iv <= 0 {
		return
	}
	var shift int64
	for i := 1; i < len(s.rows); i++ {
		prev, cur := &s.rows[i-1], &s.rows[i]
		raw := cur.intended + shift - prev.intended // prev already shifted
		want := (cur.seq - prev.seq) * iv
		dev := raw - want
		switch {
		case raw <= 0 || (grid && (dev > 2*iv || dev < -2*iv)):
			shift -= dev
			s.clockSteps = append(s.clockSteps, fmt.Sprintf("stream %s: the clock stepped by %v at seq %d; later times shifted back by it", s.name, time.Duration(dev), cur.seq))
		case dev > 2*iv && !s.gridless && len(s.clockSteps) < 10:
			// (closed-loop traffic pauses at will: its lulls are no
			// traffic, gaps.go)
			s.clockSteps = append(s.clockSteps, fmt.Sprintf("stream %s: %v between seq %d and %d, %v more than the grid step (a gap or a clock step; kept)", s.name, time.Duration(raw), prev.seq, cur.seq, time.Duration(dev)))
		}
		if shift != 0 {
			cur.intended += shift
			if cur.start != 0 {
				cur.start += shift
			}
			if cur.end != 0 {
				cur.end += shift
			}
		}
	}
}

// classifyAll gives every row its state.
func (s *stream) classifyAll() {
	s.states = make([]uint8, len(s.rows))
	for i := range s.rows {
		s.states[i] = classify(&s.rows[i], s.slowNS, s.stallNS)
	}
	for i := range s.obs {
		if s.obs[i].observed != 0 {
			s.answers = true
			break
		}
	}
}

// edge is where the stream's state may change before row j: the midpoint
// between rows j-1 and j, the unbiased estimate of a change that lies
// somewhere between the last probe of the old state and the first of the
// new (± half their gap). Which moment of a probe counts depends on what it
// saw:
//
//   - between a success and a failure the server answered promptly
//     (read-only, an error, refused, reset: anything but a timeout, a
//     skipped probe or a failure that took longer than the stream's slow
//     threshold, which hung first), both probes show the state at their
//     answer, so the midpoint is taken
//     between their answer times (a success's Observed, a failure's End),
//     kept inside the two intended starts, in streams whose rows have
//     Observed (schema version 2; files of version 1 keep the intended
//     starts, and their goldens their numbers). A probe on a new
//     connection is answered a connection set-up after its intended start,
//     and the midpoint of intended starts would be early by that much;
//   - otherwise (a timeout, or a failure after a hang, saw the state from
//     its start; when it was answered says nothing) between their intended
//     starts.
//
// The stream's own ends are the first row's intended start and one
// interval after the last row's (without a grid: the last row's answer).
func (s *stream) edge(j int) int64 {
	switch {
	case j <= 0:
		return s.rows[0].intended
	case j >= len(s.rows):
		last := &s.rows[len(s.rows)-1]
		if s.gridless {
			return last.intended + max(1, inFlight(last))
		}
		return last.intended + s.interval
	}
	a, b := s.rows[j-1].intended, s.rows[j].intended
	if s.answeredEdge(j) {
		x, y := s.answeredAt(j-1), s.answeredAt(j)
		return min(max(x+(y-x)/2, a), b)
	}
	return a + (b-a)/2
}

// answeredEdge reports whether the edge before row j lies between a
// success (ok or slow) and a failure the server answered (see edge).
func (s *stream) answeredEdge(j int) bool {
	if !s.answers {
		return false
	}
	p, q := s.states[j-1], s.states[j]
	fast := func(st uint8) bool { return st == stOK || st == stSlow }
	answered := func(st uint8, x *row) bool {
		if x.outcome != outError {
			return false
		}
		if c := className(x.class); c == store.ClassConnectTimeout || c == store.ClassQueryTimeout {
			return false // an import's timeout recorded as an error
		}
		if s.slowNS > 0 && x.latency > s.slowNS {
			// Failed only after hanging (HAProxy holding a new connection
			// on a stopping server, then closing it 3 s later): like a
			// timeout, it saw the state from its start, and its answer
			// time says nothing of when.
			return false
		}
		return st == stReadOnly || st == stError || st == stUnavailable
	}
	return fast(p) && answered(q, &s.rows[j]) || answered(p, &s.rows[j-1]) && fast(q)
}

// answeredAt is when row i's answer arrived: Observed (a success), else
// End, else its intended start.
func (s *stream) answeredAt(i int) int64 {
	x, o := &s.rows[i], s.obsOf(i)
	switch {
	case o.observed != 0:
		return o.observed
	case x.end != 0:
		return x.end
	}
	return x.intended
}

// segment cuts the stream into maximal intervals of one state, and into
// spans of one phase severity (skipped carrying on the severity before it),
// each from edge to edge. A hole in the stream (gaps.go: missing slots on
// the grid, a lull of closed-loop traffic) ends a segment, and becomes a
// span of no data or no traffic of its own.
func (s *stream) segment(syms *symtab) {
	s.segs = s.segs[:0]
	s.spans = s.spans[:0]
	var classes [32]int64
	var scratch []int64
	for i := 0; i < len(s.rows); {
		st := s.states[i]
		j := i + 1
		classes = [32]int64{}
		classes[s.rows[i].class&31]++
		for j < len(s.rows) && s.states[j] == st && !s.hole(j) {
			classes[s.rows[j].class&31]++
			j++
		}
		start, end := s.startEdge(i), s.endEdge(j)
		startRes, endRes := s.edgeRes(i), s.edgeRes(j)
		seg := Segment{
			Window:         s.window(start, end, startRes, endRes),
			State:          States[st],
			Probes:         int64(j - i),
			FirstSeq:       s.rows[i].seq,
			FirstLatencyNS: inFlight(&s.rows[i]),
			LastSeq:        s.rows[j-1].seq,
		}
		seg.MedianLatencyNS, scratch = medianLatency(s.rows[i:j], scratch)
		if !succeeded(st) {
			s.segmentError(&seg, i, j, classes[:], syms)
		}
		s.segs = append(s.segs, seg)
		// phase severity spans
		sev := severity[st]
		if st == stSkipped && len(s.spans) > 0 {
			sev = s.spans[len(s.spans)-1].sev
		}
		s.addSpan(span{start: start, end: end, sev: sev, startRes: startRes, endRes: endRes})
		if j < len(s.rows) && s.hole(j) {
			s.addSpan(s.holeSpan(j))
		}
		i = j
	}
	s.extendStalls()
	s.alignSegments()
}

// segmentError gives a failed segment (rows i to j) its most frequent
// error class and one message of it.
func (s *stream) segmentError(seg *Segment, i, j int, classes []int64, syms *symtab) {
	best := mostFrequent(classes)
	if best == 0 {
		return
	}
	seg.ErrorClass = className(uint8(best))
	for k := i; k < j; k++ {
		if msg := s.cold.msgAt(k); int(s.rows[k].class) == best && msg != 0 {
			seg.Error = syms.str(msg)
			return
		}
	}
}

// addSpan appends sp to the stream's spans, extending the last one when
// it has the same severity and ends where sp starts.
func (s *stream) addSpan(sp span) {
	if n := len(s.spans); n > 0 && s.spans[n-1].sev == sp.sev && s.spans[n-1].end == sp.start {
		s.spans[n-1].end, s.spans[n-1].endRes = sp.end, sp.endRes
		return
	}
	s.spans = append(s.spans, sp)
}

// window is a Window from start to end: on the grid known to one
// interval, without one to the ± of each edge.
func (s *stream) window(start, end, startRes, endRes int64) Window {
	if !s.gridless {
		return window(start, end, s.interval)
	}
	return edgeWindow(start, end, startRes, endRes)
}

func window(start, end, res int64) Window {
	return Window{Start: time.Unix(0, start).UTC(), End: time.Unix(0, end).UTC(), DurationNS: end - start, ResolutionNS: res}
}

// edgeWindow is a Window whose edges have their own resolutions.
func edgeWindow(start, end, startRes, endRes int64) Window {
	w := window(start, end, startRes+endRes)
	w.StartResolutionNS, w.EndResolutionNS = startRes, endRes
	return w
}

// combine merges the severity spans of the given streams into one timeline:
// at every moment the state of highest rank (sevRank) of the streams that
// have data then. On the recorder's grid each stream's first state is
// taken to hold from the earliest start of the streams and its last state
// until the latest end when they are within an interval of it: streams are
// offset from each other by a fraction of an interval, and without this a
// stream's lone first or last probe would make a phase of its own at the
// edges of the run (a run ending read-only would end "healthy" on the last
// read). A stream that starts later or ends earlier than that has no data
// in between. Without a grid a stream covers only its own requests, and a
// moment no stream covers is no traffic.
func combine(ss []*stream, use func(*stream) bool) []span {
	var ts []int64
	var sel []int
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	gridless := false
	for i, s := range ss {
		if use != nil && !use(s) || len(s.spans) == 0 {
			continue
		}
		sel = append(sel, i)
		for _, sp := range s.spans {
			ts = append(ts, sp.start, sp.end)
		}
		lo, hi = min(lo, s.spans[0].start), max(hi, s.spans[len(s.spans)-1].end)
		gridless = gridless || s.gridless
	}
	// the end of the data: a stall extended past the last row (until its
	// answer) leaves the other streams no shorter of data
	dataHi := int64(math.MinInt64)
	for _, i := range sel {
		dataHi = max(dataHi, ss[i].dataEnd())
	}
	spans := make([][]span, len(ss))
	for _, i := range sel {
		spans[i] = stretch(ss[i], i, lo, hi, dataHi)
	}
	var res map[int64]int64 // the ± of every edge, without a grid
	if gridless {
		res = edgeResolutions(spans)
	}
	slices.Sort(ts)
	ts = slices.Compact(ts)
	ptr := make([]int, len(ss))
	var out []span
	for k := 0; k+1 < len(ts); k++ {
		a, b := ts[k], ts[k+1]
		best, cause, covered := uint8(0), -1, false
		for _, i := range sel {
			sp := spans[i]
			for ptr[i] < len(sp) && sp[ptr[i]].end <= a {
				ptr[i]++
			}
			if ptr[i] < len(sp) && sp[ptr[i]].start <= a {
				if !covered || sevRank[sp[ptr[i]].sev] > sevRank[best] {
					best, cause = sp[ptr[i]].sev, i
				}
				covered = true
			}
		}
		if !covered {
			if !gridless {
				continue
			}
			best, cause = sevNoTraffic, -1
		}
		if n := len(out); n > 0 && out[n-1].sev == best && out[n-1].end == a {
			out[n-1].end, out[n-1].endRes = b, res[b]
			continue
		}
		out = append(out, span{start: a, end: b, sev: best, cause: cause, startRes: res[a], endRes: res[b]})
	}
	return out
}

// stretch is stream s's spans (s is ss[i]) for combine: on the grid its
// first and last states stretched to lo and hi when its data starts and
// ends within an interval of the earliest start and the latest end of
// data (dataHi), else no data up to them.
func stretch(s *stream, i int, lo, hi, dataHi int64) []span {
	sp := append([]span(nil), s.spans...)
	if s.gridless {
		return sp
	}
	if first := sp[0].start; first-lo <= s.interval {
		sp[0].start = lo
	} else {
		sp = slices.Insert(sp, 0, span{start: lo, end: first, sev: sevNoData, cause: i})
	}
	if last := sp[len(sp)-1].end; dataHi-s.dataEnd() <= s.interval {
		sp[len(sp)-1].end = max(last, hi)
	} else if last < dataHi {
		sp = append(sp, span{start: last, end: dataHi, sev: sevNoData, cause: i})
	}
	return sp
}

// dataEnd is where the stream's data ends: the edge after its last row,
// before any stall extension (the end of its spans without rows).
func (s *stream) dataEnd() int64 {
	if len(s.rows) == 0 {
		return s.spans[len(s.spans)-1].end
	}
	return s.edge(len(s.rows))
}

// edgeResolutions is the ± of every edge of the spans: the largest any
// stream gives it.
func edgeResolutions(spans [][]span) map[int64]int64 {
	res := map[int64]int64{}
	for _, sp := range spans {
		for _, x := range sp {
			res[x.start] = max(res[x.start], x.startRes)
			res[x.end] = max(res[x.end], x.endRes)
		}
	}
	return res
}

// medianLatency is the median latency of the rows (of their probes that
// were sent: a skipped probe has none), taken over up to 1,001 evenly
// spread rows; 0 when none was sent. buf is scratch space, returned for
// reuse.
func medianLatency(rows []row, buf []int64) (int64, []int64) {
	stride := max(1, len(rows)/1000)
	buf = buf[:0]
	for k := 0; k < len(rows); k += stride {
		if rows[k].outcome != outSkipped {
			buf = append(buf, rows[k].latency)
		}
	}
	if len(buf) == 0 {
		return 0, buf
	}
	return nth(buf, len(buf)/2), buf
}

// mostFrequent returns the index ≥ 1 with the highest count (the lowest
// such index on ties), or 0 when every count from 1 on is zero.
func mostFrequent(counts []int64) int {
	best := 0
	for c := 1; c < len(counts); c++ {
		if counts[c] > 0 && (best == 0 || counts[c] > counts[best]) {
			best = c
		}
	}
	return best
}

// inFlight is how long after its intended start a probe ended: its end
// minus its intended start when the end is known, else its latency.
func inFlight(x *row) int64 {
	if x.end != 0 && x.end >= x.intended {
		return x.end - x.intended
	}
	return x.latency
}
