package report

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestLaneRects: a lane has a mark per span of the series, from its start
// to its end, coloured by the state its code names in the series' table.
func TestLaneRects(t *testing.T) {
	const iv = int64(100 * time.Millisecond)
	from := time.Unix(0, 0).UTC()
	sr := &analyze.Series{From: from, States: analyze.States}
	ok, un := slices.Index(analyze.States, analyze.StateOK), slices.Index(analyze.States, analyze.StateUnavailable)
	ss := &analyze.StreamSeries{Spans: [][3]int64{{0, 5 * iv, int64(ok)}, {5 * iv, 7 * iv, int64(un)}, {8 * iv, 9 * iv, int64(un)}}}
	rects := laneRects(sr, ss, 0, 0)
	want := []struct {
		x0, x1 float64
		st     analyze.State
	}{{0, 0.5, analyze.StateOK}, {0.5, 0.7, analyze.StateUnavailable}, {0.8, 0.9, analyze.StateUnavailable}}
	if len(rects) != len(want) {
		t.Fatalf("got %d marks %+v, want %d", len(rects), rects, len(want))
	}
	for i, w := range want {
		r := rects[i]
		if math.Abs(r.X0-w.x0) > 1e-9 || math.Abs(r.X1-w.x1) > 1e-9 || r.State != w.st || r.Color != StateColor(w.st) {
			t.Errorf("mark %d = [%v, %v) %s, want [%v, %v) %s", i, r.X0, r.X1, r.State, w.x0, w.x1, w.st)
		}
	}
}

// TestSeriesMatchesProbes: the series the summary carries of each run drawn
// in detail are that run's probes as its files hold them, read here with
// store's reader and classified with analyze.Classify: every probe in the
// window, in the span of its state, and every latency.
func TestSeriesMatchesProbes(t *testing.T) {
	sum := cachedSummary(t, "fixture", fixtureRuns)
	rep, err := Build(sum, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Detail) == 0 {
		t.Fatal("no run drawn in detail")
	}
	// cachedSummary keeps the probes of every run.
	for _, r := range rep.Runs {
		if r.Series == nil {
			t.Fatalf("run %s: no series", r.RunID)
		}
		checkSeries(t, r)
	}
}

func checkSeries(t *testing.T, r *RunView) {
	t.Helper()
	sr := r.Series
	_, from, to, _ := r.DetailWindow()
	if sr.From.UnixNano() != from || sr.To.UnixNano() != to {
		t.Errorf("run %s: series [%v, %v), the detail window [%v, %v)", r.RunID, sr.From, sr.To, time.Unix(0, from).UTC(), time.Unix(0, to).UTC())
	}
	byStream := map[string]*analyze.StreamSeries{}
	for i := range sr.Streams {
		byStream[sr.Streams[i].Stream] = &sr.Streams[i]
	}
	thresholds := map[string][2]int64{}
	for _, s := range r.Streams {
		thresholds[s.Stream] = [2]int64{s.SlowThresholdNS, s.StallThresholdNS}
	}
	probes, points := 0, 0
	err := store.ReadRun(r.Path, func(p *store.Probe) error {
		if p.RunID != r.RunID || p.Intended < from || p.Intended >= to {
			return nil
		}
		probes++
		ss := byStream[p.Stream()]
		if ss == nil {
			t.Fatalf("run %s: no series of stream %s", r.RunID, p.Stream())
		}
		th := thresholds[p.Stream()]
		want := analyze.Classify(p, th[0], th[1])
		at := p.Intended - from
		i := slices.IndexFunc(ss.Spans, func(sp [3]int64) bool { return sp[0] <= at && at < sp[1] })
		if i < 0 {
			t.Fatalf("run %s stream %s: the probe of seq %d (at %d ns) is in no span", r.RunID, ss.Stream, p.Seq, at)
		}
		if got, _ := sr.SeriesState(ss.Spans[i][2]); got != want {
			t.Errorf("run %s stream %s seq %d: in a span of %s, classified %s", r.RunID, ss.Stream, p.Seq, got, want)
		}
		if p.Outcome != store.OutcomeSkipped && p.LatencyNS > 0 {
			points++
			if !slices.Contains(ss.Points, [3]int64{at, p.LatencyNS, ss.Spans[i][2]}) {
				t.Errorf("run %s stream %s seq %d: no point of latency %d", r.RunID, ss.Stream, p.Seq, p.LatencyNS)
			}
		}
		return nil
	}, func(store.SkippedFile) {})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ss := range sr.Streams {
		n += len(ss.Points)
	}
	if probes == 0 || n != points {
		t.Errorf("run %s: %d probes in the window, %d with a latency, the series has %d points", r.RunID, probes, points, n)
	}
}
