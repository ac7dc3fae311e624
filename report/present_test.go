package report

import (
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestEveryClassAndStateHasADecision walks the store's list of error
// classes and the analyzer's lists of states and fails when a package has
// no decision for one: the analyzer's classification, the report's colours
// or the report's prose. Without it a new class or state would silently
// read as error, be drawn black or be left out of the Method section.
func TestEveryClassAndStateHasADecision(t *testing.T) {
	for _, c := range store.ErrorClasses {
		if _, ok := analyze.ClassState(c); !ok {
			t.Errorf("error class %q: the analysis has no state for it", c)
		}
		if _, ok := classProse[c]; !ok {
			t.Errorf("error class %q: the report has no prose for it (classProse)", c)
		}
	}
	for _, s := range analyze.States {
		if _, ok := stateColors[s]; !ok {
			t.Errorf("probe state %q has no colour (stateColors)", s)
		}
		if _, ok := stateProse[s]; !ok {
			t.Errorf("probe state %q has no prose (stateProse)", s)
		}
	}
	for _, s := range analyze.PhaseStates {
		if _, ok := phaseColors[s]; !ok {
			t.Errorf("phase state %q has no colour (phaseColors)", s)
		}
		if analyze.PhaseLabel(s) == "" {
			t.Errorf("phase state %q has no label", s)
		}
	}
}

// TestTextAndMarkdownAgree renders one summary both ways: every phase line
// is written identically in both, and both name every metric.
func TestTextAndMarkdownAgree(t *testing.T) {
	sum := goldenSummary(t, "fixture", fixtureRuns, "strategy")
	rep, err := Build(sum, Options{})
	if err != nil {
		t.Fatal(err)
	}
	md := string(markdown(t, rep))
	var b strings.Builder
	if err := WriteText(&b, sum, TextOptions{Runs: true}); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for i := range sum.Runs {
		line := PhaseLine(&sum.Runs[i])
		if !strings.Contains(text, "phases: "+line+"\n") || !strings.Contains(md, Escape(line)) {
			t.Errorf("run %s: phase line %q not in both outputs", sum.Runs[i].RunID, line)
		}
	}
	// the group statistics: the text's tables (grouptab.go, tested in
	// grouptab_test.go) and the Markdown's differ in shape, but both
	// name every metric that some run has
	for i := range sum.Groups {
		for _, st := range sum.Groups[i].Stats {
			if st.N > 0 && (!strings.Contains(text, st.Metric) || !strings.Contains(md, EscapeCell(st.Metric))) {
				t.Errorf("metric %s not in both outputs", st.Metric)
			}
		}
	}
}
