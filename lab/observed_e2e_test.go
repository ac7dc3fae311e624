package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
	"github.com/switchwatch/switchwatch/report"
)

// reportMarkdown is the Markdown report of sum, with report's default
// options.
func reportMarkdown(t *testing.T, sum *analyze.Summary) string {
	t.Helper()
	rep, err := report.Build(sum, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	return md.String()
}

// Slack for the probes' clock (start-of-run wall clock plus monotonic
// time) against the lab's.
const observedSlack = 50 * time.Millisecond

func analyzeLab(t *testing.T, dir string) *analyze.RunResult {
	t.Helper()
	sum, err := analyze.Analyze(context.Background(), []string{dir}, analyze.Options{})
	if err != nil || len(sum.Runs) != 1 {
		t.Fatalf("analyze %s: %v (%d runs)", dir, err, len(sum.Runs))
	}
	return &sum.Runs[0]
}

func newAndPooled(c *record.Config) { c.Conns = []string{store.ConnNew, store.ConnPooled} }

// TestLabPgBouncerChangeDatedWhenAnswered: through a PAUSE that clients
// wait out, the server change is dated when green first answered, right
// after RESUME, not at the intended start of the first probe that waited.
func TestLabPgBouncerChangeDatedWhenAnswered(t *testing.T) {
	r := runBouncerLab(t, map[string]string{"hold": "1s"}, newAndPooled)
	run := analyzeLab(t, r.dir)
	var firstGreen time.Time // when green first answered, from the rows
	for i := range r.probes {
		p := &r.probes[i]
		if ok(p) && r.before[p.ServerIdentity()] == 0 && (firstGreen.IsZero() || at(p.Observed).Before(firstGreen)) {
			firstGreen = at(p.Observed)
		}
	}
	if firstGreen.Before(r.resume.Time.Add(-observedSlack)) {
		t.Fatalf("green answered at %v, before RESUME at %v", firstGreen, r.resume.Time)
	}
	n := 0
	for _, c := range run.Metrics.ServerChanges {
		if !strings.HasPrefix(c.Stream, store.KindWrite+"/") {
			continue
		}
		n++
		if d := c.Time.Sub(firstGreen); c.Clock != analyze.ClockObserved || d < -observedSlack || d > e2eInterval+observedSlack {
			t.Errorf("%s: server change at %v (%s), %v after green first answered at %v; want within one interval (%v)",
				c.Stream, c.Time, c.Clock, d, firstGreen, e2eInterval)
		}
		if !c.Intended.Before(c.Time) {
			t.Errorf("%s: intended start %v not before the observation %v: the probe did not wait?", c.Stream, c.Intended, c.Time)
		}
	}
	if n != 2 {
		t.Errorf("server changes on write streams: %d, want one per connection mode: %+v", n, run.Metrics.ServerChanges)
	}
}

// TestLabDNSDatedAndTimeline: the DNS change is dated within one interval
// of the flip by new and pooled connections alike; the promotion shows as
// a timeline change, and the clock offset of client and server on one
// machine is near zero, in the JSON and in the report.
func TestLabDNSDatedAndTimeline(t *testing.T) {
	r := runLabWith(t, "dns", map[string]string{"ttl": "1s"}, newAndPooled)
	flip := r.one(t, ActDNSFlip)
	r.one(t, ActGreenPromoted)
	sum, err := analyze.Analyze(context.Background(), []string{r.dir}, analyze.Options{})
	if err != nil || len(sum.Runs) != 1 {
		t.Fatalf("analyze: %v", err)
	}
	m := sum.Runs[0].Metrics
	seen := map[string]bool{}
	for _, c := range m.DNSChanges {
		if c.Endpoint != store.EndpointWrite {
			continue
		}
		seen[c.Conn] = true
		if d := c.Time.Sub(flip.Time); d < -observedSlack || d > e2eInterval+observedSlack || c.From != dnsBlueIP || c.To != dnsGreenIP {
			t.Errorf("DNS change %+v, %v after the flip at %v; want %s → %s within one interval (%v)", c, d, flip.Time, dnsBlueIP, dnsGreenIP, e2eInterval)
		}
	}
	if !seen[store.ConnNew] || !seen[store.ConnPooled] {
		t.Errorf("DNS changes on the write endpoint seen by %v, want new and pooled: %+v", seen, m.DNSChanges)
	}
	for _, sd := range m.StaleDials {
		if !strings.HasPrefix(sd.Addr, dnsBlueIP+":") {
			t.Errorf("stale dial %+v not on blue's address %s", sd, dnsBlueIP)
		}
	}
	t.Logf("stale dials: %+v", m.StaleDials)

	if len(m.TimelineChanges) == 0 || m.TimelineChange == nil {
		t.Fatalf("no timeline change across the promotion: %+v", m.TimelineChanges)
	}
	for _, c := range m.TimelineChanges {
		if c.To != c.From+1 {
			t.Errorf("timeline change %+v, want one step up", c)
		}
	}
	o := m.ClockOffset
	if o == nil || o.Probes == 0 {
		t.Fatal("no clock offset")
	}
	if med := time.Duration(o.MedianNS); med < -5*time.Millisecond || med > 5*time.Millisecond {
		t.Errorf("clock offset %+v: client and server share a clock, want a median within 5 ms of zero", o)
	}
	js, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"timeline_changes"`, `"clock_offset"`, `"clock":"observed"`} {
		if !bytes.Contains(js, []byte(k)) {
			t.Errorf("JSON lacks %s", k)
		}
	}
	md := reportMarkdown(t, sum)
	for _, k := range []string{"timeline changed at", "server clock − client clock", "DNS answer changed at"} {
		if !strings.Contains(md, k) {
			t.Errorf("report lacks %q", k)
		}
	}
}

// TestLabDNSPooledStaysOnOldBlue: with cut=false blue goes read-only
// without its sessions ended, so the pool's connections stay on old blue
// after the flip while new connections move to green. The pooled write
// stream's probes on blue's address are reported as a stale dial with that
// address, in the JSON (stale_dials) and the report, and the DNS change
// seen by new connections is dated within one interval of the flip.
func TestLabDNSPooledStaysOnOldBlue(t *testing.T) {
	r := runLabWith(t, "dns", map[string]string{"ttl": "1s", "cut": "false"}, newAndPooled)
	flip := r.one(t, ActDNSFlip)
	if ro := r.one(t, ActBlueReadOnly); ro.Attrs["terminate"] != "false" {
		t.Errorf("blue_read_only attrs %v: want terminate=false with cut=false", ro.Attrs)
	}
	for _, e := range r.events[ActEndpointRefuse] {
		if e.Attrs["cut"] != "false" {
			t.Errorf("endpoint_refuse attrs %v: want cut=false", e.Attrs)
		}
	}
	sum, err := analyze.Analyze(context.Background(), []string{r.dir}, analyze.Options{})
	if err != nil || len(sum.Runs) != 1 {
		t.Fatalf("analyze: %v", err)
	}
	m := sum.Runs[0].Metrics
	dated := false
	for _, c := range m.DNSChanges {
		if c.Endpoint != store.EndpointWrite || c.Conn != store.ConnNew {
			continue
		}
		dated = true
		if d := c.Time.Sub(flip.Time); d < -observedSlack || d > e2eInterval+observedSlack || c.From != dnsBlueIP || c.To != dnsGreenIP {
			t.Errorf("DNS change %+v, %v after the flip at %v; want %s → %s within one interval (%v)", c, d, flip.Time, dnsBlueIP, dnsGreenIP, e2eInterval)
		}
	}
	if !dated {
		t.Errorf("no DNS change seen by new connections on the write endpoint: %+v", m.DNSChanges)
	}
	// Pooled writes after the flip on a connection to old blue: read-only
	// errors, reported with blue's address.
	stale := map[string]analyze.StaleDial{}
	for _, sd := range m.StaleDials {
		if !strings.HasPrefix(sd.Addr, dnsBlueIP+":") {
			t.Errorf("stale dial %+v not on blue's address %s", sd, dnsBlueIP)
		}
		stale[sd.Stream] = sd
	}
	// Stream names are kind/conn/endpoint.
	pooledWrite := store.KindWrite + "/" + store.ConnPooled + "/" + store.EndpointWrite
	sd, found := stale[pooledWrite]
	if !found {
		t.Fatalf("no stale dial on %s; stale dials: %+v", pooledWrite, m.StaleDials)
	}
	if sd.Probes == 0 || sd.Failed == 0 || sd.Last.Before(flip.Time) {
		t.Errorf("stale dial %+v: want failed writes (read-only old blue) after the flip at %v", sd, flip.Time)
	}
	if _, ok := stale[store.KindWrite+"/"+store.ConnNew+"/"+store.EndpointWrite]; ok {
		t.Errorf("new connections resolve afresh, yet a stale dial is reported for them: %+v", stale)
	}
	var onBlue int
	for _, p := range r.where(func(p *store.Probe) bool {
		return p.Kind == store.KindWrite && p.Conn == store.ConnPooled && at(p.Start).After(flip.Time.Add(tol))
	}) {
		if strings.HasPrefix(p.DialedAddr, dnsBlueIP+":") {
			onBlue++
			if p.ErrorClass != store.ClassReadOnly {
				t.Errorf("pooled write on old blue after the flip (%v): %s %s, want %s", at(p.Start), p.Outcome, p.ErrorClass, store.ClassReadOnly)
			}
		}
	}
	if onBlue == 0 {
		t.Error("no pooled write on old blue's address after the flip: the pool did not stay")
	}
	js, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(js, []byte(`"stale_dials":[`)) || !bytes.Contains(js, []byte(`"addr":"`+sd.Addr+`"`)) {
		t.Errorf("JSON lacks stale_dials with %s", sd.Addr)
	}
	md := reportMarkdown(t, sum)
	if !strings.Contains(md, "still on "+sd.Addr) {
		t.Errorf("report lacks the stale dial on %s:\n%s", sd.Addr, md)
	}
}
