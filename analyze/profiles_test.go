package analyze

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// The sign test's p-values are the binomial ones: all n differences of
// one sign give 2·0.5^n; ties are left out.
func TestSignTest(t *testing.T) {
	for _, c := range []struct {
		d []float64
		n int
		p float64
	}{
		{[]float64{-1, -2, -3, -4, -5, -6}, 6, 2 * math.Pow(0.5, 6)},
		{[]float64{-1, -2, 0, -3}, 3, 0.25},
		{[]float64{-1, 1}, 2, 1},
		{[]float64{-1, -1, -1, -1, -1, 1}, 6, 2 * 7 / 64.0},
		{[]float64{0, 0}, 0, 1},
	} {
		n, p := signTest(c.d)
		if n != c.n || math.Abs(p-c.p) > 1e-12 {
			t.Errorf("signTest(%v) = %d, %v; want %d, %v", c.d, n, p, c.n, c.p)
		}
	}
	if n := minSignTestN(0.05); n != 6 {
		t.Errorf("minSignTestN(0.05) = %d, want 6", n)
	}
}

func profileRun(id string, profiles map[string]int64) RunResult {
	r := RunResult{RunID: id}
	for _, name := range []string{"base", "fast", "slow"} {
		if v, ok := profiles[name]; ok {
			wd := Duration{NS: v}
			r.Profiles = append(r.Profiles, ProfileResult{Name: name, Conn: "pooled", Metrics: Metrics{WriteDowntime: &wd}})
		}
	}
	return r
}

func TestCompareProfiles(t *testing.T) {
	var runs []RunResult
	for i := range int64(6) {
		runs = append(runs, profileRun("r", map[string]int64{"base": 10e9 + i, "fast": 2e9 + i, "slow": 10e9 + i + int64(i%2*2-1)}))
	}
	ps, err := compareProfiles(runs, "")
	if err != nil {
		t.Fatal(err)
	}
	if ps.Baseline != "base" || len(ps.Profiles) != 3 {
		t.Fatalf("baseline %q profiles %v", ps.Baseline, ps.Profiles)
	}
	var fast, slow *ProfileComparison
	for i := range ps.Comparisons {
		c := &ps.Comparisons[i]
		if c.Metric == "write_downtime" && c.Profile == "fast" {
			fast = c
		}
		if c.Metric == "write_downtime" && c.Profile == "slow" {
			slow = c
		}
	}
	if fast == nil || fast.N != 6 || !fast.Significant || fast.MedianDelta != -8e9 || len(fast.Pairs) != 6 || fast.Test != PairedTest {
		t.Errorf("fast = %+v, want 6 pairs 8 s better, significant", fast)
	}
	if slow == nil || slow.Significant {
		t.Errorf("slow = %+v, want no significant difference (3 better, 3 worse)", slow)
	}
	var best *ProfileBest
	for i := range ps.Best {
		if ps.Best[i].Metric == "write_downtime" {
			best = &ps.Best[i]
		}
	}
	if best == nil || best.Profile != "fast" || best.Delta != -8e9 || !best.Significant {
		t.Errorf("best write_downtime = %+v, want fast, −8 s, significant", best)
	}
	ps, err = compareProfiles(runs, "fast")
	if err != nil || ps.Baseline != "fast" || ps.Profiles[0] != "fast" {
		t.Errorf("--baseline fast: %+v %v", ps, err)
	}
	if _, err := compareProfiles(runs, "jvm"); err == nil {
		t.Error("an unknown baseline is no error")
	}
	if ps, err := compareProfiles([]RunResult{{RunID: "x"}}, ""); ps != nil || err != nil {
		t.Errorf("runs without profiles: %+v %v, want nil", ps, err)
	}
}

// A run with two profiles of the same mode is analyzed as a whole and per
// profile: the streams are told apart by profile, and each profile's
// metrics are its own streams' alone.
func TestRunProfiles(t *testing.T) {
	out := t.TempDir()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	info := &store.RunInfo{RunID: "prof", Start: start, Settings: map[string]any{
		"interval": "100ms", "profiles": []any{map[string]any{"name": "stay"}, map[string]any{"name": "evict"}},
	}}
	w, err := store.CreateRun(out, info, store.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	iv := int64(100 * time.Millisecond)
	for _, prof := range []string{"evict", "stay"} {
		for seq := int64(0); seq < 100; seq++ {
			at := start.UnixNano() + seq*iv
			p := store.Probe{RunID: "prof", Kind: store.KindWrite, Conn: store.ConnPooled, Profile: prof, Endpoint: store.EndpointWrite,
				Seq: seq, Intended: at, Start: at, End: at + 1e6, LatencyNS: 1e6, Outcome: store.OutcomeOK, ServerAddr: "10.0.0.1:5432"}
			bad := seq >= 20 && (prof == "stay" && seq < 60 || prof == "evict" && seq < 25)
			if bad {
				p.Outcome, p.ErrorClass, p.SQLState = store.OutcomeError, store.ClassReadOnly, "25006"
			}
			if err := w.Write(&p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sum, err := Analyze(context.Background(), []string{out}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Runs[0]
	if len(r.Streams) != 2 || r.Streams[0].Stream != "write/evict/write" || r.Streams[0].Profile != "evict" || r.Streams[0].Conn != store.ConnPooled {
		t.Fatalf("streams %+v", r.Streams)
	}
	if len(r.Profiles) != 2 || r.Profiles[0].Name != "stay" || r.Profiles[1].Name != "evict" {
		t.Fatalf("profiles %+v, want stay then evict, in run.json's order", r.Profiles)
	}
	if got := r.Profiles[0].Metrics.ReadOnlyTime.NS; got != 40*iv {
		t.Errorf("stay read-only %v, want 4s", time.Duration(got))
	}
	if got := r.Profiles[1].Metrics.ReadOnlyTime.NS; got != 5*iv {
		t.Errorf("evict read-only %v, want 500ms", time.Duration(got))
	}
	if got := r.Metrics.ReadOnlyTime.NS; got != 40*iv {
		t.Errorf("the whole run read-only %v, want 4s (the union)", time.Duration(got))
	}
	ps := sum.ProfileComparison
	if ps == nil || ps.Baseline != "stay" {
		t.Fatalf("comparison %+v", ps)
	}
	for _, c := range ps.Comparisons {
		if c.Metric == "read_only_time" && (c.MedianDelta != float64(-35*iv) || c.N != 1 || c.Significant) {
			t.Errorf("read_only_time: %+v, want −3.5 s in the one run, not significant", c)
		}
	}
}

// A difference within the resolution of the durations compared is a tie:
// it tells no direction, so the sign test leaves it out, and a profile is
// not "best" for beating the baseline by less than a probe interval.
func TestProfileDifferencesWithinResolutionAreTies(t *testing.T) {
	pairs := []ProfilePair{
		{Delta: -50e6, Resolution: 100e6}, // within one interval: a tie
		{Delta: -250e6, Resolution: 100e6},
		{Delta: 0, Resolution: 0},
		{Delta: 3, Resolution: 0}, // a count: any difference counts
	}
	got := signed(pairs)
	want := []float64{0, -250e6, 0, 3}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("signed[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if n, _ := signTest(got); n != 2 {
		t.Errorf("sign test n = %d, want the 2 differences beyond their resolution", n)
	}
	c := ProfileComparison{Pairs: pairs}
	if r := resolution(&c); r != 100e6 {
		t.Errorf("resolution %v, want 100ms", r)
	}
}
