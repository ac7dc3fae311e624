package report

import (
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
