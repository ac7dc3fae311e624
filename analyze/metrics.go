package analyze

import (
	"cmp"
	"fmt"
	"math"
	"net"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

// downtime sums the windows in which any of the selected streams failed.
// It returns nil when no stream is selected. noData is the time in which
// none of them failed but one had no data (the recorder's missing rows):
// the downtime then is only what is known, a lower bound.
func downtime(streams []*stream, use func(*stream) bool, iv int64) (total, longest *Duration, noData int64) {
	any, perEdge := false, false
	for _, s := range streams {
		if use(s) {
			any, perEdge = true, s.gridless
		}
	}
	if !any {
		return nil, nil, 0
	}
	spans := combine(streams, use)
	for _, sp := range spans {
		if sp.sev == sevNoData {
			noData += sp.end - sp.start
		}
	}
	wins := outageWindows(spans, iv, perEdge)
	total, longest = &Duration{}, &Duration{ResolutionNS: iv}
	for _, w := range wins {
		total.NS += w.failing
		total.ResolutionNS += w.res
		if w.failing > longest.NS {
			longest.NS, longest.ResolutionNS = w.failing, w.res
		}
	}
	return total, longest, noData
}

// outage is one outage window: from the start of a failing span to the
// end of the last failing span before a healthy or stalled one. Time
// without data or traffic inside it neither ends it nor counts: failing
// is the failing time in it, res the resolution of that (one interval on
// the grid, else the ± of its two edges).
//
// before and after are the unknown time right before its start (after a
// known healthy or stalled state, or the run's start) and right after its
// end (before a known healthy or stalled state): the window may have begun
// earlier, or ended later, by that much, so times measured to its start
// or end are known only to it.
type outage struct {
	start, end, failing, res int64
	before, after            int64
	// startRes and endRes are the ± of its edges without a grid (0 on
	// the grid: half an interval).
	startRes, endRes int64
}

// startPM and endPM are the resolutions of times measured to the
// window's start and end: an interval on the grid, else the edge's own
// ±; and the unknown time beside the edge.
func (w *outage) startPM(iv int64) int64 { return cmp.Or(w.startRes, iv) + w.before }
func (w *outage) endPM(iv int64) int64   { return cmp.Or(w.endRes, iv) + w.after }

// outageWindows merges failing spans (read-only, error, unavailable; not
// stalled) into windows, across time without data or traffic between two
// of them: a lull is not a recovery.
func outageWindows(spans []span, iv int64, perEdge bool) []outage {
	var out []outage
	var startRes, pending int64 // pending: unknown time since the last known state
	open := false               // the last window may go on after unknown time
	for _, sp := range spans {
		switch {
		case failing(sp.sev):
			if n := len(out); open && n > 0 {
				out[n-1].end = sp.end
				out[n-1].failing += sp.end - sp.start
			} else {
				out = append(out, outage{start: sp.start, end: sp.end, failing: sp.end - sp.start, res: iv, before: pending})
				startRes = sp.startRes
			}
			if w := &out[len(out)-1]; perEdge {
				w.res, w.startRes, w.endRes = startRes+sp.endRes, startRes, sp.endRes
			}
			open, pending = true, 0
		case unknown(sp.sev):
			pending += sp.end - sp.start
		default:
			if n := len(out); open && n > 0 {
				out[n-1].after = pending
			}
			open, pending = false, 0
		}
	}
	return out
}

func classMap(counts *[32]int64) map[string]int64 {
	m := make(map[string]int64, len(store.ErrorClasses))
	for i, c := range store.ErrorClasses {
		m[c] = 0
		if counts != nil {
			m[c] = counts[i+1]
		}
	}
	return m
}

func tp(ns int64) *time.Time {
	t := time.Unix(0, ns).UTC()
	return &t
}

// metrics computes a run's Metrics.
func metrics(streams []*stream, spans []span, sc *scan, in *runInput, iv int64, opt *Options) Metrics {
	var m Metrics
	setDowntimes(&m, streams, iv)
	setPhaseTimes(&m, spans, iv)
	perEdge := len(streams) > 0 && streams[0].gridless
	wins := outageWindows(spans, iv, perEdge)
	m.Outages = len(wins)
	m.Recovered = true
	for k := len(spans) - 1; k >= 0; k-- {
		if !unknown(spans[k].sev) {
			// the last known state: a run whose data ends failing, or
			// failing then without data, did not recover as far as it shows
			m.Recovered = !failing(spans[k].sev)
			break
		}
	}
	m.StalledTime = stalledTime(spans, iv)
	m.Disruption = disruptions(streams, iv)
	if len(wins) > 0 {
		first, last := &wins[0], &wins[len(wins)-1]
		m.OutageTime = Duration{NS: last.end - first.start, ResolutionNS: iv + first.before + last.after}
		if perEdge {
			m.OutageTime.ResolutionNS = first.startPM(iv) + last.endPM(iv)
		}
		if m.Recovered {
			m.Recovery = tp(wins[len(wins)-1].end)
		}
	}
	if sc.firstFail != math.MaxInt64 {
		m.FirstError = tp(sc.firstFail)
	}
	m.FailedByClass = classMap((*[32]int64)(sc.byClass[:]))
	m.FailedProbes = sc.failedProbes
	m.Latency = map[string]LatencyPeriods{}
	for kind, h := range sc.latency {
		m.Latency[kind] = LatencyPeriods{Before: h[0].latency(), During: h[1].latency(), After: h[2].latency()}
	}
	setChanges(&m, sc)
	m.StaleDials = staleDials(streams, sc)
	m.ClockOffset = clockOffset(sc.offsets)
	setEvents(&m, in.events, wins, spans, sc, iv, opt)
	m.Staleness = staleness(streams)
	m.LostWrites = lostWrites(in.verify)
	return m
}

// downtimes sets the write and read downtimes. One that depends on time
// without data is unknown (nil, named in Metrics.Unknown), and its known
// part, a lower bound, is kept beside it.
func setDowntimes(m *Metrics, streams []*stream, iv int64) {
	isWrite := func(s *stream) bool { return s.kind == store.KindWrite }
	isRead := func(s *stream) bool { return s.kind == store.KindRead }
	var noData int64
	m.WriteDowntime, m.LongestWriteOutage, noData = downtime(streams, isWrite, iv)
	if noData > 0 {
		m.KnownWriteDowntime, m.WriteDowntime, m.LongestWriteOutage = m.WriteDowntime, nil, nil
		m.MarkUnknown(fmt.Sprintf("the write streams have %v without data", time.Duration(noData)), "write_downtime", "longest_write_outage")
	}
	m.ReadDowntime, _, noData = downtime(streams, isRead, iv)
	if noData > 0 {
		m.KnownReadDowntime, m.ReadDowntime = m.ReadDowntime, nil
		m.MarkUnknown(fmt.Sprintf("the read streams have %v without data", time.Duration(noData)), "read_downtime")
	}
}

// phaseTimes sums the time of the run's phases by state.
func setPhaseTimes(m *Metrics, spans []span, iv int64) {
	for _, sp := range spans {
		var d *Duration
		switch sp.sev {
		case sevHealthy, sevStalled:
			continue
		case sevReadOnly:
			d = &m.ReadOnlyTime
		case sevError:
			d = &m.ErrorTime
		case sevUnavailable:
			d = &m.UnavailableTime
		case sevNoData:
			d = &m.NoDataTime
		case sevNoTraffic:
			d = &m.NoTrafficTime
		}
		d.NS += sp.end - sp.start
		if sp.startRes != 0 || sp.endRes != 0 {
			d.ResolutionNS += sp.startRes + sp.endRes
		} else {
			d.ResolutionNS += iv
		}
	}
}

// changes sets the server, DNS and timeline changes.
func setChanges(m *Metrics, sc *scan) {
	m.ServerChanges, m.DNSChanges = sc.server, sc.dns
	n := sc.serverCount // a copy: a pointer into sc would keep the scan alive
	m.ServerChangeCount, m.DNSChangeCount = &n, sc.dnsCount
	m.ServerChange = firstChange(sc.server, func(c ServerChange) (time.Time, bool) {
		return c.Time, kindOf(c.Stream) == store.KindWrite
	})
	m.DNSChange = firstChange(sc.dns, func(c DNSChange) (time.Time, bool) { return c.Time, c.Endpoint == store.EndpointWrite })
	m.TimelineChanges = sc.timeline
	m.TimelineChange = firstChange(sc.timeline, func(c TimelineChange) (time.Time, bool) {
		return c.Time, kindOf(c.Stream) == store.KindWrite
	})
}

// events relates each event to the outage windows, chooses the trigger
// and measures the Event* offsets from it.
func setEvents(m *Metrics, in []store.Event, wins []outage, spans []span, sc *scan, iv int64, opt *Options) {
	events := slices.Clone(in)
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
	for _, e := range events {
		m.Events = append(m.Events, eventOffset(e, wins, m.Recovered, iv))
	}
	trigger, rule := chooseTrigger(events, opt.Trigger, spans)
	m.TriggerRule = rule
	if trigger < 0 {
		return
	}
	m.Events[trigger].Trigger = true
	ev := m.Events[trigger]
	m.Trigger = ev.Name
	m.EventToFirstError, m.EventToRecovery = ev.ToFirstError, ev.ToRecovery
	t := ev.Time.UnixNano()
	// A change is dated when a probe saw it, to the resolution the
	// probes around it give.
	if m.ServerChange != nil {
		res := firstResolution(sc.server, *m.ServerChange, func(c ServerChange) (time.Time, int64) { return c.Time, c.ResolutionNS })
		m.EventToServerChange = &Duration{NS: m.ServerChange.UnixNano() - t, ResolutionNS: res}
	}
	if m.DNSChange != nil {
		res := firstResolution(sc.dns, *m.DNSChange, func(c DNSChange) (time.Time, int64) { return c.Time, c.ResolutionNS })
		m.EventToDNSChange = &Duration{NS: m.DNSChange.UnixNano() - t, ResolutionNS: res}
	}
	if m.TimelineChange != nil {
		res := firstResolution(sc.timeline, *m.TimelineChange, func(c TimelineChange) (time.Time, int64) { return c.Time, c.ResolutionNS })
		m.EventToTimelineChange = &Duration{NS: m.TimelineChange.UnixNano() - t, ResolutionNS: res}
	}
}

// eventOffset relates one event to the outage windows.
func eventOffset(e store.Event, wins []outage, recovered bool, iv int64) EventOffset {
	t := e.Time.UnixNano()
	off := EventOffset{Name: e.Name, Source: e.Source, Time: e.Time}
	if l := event.Label(e.Source, e.Name, e.Message); l != e.Name {
		off.Label = l
	}
	for i := range wins {
		if w := &wins[i]; w.end > t {
			off.ToFirstError = &Duration{NS: max(0, w.start-t), ResolutionNS: w.startPM(iv)}
			// more than a boundary's uncertainty before: not the
			// event's own outage
			if w.start < t-iv {
				since := time.Unix(0, w.start).UTC()
				off.OutageSince = &since
			}
			break
		}
	}
	if last := len(wins) - 1; recovered && last >= 0 && wins[last].end > t {
		off.ToRecovery = &Duration{NS: wins[last].end - t, ResolutionNS: wins[last].endPM(iv)}
	}
	return off
}

// lostWrites is the lost-write check of verify.json; nil without one.
func lostWrites(v *store.Verify) *LostWrites {
	if v == nil {
		return nil
	}
	lw := &LostWrites{
		Lost: v.AcknowledgedMissing, CommittedFailed: v.FailedPresent, Unexpected: v.Unexpected,
		LostSeqs: v.LostSeqs, CommittedFailedSeqs: v.CommittedFailedSeqs,
	}
	if lw.LostSeqs == nil {
		lw.LostSeqs = []int64{}
	}
	if lw.CommittedFailedSeqs == nil {
		lw.CommittedFailedSeqs = []int64{}
	}
	for _, w := range v.Lost {
		lw.LostWrites = append(lw.LostWrites, StreamSeq(w))
	}
	for _, w := range v.CommittedFailed {
		lw.CommittedFailedWrites = append(lw.CommittedFailedWrites, StreamSeq(w))
	}
	return lw
}

// The rules that choose the trigger (Metrics.TriggerRule), in the order
// chooseTrigger tries them.
const (
	TriggerByOption     = "option"             // the event --trigger names
	TriggerMarked       = "marked"             // an event marked as the trigger (event.AttrTrigger)
	TriggerByCommand    = "switchover_command" // record --switchover's command
	TriggerByProvider   = "switchover_event"   // a switchover step the lab or a provider names
	TriggerByFirstEvent = "first_event"        // the first event at or after the run's start
)

// chooseTrigger picks the event (an index in events, sorted by time; -1:
// none) the Event* metrics count from, and the rule that chose it: the
// first event named by name (--trigger) when given; else the first marked
// as the trigger (switchwatch mark --trigger, record --switchover), else
// the first --switchover command event (runs recorded before the mark
// existed), else the first switchover step the lab, a provider or a
// server's promote request names (store.NamesSwitchover), else the first
// event not read from a server's log (store.FromServerLog). An annotation (a plain mark) is therefore never
// the trigger while one of the others is there. Apart from --trigger and
// marks, which say what they are, only events at or after the run's start
// count.
func chooseTrigger(events []store.Event, name string, spans []span) (int, string) {
	if name != "" {
		for i, e := range events {
			if e.Name == name {
				return i, TriggerByOption
			}
		}
		return -1, ""
	}
	for i, e := range events {
		if event.IsTrigger(e.Attrs) {
			return i, TriggerMarked
		}
	}
	inRun := func(e store.Event) bool { return len(spans) > 0 && e.Time.UnixNano() >= spans[0].start }
	for _, r := range []struct {
		rule string
		is   func(store.Event) bool
	}{
		{TriggerByCommand, func(e store.Event) bool {
			return e.Name == event.SwitchoverCommand && e.Source == event.SourceRecord
		}},
		{TriggerByProvider, func(e store.Event) bool { return event.NamesSwitchover(e.Source, e.Name) }},
		{TriggerByFirstEvent, func(e store.Event) bool { return !event.FromServerLog(e.Source) }},
	} {
		for i, e := range events {
			if inRun(e) && r.is(e) {
				return i, r.rule
			}
		}
	}
	return -1, ""
}

func kindOf(stream string) string {
	for i := 0; i < len(stream); i++ {
		if stream[i] == '/' {
			return stream[:i]
		}
	}
	return stream
}

// firstChange returns the time of the first change that pref accepts, else
// of the first change, else nil.
func firstChange[C any](cs []C, pref func(C) (time.Time, bool)) *time.Time {
	var first *time.Time
	for _, c := range cs {
		t, ok := pref(c)
		if ok {
			return &t
		}
		if first == nil {
			first = &t
		}
	}
	return first
}

// firstResolution is the resolution of the change of cs at t.
func firstResolution[C any](cs []C, t time.Time, of func(C) (time.Time, int64)) int64 {
	for _, c := range cs {
		if ct, res := of(c); ct.Equal(t) {
			return res
		}
	}
	return 0
}

// clockOffset summarises the servers' clock offsets from the recorder's.
func clockOffset(offsets []int64) *ClockOffset {
	if len(offsets) == 0 {
		return nil
	}
	s := slices.Clone(offsets)
	slices.Sort(s)
	q := func(p float64) int64 { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return &ClockOffset{Probes: int64(len(s)), MedianNS: q(0.5), P5NS: q(0.05), P95NS: q(0.95)}
}

// staleDials finds, after each DNS change of an endpoint (when the first
// stream saw it, whatever its connection mode, until the endpoint's next
// change), the probes of its streams whose connection was dialled to an
// address the change dropped, by stream and address.
func staleDials(streams []*stream, sc *scan) []StaleDial {
	if len(sc.dns) == 0 {
		return nil
	}
	var out []StaleDial
	hosts := map[uint32]string{}
	seen := map[[3]string]bool{}
	for i, d := range sc.dns {
		if k := [3]string{d.Endpoint, d.From, d.To}; seen[k] {
			continue
		} else {
			seen[k] = true
		}
		dropped := map[string]bool{}
		for _, a := range strings.Split(d.From, ",") {
			dropped[a] = true
		}
		for _, a := range strings.Split(d.To, ",") {
			delete(dropped, a)
		}
		if len(dropped) == 0 {
			continue
		}
		from, until := d.Time.UnixNano(), int64(math.MaxInt64)
		for _, n := range sc.dns[i+1:] {
			if n.Endpoint == d.Endpoint && (n.From != d.From || n.To != d.To) {
				until = n.Time.UnixNano()
				break
			}
		}
		for _, s := range streams {
			if s.endpoint != d.Endpoint {
				continue
			}
			byAddr := map[uint32]*StaleDial{}
			var order []uint32
			for i := range s.rows {
				x, o := &s.rows[i], s.obsOf(i)
				if o.dialed == 0 || x.outcome == outSkipped {
					continue
				}
				at, _ := observedAt(x, o)
				if at < from || at >= until {
					continue
				}
				h, ok := hosts[o.dialed]
				if !ok {
					h = dialedHost(sc.syms.str(o.dialed))
					hosts[o.dialed] = h
				}
				if !dropped[h] {
					continue
				}
				sd := byAddr[o.dialed]
				if sd == nil {
					sd = &StaleDial{Stream: s.name, Addr: sc.syms.str(o.dialed), DNSChange: d.Time}
					byAddr[o.dialed] = sd
					order = append(order, o.dialed)
				}
				sd.Probes++
				if x.outcome != outOK {
					sd.Failed++
				}
				sd.Last = time.Unix(0, max(at, sd.Last.UnixNano())).UTC()
				if x.outcome == outOK && o.established != 0 {
					sd.MaxAgeNS = max(sd.MaxAgeNS, at-o.established)
				}
			}
			for _, a := range order {
				out = append(out, *byAddr[a])
			}
		}
	}
	return out
}

// dialedHost is the host of a dialled address (ip:port).
func dialedHost(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// staleness measures how far the reader lagged behind acknowledged writes.
// A read's SeenSeq refers to the Seq numbers of the write stream of the same
// profile (store.Probe.SeenSeq); a read stream without one is measured
// against the first write stream.
func staleness(streams []*stream) *Staleness {
	writes := map[string]*stream{} // by profile
	var first *stream
	for _, s := range streams {
		if s.kind != store.KindWrite || len(s.rows) == 0 {
			continue
		}
		if writes[s.profile] == nil {
			writes[s.profile] = s
		}
		if first == nil {
			first = s
		}
	}
	if first == nil {
		return nil
	}
	// a write stream's acknowledgements are made when a read that says
	// what it saw needs them: most files have none (version 1, imports),
	// and making them for every write stream was 3.5% of an analysis
	acks := map[*stream]*writeAcks{}
	var h hist
	var st Staleness
	used := map[string]bool{}
	for _, s := range streams {
		if s.kind != store.KindRead {
			continue
		}
		ws := writes[s.profile]
		if ws == nil {
			ws = first
		}
		var w *writeAcks
		reads := st.Reads
		for i := range s.rows {
			x := &s.rows[i]
			// seen -1: the read does not say what it saw (an imported
			// trace, a file of schema version 1): not measurable, not stale.
			seen := s.cold.seenAt(i)
			if x.outcome != outOK || x.start == 0 || seen < 0 {
				continue
			}
			if w == nil {
				if w = acks[ws]; w == nil {
					w = newWriteAcks(ws)
					acks[ws] = w
				}
			}
			st.Reads++
			lag := w.lag(seen, x.start)
			if lag > 0 {
				st.Stale++
			}
			h.add(lag)
		}
		if st.Reads > reads {
			// once a stream, not once a row: a map assignment a read was
			// 4.6% of an analysis
			used[w.name] = true
		}
	}
	names := make([]string, 0, len(used))
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	st.WriteStream = strings.Join(names, ",")
	if st.Reads == 0 {
		return nil
	}
	st.P50NS, st.P99NS, st.MaxNS = h.quantile(0.5), h.quantile(0.99), h.max
	return &st
}

// writeAcks knows, for a write stream, when the first write at or after
// each Seq was acknowledged.
type writeAcks struct {
	name       string
	base, last int64
	// ack[seq-base]: the acknowledgement time of the first acknowledged
	// write with a Seq at or after seq (0: none)
	ack []int64
}

func newWriteAcks(w *stream) *writeAcks {
	a := &writeAcks{name: w.name, base: w.rows[0].seq, last: w.rows[len(w.rows)-1].seq}
	a.ack = make([]int64, a.last-a.base+2)
	next := int64(0)
	j := len(w.rows) - 1
	for q := a.last; q >= a.base; q-- {
		for j >= 0 && w.rows[j].seq > q {
			j--
		}
		if j >= 0 && w.rows[j].seq == q && w.rows[j].outcome == outOK && w.rows[j].end != 0 {
			next = w.rows[j].end
		}
		a.ack[q-a.base] = next
	}
	return a
}

// lag is how long before a read that started at start the first write it
// did not see (seen+1) had been acknowledged; 0 when that write was not yet
// acknowledged (the read was not stale).
func (a *writeAcks) lag(seen, start int64) int64 {
	q := seen + 1
	if q < a.base {
		q = a.base
	}
	if q > a.last {
		return 0
	}
	if t := a.ack[q-a.base]; t != 0 && t < start {
		return start - t
	}
	return 0
}
