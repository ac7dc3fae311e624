package report

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// hostileVantage is a vantage name that Markdown would otherwise take for
// markup.
const hostileVantage = "zone-c <b>*x*</b>|"

// vantageSummary analyzes one switchover seen from three vantages:
// zone-b recovers 3 s after zone-a, the third vantage's clock is 1.5 s
// ahead of the servers' and is named third.
func vantageSummary(t *testing.T, third string) *analyze.Summary {
	t.Helper()
	out := t.TempDir()
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for _, v := range []struct {
		id, name   string
		down, skew time.Duration
	}{{"a", "zone-a", 4 * time.Second, 0}, {"b", "zone-b", 7 * time.Second, 0}, {"c", third, 4 * time.Second, 1500 * time.Millisecond}} {
		r := &synth.Run{ID: v.id, Start: t0.Add(v.skew), Kinds: []string{store.KindWrite}, Conns: []string{store.ConnNew}, Seed: 3,
			Vantage: v.name, SwitchoverID: "sw-2026-12-06",
			Phases: []synth.Phase{
				{State: synth.Healthy, Duration: 15 * time.Second},
				{State: synth.Unavailable, Duration: v.down, Class: store.ClassRefused},
				{State: synth.Healthy, Duration: 15 * time.Second, Server: 1},
			}}
		rows, truth := r.Probes()
		synth.ServerTimes(rows, v.skew)
		if _, err := r.WriteRows(out, rows, truth, synth.WriteOptions{NoEvents: true}); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := analyze.Analyze(context.Background(), []string{out}, analyze.Options{GroupsOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Switchovers) != 1 {
		t.Fatalf("analysis found %d switchovers, want 1", len(sum.Switchovers))
	}
	return sum
}

// TestVantagePoints: report.md has the "Vantage points" section with
// every vantage, the spread naming the late vantage, data escaped, and
// the picture (one row per vantage, PNG and SVG), also when rendered from
// summary.json alone; the text output has the table and spread lines.
func TestVantagePoints(t *testing.T) {
	sum := vantageSummary(t, hostileVantage)
	var js bytes.Buffer
	if err := analyze.WriteJSON(&js, sum); err != nil {
		t.Fatal(err)
	}
	back, err := analyze.ReadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	var mds [][]byte
	for _, s := range []*result.Summary{sum, back} {
		rep, err := Build(s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		md := string(markdown(t, rep))
		mds = append(mds, []byte(md))
		sec := md[strings.Index(md, "## Vantage points"):]
		if i := strings.Index(sec[3:], "\n## "); i >= 0 {
			sec = sec[:i+3]
		}
		for _, want := range []string{"### Switchover sw-2026-12-06", "| zone-a", "| zone-b", "latest zone-b", "![", "vantages-1.png", "servers' clock"} {
			if !strings.Contains(sec, want) {
				t.Errorf("the Vantage points section lacks %q:\n%s", want, sec)
			}
		}
		if strings.Contains(md, "<b>") || strings.Contains(sec, "*x*") {
			t.Errorf("the vantage name %q reached the Markdown unescaped:\n%s", hostileVantage, sec)
		}
		var fig *Figure
		for _, f := range rep.Figures {
			if f.Vantages != nil {
				fig = f
			}
		}
		if fig == nil {
			t.Fatal("no vantage figure")
		}
		if strings.Count(md, fig.Name+".png") != 1 {
			t.Errorf("the vantage picture is referenced %d times, want once (in its section, not in Pictures)", strings.Count(md, fig.Name+".png"))
		}
		var b bytes.Buffer
		if err := fig.Render(&b, "png"); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&b)
		if err != nil {
			t.Fatal(err)
		}
		for _, ph := range []result.PhaseState{result.PhaseHealthy, result.PhaseUnavailable} {
			if !hasColor(img, PhaseColor(ph)) {
				t.Errorf("%s.png shows no %s phase", fig.Name, ph)
			}
		}
		b.Reset()
		if err := fig.Render(&b, "svg"); err != nil {
			t.Fatal(err)
		}
		checkSVG(t, fig.Name, b.Bytes(), figWidth.Points())
		for _, v := range []string{"zone-a", "zone-b", "zone-c"} {
			if !bytes.Contains(b.Bytes(), []byte(v)) {
				t.Errorf("%s.svg has no row named %s", fig.Name, v)
			}
		}
	}
	if !bytes.Equal(mds[0], mds[1]) {
		t.Error("report.md from summary.json differs from the one of the analysis")
	}
	var txt bytes.Buffer
	if err := WriteText(&txt, sum, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := txt.String()
	for _, want := range []string{"switchover sw-2026-12-06 seen from 3 vantages", "spread of first error:", "spread of recovery:    3.0 s", "latest zone-b", "zone-a"} {
		if !strings.Contains(out, want) {
			t.Errorf("the text output lacks %q:\n%s", want, out)
		}
	}
}

// TestVantageCellsSayWhatIsUnknown: a vantage that never failed says "no
// outage seen" (not +0.0 s), one without a clock offset is marked as on
// its own clock with its time of day, one that did not recover says so,
// and an unknown spread is "unknown", never 0.
func TestVantageCellsSayWhatIsUnknown(t *testing.T) {
	sum := vantageSummary(t, "zone-c")
	sw := &sum.Switchovers[0]
	quiet, own, down := &sw.Vantages[0], &sw.Vantages[1], &sw.Vantages[2]
	quiet.Outage, quiet.FirstError, quiet.Recovery = false, nil, nil
	own.Clock, own.ClockOffset, own.OffsetNS = result.VantageClockOwn, nil, 0
	down.Recovery, down.Recovered = nil, false
	sw.RecoverySpread = result.Spread{Vantages: 1, LeftOut: []result.LeftOut{{Vantage: down.Vantage, Why: result.WhyNotRecovered}}}
	var txt bytes.Buffer
	if err := WriteText(&txt, sum, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := txt.String()
	for _, want := range []string{
		quiet.Vantage + " ", "no outage seen",
		own.Vantage + " (own clock)", fmtClock(own.FirstError.Time) + " own", "unknown (no server_time)",
		"not recovered", "spread of recovery:    unknown (a vantage did not recover",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "spread of recovery:    0") {
		t.Errorf("an unknown spread printed as a number:\n%s", out)
	}
}

// TestVantagesWithoutOutage: when no vantage saw an outage the spreads
// say so, not "unknown".
func TestVantagesWithoutOutage(t *testing.T) {
	s := result.Spread{LeftOut: []result.LeftOut{{Vantage: "a", Why: result.WhyNoOutage}, {Vantage: "b", Why: result.WhyNoOutage}}}
	if got := spreadText(&s); got != "none: no vantage saw an outage" {
		t.Errorf("spread of two vantages without an outage: %q", got)
	}
	s.LeftOut[1].Why = result.WhyOwnClock
	if got := spreadText(&s); !strings.HasPrefix(got, "unknown (fewer than two") {
		t.Errorf("spread with a vantage on its own clock: %q", got)
	}
}
