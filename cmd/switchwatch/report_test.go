package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// reportRuns writes four small runs of two strategies into a new folder.
func reportRuns(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i < 4; i++ {
		r := &synth.Run{
			ID:       fmt.Sprintf("r%d", i),
			Labels:   map[string]string{"strategy": []string{"a", "b"}[i%2]},
			Start:    time.Date(2026, 3, 14, 9, i, 0, 0, time.UTC),
			Interval: 100 * time.Millisecond,
			Kinds:    []string{store.KindWrite, store.KindRead},
			Phases: []synth.Phase{
				{State: synth.Healthy, Duration: 5 * time.Second},
				{State: synth.Unavailable, Duration: time.Duration(2+i) * time.Second},
				{State: synth.ReadOnly, Duration: 2 * time.Second},
				{State: synth.Healthy, Duration: 5 * time.Second, Server: 1},
			},
			Seed: uint64(i),
		}
		if _, _, err := r.Write(dir, synth.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runCmd(args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), &stdout, &stderr, args)
	return stdout.String(), stderr.String(), err
}

// TestReportCommand runs "switchwatch report" and checks that report.md
// exists and every picture it references is there and decodes.
func TestReportCommand(t *testing.T) {
	runs := reportRuns(t)
	out := filepath.Join(t.TempDir(), "out")
	_, stderr, err := runCmd("analyze", "--by", "strategy", "--rate", "2000", "--retry", "5x500ms", "--show", "r2", "-o", out, runs)
	if err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Capacity planning", "At 2,000 writes/s", "### Run r2 (", "## Comparison with strategy=a"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	refs := regexp.MustCompile(`\]\(([a-z0-9._-]+\.(png|svg))\)`).FindAllStringSubmatch(string(md), -1)
	if len(refs) < 10 {
		t.Fatalf("report.md references %d pictures, want at least 10", len(refs))
	}
	for _, m := range refs {
		data, err := os.ReadFile(filepath.Join(out, m[1]))
		if err != nil {
			t.Errorf("report.md references %s: %v", m[1], err)
			continue
		}
		if m[2] == "png" {
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("%s does not decode: %v", m[1], err)
			}
		} else if !bytes.Contains(data, []byte("<svg")) {
			t.Errorf("%s is not an SVG", m[1])
		}
	}
	if !strings.Contains(stderr, "wrote "+filepath.Join(out, "report.md")) {
		t.Errorf("stderr does not say where the report is: %q", stderr)
	}
}

func TestReportFlags(t *testing.T) {
	runs := reportRuns(t)
	out := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--retry", "5x200ms"}, "--retry needs --rate"},
		{[]string{"--rate", "10", "--retry", "5y200ms"}, "retry policy"},
		{[]string{"--format", "gif"}, "--format gif"},
		{[]string{"--rate", "-1"}, "must be positive"},
	} {
		_, _, err := runCmd(append(append([]string{"analyze", "-o", out}, c.args...), runs)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("report %v: error %v, want one saying %q", c.args, err, c.want)
		}
	}
	// Only SVG when asked.
	svgOut := filepath.Join(out, "svg")
	if _, stderr, err := runCmd("analyze", "--format", "svg", "-o", svgOut, runs); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	pngs, _ := filepath.Glob(filepath.Join(svgOut, "*.png"))
	svgs, _ := filepath.Glob(filepath.Join(svgOut, "*.svg"))
	if len(pngs) != 0 || len(svgs) == 0 {
		t.Errorf("--format svg wrote %d PNG and %d SVG files", len(pngs), len(svgs))
	}
}

// TestWriteReportMissingRun: a run folder removed after the analysis
// costs its latency pictures (said on stderr and in the report), not the
// report.
func TestWriteReportMissingRun(t *testing.T) {
	runs := reportRuns(t)
	sum, err := analyze.Analyze(context.Background(), []string{runs}, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(runs, "run=r0")); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var stderr bytes.Buffer
	if err := writeReport(context.Background(), out, sum, &reportOptions{formats: listFlag{"png"}, show: []string{"r0"}}, &stderr); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(md, []byte("picture not available")) || !strings.Contains(stderr.String(), "warning: picture latency-r0") {
		t.Errorf("the missing run's picture is not reported:\nstderr: %s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "latency-r0.png")); !os.IsNotExist(err) {
		t.Errorf("a failed picture left a file behind: %v", err)
	}
}

// TestReportFlagsFitAnalyze: the report's flags can be added to analyze's
// FlagSet: analyze defines none of them for something else (a duplicate
// would panic when the lead wires addReportFlags into analyze).
func TestReportFlagsFitAnalyze(t *testing.T) {
	help, _, err := runCmd("analyze", "--help")
	if err != nil {
		t.Fatal(err)
	}
	ours := pflag.NewFlagSet("x", pflag.ContinueOnError)
	addReportFlags(ours)
	ours.VisitAll(func(f *pflag.Flag) {
		// A line "      --name VALUE   usage"; once wired, the usage is ours.
		re := regexp.MustCompile(`(?m)^ +(?:-\w, )?--` + regexp.QuoteMeta(f.Name) + `(?: [A-Za-z=]+)? {3,}(.*)$`)
		m := re.FindStringSubmatch(help)
		if m == nil {
			t.Errorf("analyze --help does not list --%s", f.Name)
		} else if !strings.HasPrefix(f.Usage, strings.SplitN(m[1], " ", 4)[0]) {
			t.Errorf("analyze already has a flag -%s (%q): the report's -%s would clash", f.Name, m[2], f.Name)
		}
	})
}
