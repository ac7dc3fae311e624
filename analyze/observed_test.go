package analyze

import (
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// observedRun analyzes a healthy 10 s run (write and read, new and
// pooled) whose rows f has given the columns of schema version 2.
func observedRun(t *testing.T, f func(t0 int64, p *store.Probe)) *RunResult {
	t.Helper()
	r := simple("observed", synth.Phase{State: synth.Healthy, Duration: 10 * time.Second})
	r.Conns = []string{store.ConnNew, store.ConnPooled}
	rows, truth := r.Probes()
	t0 := rows[0].Intended
	for _, p := range rows {
		t0 = min(t0, p.Intended)
	}
	for i := range rows {
		f(t0, &rows[i])
	}
	sum := analyzeRows(t, r, rows, truth, Options{})
	return &sum.Runs[0]
}

// TestChangesDatedWhenObserved: probes meant to start from +5 s wait in a
// held pool until +7 s and are answered by a new server on a new timeline.
// The changes are dated when the new server first answered (+7 s), not at
// the intended start of the first probe it answered (+5 s), with the
// resolution back to the last answer of the old server; the clock offset
// is the servers' 3 ms.
func TestChangesDatedWhenObserved(t *testing.T) {
	const hold, release = int64(5 * time.Second), int64(7 * time.Second)
	run := observedRun(t, func(t0 int64, p *store.Probe) {
		off := p.Intended - t0
		if off >= hold && p.Outcome == store.OutcomeOK {
			if off < release {
				p.End = t0 + release + int64(time.Millisecond) + (off-hold)/1000
				p.LatencyNS = p.End - p.Start
			}
			p.ServerAddr, p.ServerStart = "10.0.0.9:5432", p.ServerStart+int64(time.Hour)
		}
		if p.Outcome == store.OutcomeOK {
			p.Observed = p.End - 1000
			from := p.Start
			if p.ConnectDone != 0 {
				from = p.ConnectDone
			}
			p.ServerTime = from + (p.End-from)/2 + int64(3*time.Millisecond)
			p.Timeline = 1
			if off >= hold {
				p.Timeline = 2
			}
		}
	})
	m := run.Metrics
	if len(m.ServerChanges) == 0 || m.ServerChange == nil {
		t.Fatalf("no server change: %+v", m.ServerChanges)
	}
	t0 := run.Start
	for _, c := range m.ServerChanges {
		at := c.Time.Sub(t0)
		if c.Clock != ClockObserved || c.Observed == nil || !c.Observed.Equal(c.Time) {
			t.Errorf("%s: clock %q observed %v, want the observation clock", c.Stream, c.Clock, c.Observed)
		}
		if at < 7*time.Second || at > 7*time.Second+100*time.Millisecond {
			t.Errorf("%s: server change at +%v, want when the new server first answered, +7 s", c.Stream, at)
		}
		if c.Intended.Sub(t0) != 5*time.Second {
			t.Errorf("%s: intended start of the first probe on the new server +%v, want +5 s", c.Stream, c.Intended.Sub(t0))
		}
		if r := time.Duration(c.ResolutionNS); r < 2*time.Second || r > 2*time.Second+200*time.Millisecond {
			t.Errorf("%s: resolution %v, want about 2.1 s (the last answer of the old server was at +4.9 s)", c.Stream, r)
		}
	}
	if len(m.TimelineChanges) != len(m.ServerChanges) || m.TimelineChange == nil || !m.TimelineChange.Equal(*m.ServerChange) {
		t.Errorf("timeline changes %+v, want one per stream at the server change %v", m.TimelineChanges, m.ServerChange)
	}
	for _, c := range m.TimelineChanges {
		if c.From != 1 || c.To != 2 || !strings.HasPrefix(c.Server, "10.0.0.9:5432@") {
			t.Errorf("timeline change %+v, want 1 → 2 on the new server", c)
		}
	}
	if o := m.ClockOffset; o == nil || o.MedianNS < int64(2900*time.Microsecond) || o.MedianNS > int64(3100*time.Microsecond) || o.Probes == 0 {
		t.Errorf("clock offset %+v, want a median of 3 ms", m.ClockOffset)
	}
}

// TestDNSChangeAndStaleDials: new connections resolve the new address from
// +5 s; the pool keeps its connection to the old address until +8 s, when
// it dials the new one. The DNS change is dated at +5 s for new
// connections and +8 s for the pool (whose previous lookup was at the
// start: the resolution says so), and the pool's probes in between are
// reported as still dialled to the old address.
func TestDNSChangeAndStaleDials(t *testing.T) {
	const flip, redial = int64(5 * time.Second), int64(8 * time.Second)
	run := observedRun(t, func(t0 int64, p *store.Probe) {
		off := p.Intended - t0
		oldAddr, newAddr := "10.0.0.1", "10.0.0.2"
		p.ResolvedAddrs, p.DialedAddr = oldAddr, oldAddr+":5432"
		if p.Conn == store.ConnNew {
			p.ConnEstablished = p.Start + int64(time.Millisecond)
			if off >= flip {
				p.ResolvedAddrs, p.DialedAddr = newAddr, newAddr+":5432"
			}
		} else {
			p.ConnEstablished = t0 + int64(time.Millisecond)
			if off >= redial {
				p.ResolvedAddrs, p.DialedAddr = newAddr, newAddr+":5432"
				p.ConnEstablished = t0 + redial + int64(time.Millisecond)
			}
		}
		if p.Outcome == store.OutcomeOK {
			p.Observed = p.End
		}
	})
	m := run.Metrics
	t0 := run.Start
	want := map[string]time.Duration{store.ConnNew: 5 * time.Second, store.ConnPooled: 8 * time.Second}
	if len(m.DNSChanges) != 4 {
		t.Fatalf("DNS changes %+v, want one per endpoint and connection mode", m.DNSChanges)
	}
	for _, c := range m.DNSChanges {
		at := c.Time.Sub(t0)
		if at < want[c.Conn] || at > want[c.Conn]+100*time.Millisecond || c.From != "10.0.0.1" || c.To != "10.0.0.2" || c.Clock != ClockObserved {
			t.Errorf("DNS change %+v at +%v, want 10.0.0.1 → 10.0.0.2 at +%v on the observation clock", c, at, want[c.Conn])
		}
		if r := time.Duration(c.ResolutionNS); c.Conn == store.ConnNew && r > 100*time.Millisecond || c.Conn == store.ConnPooled && r != 8*time.Second {
			t.Errorf("DNS change %+v: resolution %v, want one interval (new) or 8 s since the pool's last lookup", c, r)
		}
	}
	if len(m.StaleDials) != 2 {
		t.Fatalf("stale dials %+v, want the pool's write and read streams", m.StaleDials)
	}
	for _, sd := range m.StaleDials {
		if kindOf(sd.Stream) == "" || sd.Addr != "10.0.0.1:5432" || sd.Probes < 29 || sd.Probes > 30 || sd.Failed != 0 {
			// the probe of +5 s may have answered before the first new connection was made
			t.Errorf("stale dial %+v, want 29 or 30 probes (+5 s to +8 s) on 10.0.0.1:5432", sd)
		}
		if last := sd.Last.Sub(t0); last < 7900*time.Millisecond || last > 8*time.Second {
			t.Errorf("stale dial's last probe at +%v, want just before +8 s", last)
		}
		if age := time.Duration(sd.MaxAgeNS); age < 7800*time.Millisecond || age > 8*time.Second {
			t.Errorf("stale connection's age %v, want nearly 8 s", age)
		}
	}
}
