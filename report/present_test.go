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
// and every cell of the statistics tables is written identically in both.
func TestTextAndMarkdownAgree(t *testing.T) {
	sum := goldenSummary(t, "fixture", fixtureRuns, "strategy")
	rep, err := Build(sum, Options{})
	if err != nil {
		t.Fatal(err)
	}
	md := string(markdown(t, rep))
	var b strings.Builder
	if err := WriteText(&b, sum, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for i := range sum.Runs {
		line := PhaseLine(&sum.Runs[i])
		if !strings.Contains(text, "phases: "+line+"\n") || !strings.Contains(md, Escape(line)) {
			t.Errorf("run %s: phase line %q not in both outputs", sum.Runs[i].RunID, line)
		}
	}
	for i := range sum.Groups {
		st, _ := statsTable(&sum.Groups[i])
		for _, row := range st.only("median", "p95").rows {
			for _, cell := range row {
				if !strings.Contains(text, " "+cell) || !strings.Contains(md, "| "+cell+" |") {
					t.Errorf("group %s: cell %q not in both outputs", sum.Groups[i].Key, cell)
				}
			}
		}
	}
}
