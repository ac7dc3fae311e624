package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record/store"
)

// profileRunsDir holds real lab runs with client profiles: the dns
// scenario with cut=false, profiles new (baseline), pooled, jvm (a 30 s
// DNS cache) and evict (drop_on_read_only); see
// testdata/regenerate-profile-runs.sh.
var profileRunsDir = filepath.Join("..", "testdata", "profile-runs")

func profileRunsReport(t *testing.T) *Report {
	t.Helper()
	if _, err := os.Stat(profileRunsDir); err != nil {
		t.Fatalf("no shipped profile runs (sh testdata/regenerate-profile-runs.sh): %v", err)
	}
	sum, err := analyze.Analyze(context.Background(), []string{profileRunsDir}, analyze.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if sum.ProfileComparison == nil {
		t.Fatal("the profile runs have no profile comparison")
	}
	rep, err := Build(sum, Options{Rate: 200})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// section is text from the first line starting with start up to, not
// including, the first line after it that starts with one of ends (or
// the end).
func section(t *testing.T, text, start string, ends ...string) string {
	t.Helper()
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, start) {
			continue
		}
		j := i + 1
	next:
		for ; j < len(lines); j++ {
			for _, e := range ends {
				if strings.HasPrefix(lines[j], e) {
					break next
				}
			}
		}
		return strings.Join(lines[i:j], "")
	}
	t.Fatalf("no line starting with %q in:\n%s", start, text)
	return ""
}

// TestGoldenProfiles is the client profiles section of the text (stdout
// of "switchwatch analyze") and of report.md on the shipped profile runs:
// analyzer and report together, as the README shows them.
func TestGoldenProfiles(t *testing.T) {
	rep := profileRunsReport(t)
	var text bytes.Buffer
	if err := WriteText(&text, rep.Sum, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "profiles.golden.txt", []byte(section(t, text.String(), "client profiles:", "\n", "Boundaries")))
	checkGolden(t, "profiles.golden.md", []byte(section(t, string(markdown(t, rep)), "## Client profiles", "## ")))
}

// TestProfileFigures: with client profiles the typical switchover has a
// curve per profile and kind, and they differ as the profiles did: new
// and evict write again within seconds of the outage's start, the default
// pool never does, jvm only once its DNS cache expired. The timeline
// groups its lanes by profile and shades each profile's own phases.
func TestProfileFigures(t *testing.T) {
	rep := profileRunsReport(t)
	curves := map[string]typicalCurve{}
	for _, c := range rep.typicalCurves() {
		curves[c.Profile+"/"+c.Kind] = c
	}
	profiles := rep.Sum.ProfileComparison.Profiles
	if len(curves) != 2*len(profiles) {
		t.Errorf("%d typical curves, want one per profile (%v) and kind", len(curves), profiles)
	}
	// at is a write curve's value x seconds after the outage began.
	at := func(profile string, x float64) float64 {
		c, ok := curves[profile+"/"+store.KindWrite]
		if !ok {
			t.Fatalf("no write curve of profile %s", profile)
		}
		v := -1.0
		for _, xy := range c.XYs {
			if xy.X <= x {
				v = xy.Y
			}
		}
		return v
	}
	for _, c := range []struct {
		profile string
		x, want float64
	}{
		{"new", 5, 100}, {"evict", 5, 100}, {"pooled", 5, 0}, {"jvm", 5, 0},
		{"pooled", 32, 0}, {"jvm", 32, 100},
	} {
		if got := at(c.profile, c.x); got != c.want {
			t.Errorf("typical switchover, %s writes %gs after the outage began: %g%% of runs succeed, want %g%%", c.profile, c.x, got, c.want)
		}
	}

	if len(rep.Detail) == 0 {
		t.Fatal("no run drawn in detail")
	}
	r := rep.Detail[0]
	lanes := timelineLanes(r)
	var order []string
	for _, i := range lanes {
		if n := r.Streams[i].ProfileName(); len(order) == 0 || order[len(order)-1] != n {
			order = append(order, n)
		}
	}
	if strings.Join(order, ",") != strings.Join(profiles, ",") {
		t.Errorf("timeline lanes by profile %v, want each profile's lanes together in the order %v", order, profiles)
	}
	bands, phases := profileBands(r, lanes, 0)
	if len(bands.Rects) == 0 || len(bands.Rects) != len(phases) {
		t.Fatalf("%d profile bands for %d non-healthy phases", len(bands.Rects), len(phases))
	}
	// The default pool's read-only phase lasts to the end of the run, far
	// beyond new's: its band is the widest.
	widest := map[string]float64{}
	for _, p := range r.Profiles {
		for _, ph := range p.Phases {
			if ph.State != analyze.PhaseHealthy {
				widest[p.Name] = max(widest[p.Name], ph.End.Sub(ph.Start).Seconds())
			}
		}
	}
	if widest["pooled"] < 10*widest["new"] {
		t.Errorf("widest non-healthy phase: pooled %.1fs, new %.1fs; want pooled's many times new's", widest["pooled"], widest["new"])
	}
	var b bytes.Buffer
	for _, f := range rep.Figures {
		if f.Name == "typical-switchover" || strings.HasPrefix(f.Name, "timeline-") {
			b.Reset()
			if err := f.Render(&b, "svg"); err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			checkSVG(t, f.Name, b.Bytes(), figWidth.Points())
		}
	}
}
