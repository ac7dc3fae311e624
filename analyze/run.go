package analyze

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// Interval sources.
const (
	intervalFromRunInfo = store.RunInfoFile
	intervalFromSteps   = "median_step"
	intervalDefault     = "default" // neither: a single probe per stream
)

// defaultInterval is used only for runs whose interval can be known neither
// from run.json nor from their rows (one probe per stream).
const defaultInterval = int64(100 * time.Millisecond)

// Plausible probe intervals: a run.json value outside is damage, not a
// setting ("1ns", or 9.2e18 that overflows into a negative duration).
const (
	minInterval = int64(time.Microsecond)
	maxInterval = int64(time.Hour)
)

// settingInterval reads the "interval" setting of run.json: a Go duration
// string, or a number of nanoseconds. ok is false without one; err says
// why a value that is there is not a plausible interval.
func settingInterval(info *store.RunInfo) (iv int64, ok bool, err error) {
	if info == nil || info.Settings == nil {
		return 0, false, nil
	}
	v, there := info.Settings["interval"]
	if !there {
		return 0, false, nil
	}
	bad := fmt.Errorf("interval %v is not a probe interval (want %v to %v)", jsonValue(v), time.Duration(minInterval), time.Duration(maxInterval))
	switch v := v.(type) {
	case string:
		d, perr := time.ParseDuration(v)
		if perr != nil || int64(d) < minInterval || int64(d) > maxInterval {
			return 0, false, bad
		}
		return int64(d), true, nil
	case float64:
		if v < float64(minInterval) || v > float64(maxInterval) {
			return 0, false, bad
		}
		return int64(v), true, nil
	}
	return 0, false, bad
}

// jsonValue shows a run.json value as it is written there.
func jsonValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

// chooseInterval takes a run's probe interval from its data: the median
// of its streams' median steps between probes. run.json's setting is used
// when it agrees within 10 % (it is the exact grid step) or when the data
// cannot tell (one probe per stream); a setting that disagrees, or is no
// plausible interval, is a warning naming the file and both values.
func chooseInterval(streams []*stream, info *store.RunInfo, dir string) (iv int64, source string, warnings []string) {
	set, haveSet, err := settingInterval(info)
	file := store.JoinPath(dir, store.RunInfoFile)
	if err != nil {
		warnings = append(warnings, fmt.Sprintf("%s: %v; ignored", file, err))
	}
	var steps []int64
	for _, s := range streams {
		if s.medianStep > 0 {
			steps = append(steps, s.medianStep)
		}
	}
	var data int64
	if len(steps) > 0 {
		slices.Sort(steps)
		data = steps[len(steps)/2]
	}
	switch {
	case data > 0 && haveSet && math.Abs(float64(data-set)) <= 0.1*float64(set):
		return set, intervalFromRunInfo, warnings
	case data > 0 && haveSet:
		if !gridless(info) {
			// closed-loop traffic has no grid step: run.json's is the
			// importer's nominal one, and each edge has its own ±
			warnings = append(warnings, fmt.Sprintf("%s says interval %v, but the probes' median step is %v: using %v",
				file, time.Duration(set), time.Duration(data), time.Duration(data)))
		}
		return data, intervalFromSteps, warnings
	case data > 0:
		return data, intervalFromSteps, warnings
	case haveSet:
		return set, intervalFromRunInfo, warnings
	}
	warnings = append(warnings, fmt.Sprintf("probe interval unknown (no run.json setting, one probe per stream): assuming %v", time.Duration(defaultInterval)))
	return defaultInterval, intervalDefault, warnings
}

// runInput is one run with what belongs to it besides its rows.
type runInput struct {
	rows    *runRows
	events  []store.Event
	verify  *store.Verify
	warning []string
	// profile: these are one client profile's streams of a run, analyzed
	// for RunResult.Profiles (no profiles of their own).
	profile bool
}

// analyzeRun turns the rows of one run into its streams, phases and metrics.
func analyzeRun(in *runInput, opt *Options, pool *rowPool) RunResult {
	rr := in.rows
	res := RunResult{RunID: rr.id, Path: rr.path, Rows: rr.rows, Warnings: in.warning}
	if rr.info != nil {
		res.Labels = rr.info.Labels
		setVantage(&res, rr.info)
	}
	if !in.profile {
		res.Profiles = analyzeProfiles(in, opt, pool)
	}
	streams := make([]*stream, 0, len(rr.order))
	for _, sr := range rr.order {
		if len(sr.rows) == 0 {
			continue // every row dropped (dropImplausible): no stream to speak of
		}
		streams = append(streams, prepare(sr, rr.syms))
		sr.rows, sr.obs, sr.cold = nil, nil, rowCold{}
	}
	sort.Slice(streams, func(i, j int) bool { return streams[i].name < streams[j].name })

	// the probe interval
	iv, source, ws := chooseInterval(streams, rr.info, rr.path)
	res.IntervalSource = source
	res.Warnings = append(res.Warnings, ws...)
	res.IntervalNS = iv
	res.ClosedLoop = gridless(rr.info)
	for _, s := range streams {
		s.interval, s.gridless = iv, res.ClosedLoop
		if !s.gridless && s.medianStep > 0 && math.Abs(float64(s.medianStep-iv)) > 0.1*float64(iv) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("stream %s: median step between probes is %v, not the interval %v", s.name, time.Duration(s.medianStep), time.Duration(iv)))
		}
		s.fixClockSteps(res.IntervalSource == intervalFromRunInfo && !s.gridless)
		if s.gridless {
			s.setLull()
		}
		res.Warnings = append(res.Warnings, s.clockSteps...)
	}
	th := setThresholds(streams, opt)
	res.Recorder = recorderHealth(streams, iv, th)
	res.Warnings = append(res.Warnings, recorderWarning(res.Recorder)...)
	for _, s := range streams {
		s.classifyAll()
		s.segment(rr.syms)
		if s.missing > 0 {
			rows := "rows"
			if s.missing == 1 {
				rows = "row"
			}
			res.Warnings = append(res.Warnings, fmt.Sprintf("stream %s: %d %s missing (gaps in seq; %v without data)", s.name, s.missing, rows, time.Duration(s.noDataNS)))
		}
		res.Duplicates += s.dups
		if s.conflicts > 0 {
			res.Warnings = append(res.Warnings, conflictWarning(s))
		}
	}
	if len(streams) == 0 {
		res.Warnings = append(res.Warnings, "no probe rows")
		res.Metrics.FailedByClass = classMap(nil)
		res.Metrics.Latency = map[string]LatencyPeriods{}
		res.Metrics.Recovered = true
		return res
	}
	start, end := int64(math.MaxInt64), int64(math.MinInt64)
	for _, s := range streams {
		if len(s.rows) > 0 {
			start = min(start, s.rows[0].intended)
			end = max(end, s.edge(len(s.rows)))
		}
	}
	res.Start, res.End = time.Unix(0, start).UTC(), time.Unix(0, end).UTC()

	spans := combine(streams, nil)
	sc := scanStreams(streams, spans, rr.syms)
	res.Phases = makePhases(spans, streams, sc, iv, rr.syms)
	for _, s := range streams {
		res.Streams = append(res.Streams, s.result())
		res.UnplaceableEdges = append(res.UnplaceableEdges, s.unplaceable...)
		if s.unplaceableCount > len(s.unplaceable) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("stream %s: %d changes across gaps too long to place, %d listed", s.name, s.unplaceableCount, len(s.unplaceable)))
		}
	}
	res.UnplaceableEdges = res.UnplaceableEdges[:min(len(res.UnplaceableEdges), maxUnplaceable)]
	res.Services = services(streams, rr.info, rr.syms)
	res.Metrics = metrics(streams, spans, sc, in, iv, opt)
	res.Metrics.OldPrimaryWrites = oldPrimaryWrites(streams, rr.syms)
	if opt.Latencies {
		res.Latencies = phaseLatencies(streams, res.Phases)
	}
	if !in.profile && !opt.GroupsOnly {
		res.Series = makeSeries(&res, streams)
	}
	for _, s := range streams {
		pool.put(s.rows, s.obs)
		s.cold.release(pool)
		s.rows, s.obs = nil, nil
	}
	return res
}

// customProfile is the stream's profile as results store it: empty for
// the built-in profile of its connection mode (named like the mode).
func customProfile(s *stream) string {
	if s.profile == s.conn {
		return ""
	}
	return s.profile
}

func (s *stream) result() StreamResult {
	r := StreamResult{
		Stream: s.name, Kind: s.kind, Conn: s.conn, Profile: customProfile(s), Endpoint: s.endpoint,
		IntervalNS: s.interval, SlowThresholdNS: s.slowNS, SlowThresholdSource: s.slowSource,
		StallThresholdNS: s.stallNS, StallThresholdSource: s.stallSource,
		Probes: int64(len(s.rows)), Duplicates: s.dups, OutOfOrder: s.outOfOrder, MissingSeqs: s.missing,
		States:        map[State]int64{},
		StateNS:       map[State]int64{},
		StateWindows:  map[State]int64{},
		Segments:      slices.Clone(s.segs[:min(len(s.segs), MaxSegments)]),
		SegmentsTotal: int64(len(s.segs)),
		NoDataNS:      s.noDataNS, NoTrafficNS: s.noTrafficNS,
	}
	if s.gridless {
		r.LullBoundNS = s.lullNS
	}
	for _, st := range States {
		r.StateNS[st], r.StateWindows[st] = 0, 0
	}
	for _, seg := range s.segs {
		r.StateNS[seg.State] += seg.DurationNS
		r.StateWindows[seg.State]++
	}
	var counts [stSkipped + 1]int64
	for _, st := range s.states {
		counts[st]++
	}
	for i, st := range States {
		r.States[st] = counts[i]
	}
	return r
}

// maxChangesPerStream bounds the server and DNS changes kept per stream: a
// load-balanced reader endpoint can change server on every probe.
const maxChangesPerStream = 50

// scan is what one pass over every row of every stream collects.
type scan struct {
	phaseClasses [][32]int64
	phaseWrite   []map[uint32]int64 // server identity -> ok write probes
	phaseOther   []map[uint32]int64
	byClass      [32]int64
	firstFail    int64 // intended start of the first failed probe, MaxInt64 if none
	latency      map[string]*[3]hist
	server       []ServerChange
	dns          []DNSChange
	timeline     []TimelineChange
	serverCount  int64 // all changes, also those not kept
	dnsCount     int64
	failedProbes int64
	offsets      []int64 // server_time − midpoint of connect_done..end, ok probes
	// v1: no row of the run has an observation time (schema version 1 or
	// imported): changes are dated by end, else intended, as before.
	v1   bool
	syms *symtab
}

// observedAt is when x saw what it answered with, and on which clock:
// Observed, else End (a file of schema version 1), else the intended start.
func observedAt(x *row, o *rowObs) (int64, string) {
	switch {
	case o.observed != 0:
		return o.observed, ClockObserved
	case x.end != 0:
		return x.end, ClockObserved
	}
	return x.intended, ClockIntended
}

// lookedUpAt is when x's DNS answer was looked up, as near as its row says: the
// connection made with it was established then, and a new connection that
// failed looked it up at its start. A pooled probe that got no connection
// waited for a dial whose lookup time is not stored: 0, not datable. In a
// run of schema version 1 every answer is dated by its probe's start (the
// recorder looked up then), else its intended start.
func (ss *streamScan) lookedUpAt(x *row, o *rowObs) (int64, string) {
	switch {
	case o.established != 0:
		return o.established, ClockObserved
	case (ss.sc.v1 || ss.s.conn == store.ConnNew) && x.start != 0:
		return x.start, ClockObserved
	case ss.sc.v1:
		return x.intended, ClockIntended
	}
	return 0, ""
}

func timeOn(ns int64, clock string) *time.Time {
	if clock != ClockObserved {
		return nil
	}
	t := time.Unix(0, ns).UTC()
	return &t
}

// scanStreams makes one pass over the rows of every stream, phase by phase.
func scanStreams(streams []*stream, spans []span, syms *symtab) *scan {
	sc := newScan(len(spans))
	sc.v1, sc.syms = true, syms
	for _, s := range streams {
		for i := range s.obs {
			if s.obs[i].observed != 0 || s.obs[i].established != 0 {
				sc.v1 = false
				break
			}
		}
	}
	outStart, outEnd := outageBounds(spans)
	dns := &dnsSets{syms: syms, canon: map[uint32]uint32{}}
	for _, s := range streams {
		ss := sc.newStreamScan(s, syms, dns)
		for i := range s.rows {
			x, st, o := &s.rows[i], s.states[i], s.obsOf(i)
			sc.countOutcome(x, st)
			if x.outcome == outOK {
				ss.lat[period(x.intended, outStart, outEnd)].add(x.latency)
				if x.ident != 0 {
					ss.serverChange(x, o)
				}
				if o.timeline != 0 {
					ss.timelineChange(x, o)
				}
				if o.serverTime != 0 && x.end != 0 {
					// the statement's round trip: from the connection
					// being ready (a new connection's handshake is not
					// part of it) to the answer
					from := o.connectDone
					if from == 0 {
						from = x.start
					}
					sc.offsets = append(sc.offsets, o.serverTime-(from+(x.end-from)/2))
				}
			}
			if dns := s.cold.dnsAt(i); dns != 0 {
				ss.dnsAnswer(x, o, dns)
			}
			for ss.p < len(spans) && spans[ss.p].end <= x.intended {
				ss.p++
			}
			if ss.p < len(spans) && x.intended >= spans[ss.p].start {
				ss.phase(x, st)
			}
		}
		ss.flush()
	}
	sc.orderChanges()
	return sc
}

func newScan(phases int) *scan {
	sc := &scan{
		phaseClasses: make([][32]int64, phases),
		phaseWrite:   make([]map[uint32]int64, phases),
		phaseOther:   make([]map[uint32]int64, phases),
		firstFail:    math.MaxInt64,
		latency:      map[string]*[3]hist{},
	}
	for i := range phases {
		sc.phaseWrite[i], sc.phaseOther[i] = map[uint32]int64{}, map[uint32]int64{}
	}
	return sc
}

// outageBounds is the span from the start of the first to the end of the
// last non-healthy phase, which splits latencies into before, during and
// after; MaxInt64 for both without an outage.
func outageBounds(spans []span) (start, end int64) {
	start, end = math.MaxInt64, math.MaxInt64
	for _, sp := range spans {
		if failing(sp.sev) {
			if start == math.MaxInt64 {
				start = sp.start
			}
			end = sp.end
		}
	}
	return start, end
}

// dnsSets compares DNS answers as sets: a round-robin resolver that only
// reorders its addresses has not changed its answer.
type dnsSets struct {
	syms  *symtab
	canon map[uint32]uint32 // answer -> its sorted form
}

func (d *dnsSets) set(sym uint32) uint32 {
	c, ok := d.canon[sym]
	if !ok {
		addrs := strings.Split(d.syms.str(sym), ",")
		for i := range addrs {
			addrs[i] = strings.TrimSpace(addrs[i])
		}
		slices.Sort(addrs)
		c = d.syms.intern(strings.Join(addrs, ","))
		d.canon[sym] = c
	}
	return c
}

// countOutcome counts a failed probe and the error class of a probe that
// was not ok.
func (sc *scan) countOutcome(x *row, st uint8) {
	if failed(st) {
		sc.failedProbes++
		sc.firstFail = min(sc.firstFail, x.intended)
	}
	if x.outcome == outOK {
		return
	}
	c := x.class
	if c == classNone {
		if x.outcome == outSkipped {
			c = classCode[store.ClassInflightLimit]
		} else {
			c = classOther
		}
	}
	sc.byClass[c&31]++
}

// streamScan is the pass over one stream: the changes of answering server
// and DNS answer it has seen, and the current run of ok probes answered by
// one server in one phase.
type streamScan struct {
	sc                  *scan
	s                   *stream
	syms                *symtab
	dns                 *dnsSets
	lat                 *[3]hist
	idents              []map[uint32]int64 // per phase: server identity -> ok probes
	p                   int                // the phase of the last row
	prevIdent, prevDNS  uint32             // the last server identity, the last DNS answer set
	prevDNSSym          uint32             // the last DNS answer as written
	identAt, dnsAt      int64              // the last observation of prevIdent, of prevDNS
	prevTL, tlAt        int64              // the last timeline, its last observation
	serverKept, dnsKept int
	tlKept              int
	runIdent            uint32
	runCount            int64
	runPhase            int
}

func (sc *scan) newStreamScan(s *stream, syms *symtab, dns *dnsSets) *streamScan {
	lat := sc.latency[s.kind]
	if lat == nil {
		lat = &[3]hist{}
		sc.latency[s.kind] = lat
	}
	idents := sc.phaseOther
	if s.kind == store.KindWrite {
		idents = sc.phaseWrite
	}
	return &streamScan{sc: sc, s: s, syms: syms, dns: dns, lat: lat, idents: idents, runPhase: -1}
}

// period is 0, 1 or 2 for a probe meant to start before, during or after
// the outage.
func period(intended, outStart, outEnd int64) int {
	switch {
	case intended >= outEnd:
		return 2
	case intended >= outStart:
		return 1
	}
	return 0
}

// serverChange notes the server that answered x, a change unless it is
// the stream's first answer or the server before. The change is dated
// when x saw it, with the resolution from the last observation of the
// server before.
func (ss *streamScan) serverChange(x *row, o *rowObs) {
	at, clock := observedAt(x, o)
	if x.ident == ss.prevIdent {
		ss.identAt = max(ss.identAt, at)
		return
	}
	if ss.prevIdent != 0 {
		ss.sc.serverCount++
		if ss.serverKept < maxChangesPerStream {
			ss.serverKept++
			ss.sc.server = append(ss.sc.server, ServerChange{
				ChangeTime: changeTime(at, max(0, at-ss.identAt), clock, x), Stream: ss.s.name,
				From: ss.syms.str(ss.prevIdent), To: ss.syms.str(x.ident),
			})
		}
	}
	ss.prevIdent, ss.identAt = x.ident, at
}

// changeTime is when x saw a change: at on clock, resolution back to the
// last sighting of the old value.
func changeTime(at, resolution int64, clock string, x *row) ChangeTime {
	return ChangeTime{Time: time.Unix(0, at).UTC(), ResolutionNS: resolution, Clock: clock,
		Observed: timeOn(at, clock), Intended: time.Unix(0, x.intended).UTC()}
}

// timelineChange notes the timeline of the server that answered x, like
// serverChange.
func (ss *streamScan) timelineChange(x *row, o *rowObs) {
	at, clock := observedAt(x, o)
	if o.timeline == ss.prevTL {
		ss.tlAt = max(ss.tlAt, at)
		return
	}
	if ss.prevTL != 0 && ss.tlKept < maxChangesPerStream {
		ss.tlKept++
		ss.sc.timeline = append(ss.sc.timeline, TimelineChange{
			ChangeTime: changeTime(at, max(0, at-ss.tlAt), clock, x), Stream: ss.s.name,
			From: ss.prevTL, To: o.timeline, Server: ss.syms.str(x.ident),
		})
	}
	ss.prevTL, ss.tlAt = o.timeline, at
}

// dnsAnswer notes the DNS answer x connected with; it is a change if it is
// another set than the newest answer before it. Answers are taken in the
// order they were looked up, not of the probes: a pooled probe handed an
// old connection carries an old answer, which is not news.
func (ss *streamScan) dnsAnswer(x *row, o *rowObs, dns uint32) {
	at, clock := ss.lookedUpAt(x, o)
	if at == 0 || at < ss.dnsAt {
		return
	}
	if dns == ss.prevDNSSym {
		ss.dnsAt = at
		return
	}
	ss.prevDNSSym = dns
	d := ss.dns.set(dns)
	if ss.prevDNS != 0 && d != ss.prevDNS {
		ss.sc.dnsCount++
		if ss.dnsKept < maxChangesPerStream {
			ss.dnsKept++
			ss.sc.dns = append(ss.sc.dns, DNSChange{
				ChangeTime: changeTime(at, at-ss.dnsAt, clock, x), Endpoint: ss.s.endpoint, Conn: ss.s.conn,
				Profile: customProfile(ss.s), From: ss.syms.str(ss.prevDNS), To: ss.syms.str(d),
			})
		}
	}
	ss.prevDNS, ss.dnsAt = d, at
}

// phase counts x in phase ss.p, in which its intended start falls: the
// class of a failure, or the server of a probe that was answered.
func (ss *streamScan) phase(x *row, st uint8) {
	p := ss.p
	if failed(st) {
		ss.sc.phaseClasses[p][x.class&31]++
	}
	if succeeded(st) && x.ident != 0 {
		if x.ident != ss.runIdent || p != ss.runPhase {
			ss.flush()
			ss.runIdent, ss.runPhase = x.ident, p
		}
		ss.runCount++
	}
}

// flush adds the current run of probes answered by one server.
func (ss *streamScan) flush() {
	if ss.runCount > 0 && ss.runPhase >= 0 {
		ss.idents[ss.runPhase][ss.runIdent] += ss.runCount
	}
	ss.runCount = 0
}

// orderChanges sorts the server and DNS changes of every stream by time
// and keeps one DNS change seen by several streams of an endpoint and
// profile once (new and pooled connections, and profiles with their own
// DNS cache, see it at different times: a pool looks up only when it
// dials).
func (sc *scan) orderChanges() {
	sort.SliceStable(sc.server, func(i, j int) bool { return sc.server[i].Time.Before(sc.server[j].Time) })
	sort.SliceStable(sc.dns, func(i, j int) bool { return sc.dns[i].Time.Before(sc.dns[j].Time) })
	sort.SliceStable(sc.timeline, func(i, j int) bool { return sc.timeline[i].Time.Before(sc.timeline[j].Time) })
	var dns []DNSChange
	for _, d := range sc.dns {
		dup := false
		for _, k := range dns {
			if k.Endpoint == d.Endpoint && k.Conn == d.Conn && k.Profile == d.Profile && k.From == d.From && k.To == d.To {
				dup = true
				break
			}
		}
		if !dup {
			dns = append(dns, d)
		}
	}
	sc.dns = dns
}

// makePhases turns the combined spans into Phases.
func makePhases(spans []span, streams []*stream, sc *scan, iv int64, syms *symtab) []Phase {
	phases := make([]Phase, 0, len(spans))
	firstServer := ""
	var firstSym uint32
	gridless := len(streams) > 0 && streams[0].gridless
	for i, sp := range spans {
		ph := Phase{
			Window: window(sp.start, sp.end, iv),
			Index:  i,
			State:  phaseStateOf[sp.sev],
		}
		if gridless {
			ph.Window = edgeWindow(sp.start, sp.end, sp.startRes, sp.endRes)
		}
		ph.Label = PhaseLabel(ph.State)
		if sp.sev != sevHealthy && sp.cause >= 0 {
			ph.Cause = streams[sp.cause].name
		}
		if failing(sp.sev) || sp.sev == sevStalled {
			if c := mostFrequent(sc.phaseClasses[i][:]); c > 0 {
				ph.ErrorClass = className(uint8(c))
			}
		}
		idents := sc.phaseWrite[i]
		if len(idents) == 0 {
			idents = sc.phaseOther[i]
		}
		var best uint32
		var bestN int64
		for id, n := range idents {
			if n > bestN || n == bestN && id < best {
				best, bestN = id, n
			}
		}
		if best != 0 {
			ph.Server = syms.str(best)
		}
		if sp.sev == sevHealthy && ph.Server != "" {
			switch {
			case firstServer == "":
				firstServer, firstSym = ph.Server, best
			case ph.Server != firstServer && syms.restartOf(firstSym, best):
				ph.NewServer, ph.Restarted = true, true
				ph.Label = "healthy (restarted)"
			case ph.Server != firstServer:
				ph.NewServer = true
				ph.Label = "healthy (new server)"
			}
		}
		phases = append(phases, ph)
	}
	return phases
}

// conflictWarning says that a stream's duplicate rows disagree with the
// rows kept, and shows the first conflict: which version is true the data
// cannot tell, so the reader is told rather than the first read silently
// winning.
func conflictWarning(s *stream) string {
	rows := "rows disagree"
	if s.conflicts == 1 {
		rows = "row disagrees"
	}
	return fmt.Sprintf("stream %s: %d duplicate %s with the row kept (first at seq %d: kept %s, dropped %s); the run holds two versions of the same probes, and the figures use the first read",
		s.name, s.conflicts, rows, s.conflictSeq, outcomeText(&s.conflictKept), outcomeText(&s.conflictDropped))
}

// outcomeText is a row's outcome and class, "error/read_only".
func outcomeText(x *row) string {
	o := outcomeName(x.outcome)
	if c := className(x.class); c != "" {
		o += "/" + c
	}
	return o
}
