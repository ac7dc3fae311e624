package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
)

// TestSVGsWithControlCharactersParse is issue 20's must-show: labels,
// events and errors that carry control characters (an escape, a bell, a
// NUL, a right-to-left override) and markup reach every picture, and
// every SVG still parses as XML.
func TestSVGsWithControlCharactersParse(t *testing.T) {
	sum := cachedSummary(t, "fixture", fixtureRuns, "strategy")
	r := &sum.Runs[0]
	r.Labels["strategy"] = "a\x1b]8;;http://x\x07b\x00<c>&"
	sum.Groups[0].Key = "strategy=a\x1b]8;;http://x\x07b\x00<c>&\u202e"
	r.Streams[0].Segments[0].Error = "boom\x1b[31m\x01"
	r.Metrics.Events = append(r.Metrics.Events, analyze.EventOffset{Name: "evil\x1b[2Jname", Label: "x\x1b<y>\u202e\x7f\u009b", Source: "user",
		Time: r.Start.Add(2 * time.Second)})
	rep, err := Build(sum, Options{Show: []string{r.RunID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Figures) == 0 {
		t.Fatal("no figures")
	}
	for _, f := range rep.Figures {
		var b bytes.Buffer
		if err := f.Render(&b, "svg"); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		checkSVG(t, f.Name, b.Bytes(), figWidth.Points())
		if bytes.ContainsAny(b.Bytes(), "\x1b\x07\x00\u202e") {
			t.Errorf("%s.svg carries a control character", f.Name)
		}
	}
}

func TestPlotText(t *testing.T) {
	for in, want := range map[string]string{
		"plain <ok> & fine": "plain <ok> & fine",
		"a\x1b[2Jb":         "a\uFFFD[2Jb",
		"rtl\u202eover":     "rtl\uFFFDover",
		"bad\xffutf8":       "bad\uFFFDutf8",
		"c1\u009bx":         "c1\uFFFDx",
	} {
		if got := PlotText(in); got != want {
			t.Errorf("PlotText(%q) = %q, want %q", in, got, want)
		}
	}
}
