package analyze

import (
	"testing"

	"github.com/switchwatch/switchwatch/record/store"
)

func TestClassify(t *testing.T) {
	const slow, stall = 1000, 5000
	cases := []struct {
		outcome, class string
		latency        int64
		want           State
	}{
		{store.OutcomeOK, "", 10, StateOK},
		{store.OutcomeOK, "", 1000, StateOK},
		{store.OutcomeOK, "", 1001, StateSlow},
		{store.OutcomeOK, "", 5000, StateSlow},
		{store.OutcomeOK, "", 5001, StateStalled},
		{store.OutcomeSkipped, store.ClassInflightLimit, 0, StateSkipped},
		{store.OutcomeError, store.ClassReadOnly, 5, StateReadOnly},
		{store.OutcomeTimeout, "", 3e9, StateUnavailable},
		{store.OutcomeError, store.ClassAuth, 5, StateError},
		{store.OutcomeError, store.ClassTLS, 5, StateError},
		{store.OutcomeError, store.ClassOther, 5, StateError},
		{store.OutcomeError, "a class from the future", 5, StateError},
		{"unknown outcome", "", 5, StateError},
	}
	for _, c := range []string{store.ClassConnectTimeout, store.ClassQueryTimeout, store.ClassRefused, store.ClassReset,
		store.ClassDNS, store.ClassShutdown, store.ClassTooManyConnections} {
		cases = append(cases, struct {
			outcome, class string
			latency        int64
			want           State
		}{store.OutcomeError, c, 5, StateUnavailable})
	}
	for _, c := range cases {
		p := store.Probe{Outcome: c.outcome, ErrorClass: c.class, LatencyNS: c.latency}
		if got := Classify(&p, slow, stall); got != c.want {
			t.Errorf("%s/%s latency %d: %s, want %s", c.outcome, c.class, c.latency, got, c.want)
		}
	}
}

// TestEveryClassAndStateHasADecision walks the store's list of error
// classes and the lists of states: a class or state added without a
// decision here would silently count as error (or as nothing).
func TestEveryClassAndStateHasADecision(t *testing.T) {
	for _, c := range store.ErrorClasses {
		s, ok := ClassState(c)
		if !ok {
			t.Errorf("error class %q has no state in classStates", c)
			continue
		}
		p := store.Probe{Outcome: store.OutcomeError, ErrorClass: c}
		if got := Classify(&p, 1, 2); got != s {
			t.Errorf("a probe failing with %q is classified %s, classStates says %s", c, got, s)
		}
	}
	if len(States) != len(severity) {
		t.Errorf("%d probe states, %d severities: every state needs the phase severity it implies", len(States), len(severity))
	}
	for _, s := range PhaseStates {
		if PhaseLabel(s) == "" {
			t.Errorf("phase state %q has no label", s)
		}
	}
}
