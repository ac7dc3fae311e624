package report

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/internal/golden"
	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// goldenSummary is the analysis the golden tests render: stored as JSON in
// testdata/report (written with -update from the synthetic fixture), so
// the golden Markdown tests the report alone, not the analyzer too.
func goldenSummary(t *testing.T, name string, runs func() []*synth.Run, by ...string) *analyze.Summary {
	t.Helper()
	return storedSummary(t, name, func() *analyze.Summary {
		sum := cachedSummary(t, name, runs, by...)
		for i := range sum.Runs {
			sum.Runs[i].Path = filepath.Join("testdata", "fixture", store.RunDirName(sum.Runs[i].RunID))
		}
		return sum
	})
}

// storedSummary reads testdata/report/NAME.summary.json; with -update it
// first writes there the summary fresh makes, with nothing machine- or
// time-dependent in it.
func storedSummary(t *testing.T, name string, fresh func() *analyze.Summary) *analyze.Summary {
	t.Helper()
	path := filepath.Join("..", "testdata", "report", name+".summary.json")
	if golden.Updating() {
		sum := fresh()
		sum.GeneratedAt = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
		var b bytes.Buffer
		if err := analyze.WriteJSON(&b, sum); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run %s -update to create it)", err, t.Name())
	}
	var sum analyze.Summary
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &sum
}

func markdown(t testing.TB, rep *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteMarkdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("..", "testdata", "report", name), got)
}

// TestGolden compares the Markdown of the fixture with the golden file,
// grouped by strategy, with capacity planning and a retry policy.
func TestGolden(t *testing.T) {
	sum := goldenSummary(t, "fixture", fixtureRuns, "strategy")
	retry, err := ParseRetry("5x500ms")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(sum, Options{Rate: 2000, Retry: retry, Show: []string{"bg-tuned-07", "no-such-run"}})
	if err != nil {
		t.Fatal(err)
	}
	md := markdown(t, rep)
	checkGolden(t, "fixture.golden.md", md)
	if i := bytes.IndexByte(md, '<'); i >= 0 {
		t.Errorf("report.md has raw HTML (not every wiki takes it): %q", md[i:min(len(md), i+20)])
	}

	// The same input gives the same bytes.
	rep2, err := Build(sum, Options{Rate: 2000, Retry: retry, Show: []string{"bg-tuned-07", "no-such-run"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md, markdown(t, rep2)) {
		t.Error("two reports of the same summary differ")
	}
	for _, want := range []string{
		"writes were unavailable for a median of",
		"**1 of 5 runs did not recover**",
		"1 run flapped",
		"healthy → unavailable",
		"At 2,000 writes/s, expect",
		"with 5 retries 500 ms apart",
		"![Timeline of run bg-tuned-07",
		"--show no-such-run: no such run",
		"| bg-default-04 | 0 | 1 | 0 | - | 160 |",
		"| bg-tuned-03 | 2 | 0 | 0 | 50, 51 | - |",
	} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// labDir is lab data shipped with the repository: real switchovers staged
// by "switchwatch lab" with their ground-truth events.
var labDir = filepath.Join("..", "testdata", "analyze", "lab")

// labSummary analyzes the shipped lab runs (with -update) or reads the
// stored analysis of them.
func labSummary(t *testing.T) *analyze.Summary {
	t.Helper()
	return storedSummary(t, "lab", func() *analyze.Summary {
		if _, err := os.Stat(labDir); err != nil {
			t.Skipf("no shipped lab data: %v", err)
		}
		sum, err := analyze.Analyze(context.Background(), []string{labDir}, analyze.Options{Truth: true, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		sum.Input.Paths = []string{"testdata/analyze/lab"}
		sum.ToolVersion = "(version)"
		for i := range sum.Runs {
			sum.Runs[i].Path = filepath.ToSlash(filepath.Join("testdata", "analyze", "lab", store.RunDirName(sum.Runs[i].RunID)))
		}
		return sum
	})
}

// TestGoldenLab is the report of the shipped lab runs, with capacity
// planning and an exponential-backoff retry policy.
func TestGoldenLab(t *testing.T) {
	sum := labSummary(t)
	retry, err := ParseRetry("exp:100ms,2s,8")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(sum, Options{Rate: 500, Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
	md := markdown(t, rep)
	checkGolden(t, "lab.golden.md", md)
	for _, want := range []string{"## Accuracy against ground truth", "At 500 writes/s", "healthy (new server)"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("lab report lacks %q", want)
		}
	}
}

// TestGoldenUngrouped is the report of one group without capacity
// planning: no comparison, no capacity section.
func TestGoldenUngrouped(t *testing.T) {
	sum := goldenSummary(t, "fixture4", func() []*synth.Run { return fixtureRuns()[:4] })
	rep, err := Build(sum, Options{})
	if err != nil {
		t.Fatal(err)
	}
	md := markdown(t, rep)
	checkGolden(t, "ungrouped.golden.md", md)
	for _, unwanted := range []string{"## Comparison", "## Capacity planning", "### strategy="} {
		if bytes.Contains(md, []byte(unwanted)) {
			t.Errorf("ungrouped report has %q", unwanted)
		}
	}
}

// hostileRuns have labels, ids and events that try to break or inject
// into the Markdown.
func hostileRuns() []*synth.Run {
	runs := fixtureRuns()[:2]
	runs[0].ID = "evil|id<script>alert(1)" // no "/": ids are folder names
	runs[0].Labels = map[string]string{"strategy": "a|b\n# injected heading\n<img src=x onerror=alert(1)>"}
	runs[1].ID = "[link](javascript:alert(1))"
	runs[1].Labels = map[string]string{"strategy": "![img](http://evil.example/x.png) `code` *em*"}
	return runs
}

func TestHostileLabels(t *testing.T) {
	sum := goldenSummary(t, "hostile", hostileRuns, "strategy")
	// An error message and a skipped file as hostile as the labels.
	sum.Runs[0].Streams[0].Segments[0].Error = "boom | <b>bold</b>\n- list"
	sum.Input.Skipped = append(sum.Input.Skipped, analyze.SkippedFile{Path: "x|y\n## z", Reason: "<br> bad [x](y)", Rows: -1})
	// A user's label, shown as written (escaped), not as its machine name.
	sum.Runs[0].Metrics.Events = append(sum.Runs[0].Metrics.Events, analyze.EventOffset{Name: "pg_ctl_stop_m_fast", Label: "pg_ctl stop -m fast <b>now</b>",
		Source: "user", Time: sum.Runs[0].Start.Add(time.Second)})
	sum.Accuracy = &analyze.Accuracy{Total: 2, Within: 1, Boundaries: []analyze.BoundaryError{
		{RunID: sum.Runs[0].RunID, Event: "ok", Edge: "start", ErrorNS: 50e6, ResolutionNS: 100e6, Within: true, Expected: true},
		{RunID: sum.Runs[0].RunID, Event: "e|<b>x</b>", Edge: "end", ErrorNS: -360e6, ResolutionNS: 100e6, Expected: true},
		{RunID: sum.Runs[0].RunID, Event: "reference-only", Edge: "end", ErrorNS: 5e9, ResolutionNS: 100e6},
	}}
	rep, err := Build(sum, Options{Show: []string{sum.Runs[0].RunID}})
	if err != nil {
		t.Fatal(err)
	}
	md := string(markdown(t, rep))
	checkGolden(t, "hostile.golden.md", []byte(md))
	// Groups of one run: their values, no medians, and no table of "~".
	if !strings.Contains(md, "writes were unavailable for 4.9 s ± 0.1 s;") || strings.Contains(md, "n = 1") || strings.Contains(md, "| ~ |") ||
		!strings.Contains(md, "too few runs for the Mann-Whitney U test") {
		t.Error("a group of one run is shown with medians, or its comparison as a table")
	}
	if !strings.Contains(md, Escape("pg_ctl stop -m fast <b>now</b>")) || strings.Contains(md, Escape("pg_ctl_stop_m_fast")) {
		t.Error("the user's event label is not shown as written")
	}
	if !strings.Contains(md, "1 of 2 event edges") || !strings.Contains(md, "| -360 ms | 100 ms |") || strings.Contains(md, "reference-only") {
		t.Error("the accuracy section is missing or wrong")
	}
	for _, bad := range []string{"<script", "<img", "<b>", "<br>", "\n# injected", "\n## z", "\n- list"} {
		if strings.Contains(md, bad) {
			t.Errorf("report contains %q from the data", bad)
		}
	}
	if m := regexp.MustCompile(`(^|[^\\])\]\((javascript|http)`).FindString(md); m != "" {
		t.Errorf("report contains a link from the data: %q", m)
	}
	// Every table row has as many unescaped pipes as its header.
	lines := strings.Split(md, "\n")
	cols := 0
	for _, l := range lines {
		if !strings.HasPrefix(l, "|") {
			cols = 0
			continue
		}
		n := unescapedPipes(l)
		if cols == 0 {
			cols = n
			continue
		}
		if n != cols {
			t.Errorf("table row has %d cells, its header %d: %s", n-1, cols-1, l)
		}
	}
	// Picture file names stay plain.
	re := regexp.MustCompile(`^[a-z0-9._-]+$`)
	for _, f := range rep.Figures {
		if !re.MatchString(f.Name) {
			t.Errorf("figure file name %q is not plain", f.Name)
		}
	}
}

// TestTimelinesMatchDowntime: the failing timelines the replay uses are
// the analyzer's write and read downtime, to the nanosecond, and a replay
// without retries fails exactly during them.
func TestTimelinesMatchDowntime(t *testing.T) {
	sum := cachedSummary(t, "fixture", fixtureRuns)
	for i := range sum.Runs {
		r := &sum.Runs[i]
		for _, c := range []struct {
			kind string
			want *analyze.Duration
		}{{store.KindWrite, r.Metrics.WriteDowntime}, {store.KindRead, r.Metrics.ReadDowntime}} {
			tl, ok := TimelineOf(r, c.kind)
			if !ok || c.want == nil {
				t.Fatalf("run %s: no %s timeline or downtime", r.RunID, c.kind)
			}
			if got := tl.Downtime(); got != c.want.NS {
				t.Errorf("run %s: %s timeline fails for %v, analyzer's downtime is %v", r.RunID, c.kind, time.Duration(got), time.Duration(c.want.NS))
			}
			if rp := ReplayTimeline(&tl, nil); rp.Failed != c.want.NS {
				t.Errorf("run %s: replay without retry fails for %v, want %v", r.RunID, time.Duration(rp.Failed), time.Duration(c.want.NS))
			}
		}
		wantEnd := !r.Metrics.Recovered
		tl, _ := TimelineOf(r, store.KindWrite)
		if tl.FailingAtEnd != wantEnd {
			t.Errorf("run %s: FailingAtEnd %v, analyzer's Recovered %v", r.RunID, tl.FailingAtEnd, r.Metrics.Recovered)
		}
	}
}

// TestCapacity checks the capacity numbers against the downtime: with no
// retries the failed requests are rate × downtime; with enough retries to
// outlast the longest outage nothing fails in a run that recovered, and the
// added latency stays below its downtime plus one delay.
func TestCapacity(t *testing.T) {
	sum := cachedSummary(t, "fixture", fixtureRuns)
	retry, _ := ParseRetry("40x1s")
	rep, err := Build(sum, Options{Rate: 100, Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Groups[0]
	c := g.Capacity[store.KindWrite]
	if c == nil {
		t.Fatal("no write capacity")
	}
	st := g.Stat("write_downtime")
	if got, want := c.Failed.Median, 100*st.Median/1e9; math.Abs(got-want) > 1e-6 {
		t.Errorf("median failed writes without retry %v, want rate × median downtime = %v", got, want)
	}
	recovered := 0
	for _, r := range rep.Runs {
		rp := r.Replays[store.KindWrite]
		if !r.Metrics.Recovered {
			if rp.Failed == 0 {
				t.Errorf("run %s never recovered, yet no write fails with retries", r.RunID)
			}
			continue
		}
		recovered++
		if rp.Failed != 0 {
			t.Errorf("run %s: with 40 retries a second apart, writes still fail for %v", r.RunID, time.Duration(rp.Failed))
		}
		if added, down := rp.MaxAddedNS(), r.Metrics.LongestWriteOutage.NS; added <= 0 || added > down+int64(time.Second) {
			t.Errorf("run %s: largest added latency %v, want in (0, longest outage %v + 1 s]", r.RunID, time.Duration(added), time.Duration(down))
		}
	}
	if recovered == 0 {
		t.Fatal("no run recovered")
	}
}

// TestManyRuns: with many runs only a few are drawn in detail, and every
// run is in the runs table.
func TestManyRuns(t *testing.T) {
	d := synth.Dataset{Rows: 16 * 600, RowsPerRun: 600, Interval: 100 * time.Millisecond, Kinds: []string{store.KindWrite, store.KindRead}, Conns: []string{store.ConnPooled}, Seed: 3}
	runs := d.Runs()
	sum := cachedSummary(t, "many", d.Runs, "strategy")
	rep, err := Build(sum, Options{Show: []string{runs[5].ID}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rep.Detail); n < 3 || n > 5 {
		t.Errorf("%d runs drawn in detail, want the median and worst of 2 groups and one --show (3 to 5)", n)
	}
	md := markdown(t, rep)
	for _, r := range runs {
		if !bytes.Contains(md, []byte("| "+Escape(r.ID)+" |")) {
			t.Errorf("run %s is not in the runs table", r.ID)
		}
	}
	if got := strings.Count(string(md), "![Timeline of run"); got != len(rep.Detail) {
		t.Errorf("%d timelines in the Markdown, want %d", got, len(rep.Detail))
	}
}

// TestFigures renders every figure of the fixture in both formats and
// checks them structurally: the PNG decodes, has the expected width, is
// not blank and shows the state colours it must; the SVG is well-formed
// XML of the same width.
func TestFigures(t *testing.T) {
	sum := cachedSummary(t, "fixture", fixtureRuns, "strategy")
	rep, err := Build(sum, Options{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range rep.Figures {
		names[strings.SplitN(f.Name, "-", 2)[0]] = true
	}
	for _, want := range []string{"typical", "spread", "write", "timeline", "latency"} {
		if !names[want] {
			t.Errorf("no %s figure", want)
		}
	}
	wantW := int(figWidth.Points() / 72 * pngDPI)
	kinds := map[string]bool{}
	for _, f := range rep.Figures {
		var b bytes.Buffer
		// Every figure as SVG; as PNG (slow under -race) one of each kind.
		kind := strings.SplitN(f.Name, "-", 2)[0]
		if kinds[kind] {
			if err := f.Render(&b, "svg"); err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			checkSVG(t, f.Name, b.Bytes(), figWidth.Points())
			continue
		}
		kinds[kind] = true
		if err := f.Render(&b, "png"); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		img, err := png.Decode(&b)
		if err != nil {
			t.Fatalf("%s.png does not decode: %v", f.Name, err)
		}
		if w := img.Bounds().Dx(); w != wantW || img.Bounds().Dy() < 300 {
			t.Errorf("%s.png is %v, want %d px wide and at least 300 high", f.Name, img.Bounds().Size(), wantW)
		}
		if n := distinctColors(img); n < 8 {
			t.Errorf("%s.png has %d colours: blank?", f.Name, n)
		}
		if strings.HasPrefix(f.Name, "timeline-") {
			for _, s := range []analyze.State{analyze.StateOK, analyze.StateUnavailable} {
				if !hasColor(img, StateColor(s)) {
					t.Errorf("%s.png shows no %s probe (colour %v)", f.Name, s, StateColor(s))
				}
			}
		}
		b.Reset()
		if err := f.Render(&b, "svg"); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		checkSVG(t, f.Name, b.Bytes(), figWidth.Points())
	}
	if err := rep.Figures[0].Render(io.Discard, "gif"); err == nil {
		t.Error("rendering as gif did not fail")
	}
}

func distinctColors(img image.Image) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			seen[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
		}
	}
	return len(seen)
}

func hasColor(img image.Image, c color.NRGBA) bool {
	if m, ok := img.(*image.RGBA); ok { // opaque colours: RGBA and NRGBA agree
		for i := 0; i+3 < len(m.Pix); i += 4 {
			if m.Pix[i] == c.R && m.Pix[i+1] == c.G && m.Pix[i+2] == c.B && m.Pix[i+3] == 0xff {
				return true
			}
		}
		return false
	}
	want := color.RGBAModel.Convert(c).(color.RGBA)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == want {
				return true
			}
		}
	}
	return false
}

func checkSVG(t *testing.T, name string, data []byte, widthPt float64) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var root *xml.StartElement
	elems := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s.svg is not well-formed XML: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			elems++
			if root == nil {
				se := se.Copy()
				root = &se
			}
		}
	}
	if root == nil || root.Name.Local != "svg" {
		t.Fatalf("%s.svg has no svg root element", name)
	}
	width := ""
	for _, a := range root.Attr {
		if a.Name.Local == "width" {
			width = a.Value
		}
	}
	if w, err := strconv.ParseFloat(strings.TrimSuffix(width, "pt"), 64); err != nil || math.Abs(w-widthPt) > 0.5 {
		t.Errorf("%s.svg width %q, want %vpt", name, width, widthPt)
	}
	if elems < 20 {
		t.Errorf("%s.svg has %d elements: blank?", name, elems)
	}
}

// TestLabFigures draws the pictures of the shipped lab runs (real probes,
// read from the run folders) and checks the timelines show the states the
// lab staged: ok, read-only and unavailable.
func TestLabFigures(t *testing.T) {
	if _, err := os.Stat(labDir); err != nil {
		t.Skipf("no shipped lab data: %v", err)
	}
	sum, err := analyze.Analyze(context.Background(), []string{labDir}, analyze.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(sum, Options{})
	if err != nil {
		t.Fatal(err)
	}
	timelines := 0
	for _, f := range rep.Figures {
		if !strings.HasPrefix(f.Name, "timeline-") {
			continue
		}
		timelines++
		var b bytes.Buffer
		if err := f.Render(&b, "png"); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&b)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []analyze.State{analyze.StateOK, analyze.StateReadOnly, analyze.StateUnavailable} {
			if !hasColor(img, StateColor(s)) {
				t.Errorf("%s shows no %s probe", f.Name, s)
			}
		}
	}
	if timelines != 2 {
		t.Errorf("%d timelines of 2 lab runs, want the median and the worst", timelines)
	}
}
