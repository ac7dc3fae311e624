package result

import (
	"strings"

	"github.com/switchwatch/switchwatch/internal/vocab"
)

// ByPath, in analyze.Options.By, groups runs by the path argument they were found
// under (as given: "last-quarter/", "today/"); a run label of that name
// cannot be grouped by.
const ByPath = "path"

// ByVantage, in analyze.Options.By, groups runs by their vantage point
// (RunResult.Vantage: run.json "vantage", else its "host"): the runs of each host
// across switchovers, where the default puts a switchover's vantages in
// one group as if they were repeats of one measurement.
const ByVantage = "vantage"

// classStates is the one decision, for every error class in
// vocab.ErrorClasses, of what a failed probe with that class says about
// the service. A class added to the store needs its line here (the tests
// fail without one), so that it can never silently count as error.
var classStates = map[string]State{
	// no usable server answered
	vocab.ClassConnectTimeout:     StateUnavailable,
	vocab.ClassQueryTimeout:       StateUnavailable,
	vocab.ClassRefused:            StateUnavailable,
	vocab.ClassReset:              StateUnavailable,
	vocab.ClassDNS:                StateUnavailable,
	vocab.ClassShutdown:           StateUnavailable,
	vocab.ClassTooManyConnections: StateUnavailable,
	vocab.ClassInflightLimit:      StateUnavailable, // only on skipped probes, which are skipped whatever their class
	vocab.ClassInferred:           StateUnavailable,
	// a server answered, but refuses writes
	vocab.ClassReadOnly: StateReadOnly,
	// anything else
	vocab.ClassTLS:   StateError,
	vocab.ClassAuth:  StateError,
	vocab.ClassOther: StateError,
}

// ClassState is the state of a failed probe with error class c, and
// whether the analysis has a decision for c (every class in
// vocab.ErrorClasses has one; a class it does not know counts as error).
func ClassState(c string) (State, bool) {
	s, ok := classStates[c]
	if !ok {
		return StateError, false
	}
	return s, true
}

// phaseLabels say the phase states as a person would.
var phaseLabels = map[PhaseState]string{
	PhaseHealthy:     "healthy",
	PhaseStalled:     "stalled",
	PhaseReadOnly:    "read-only",
	PhaseError:       "error",
	PhaseUnavailable: "unavailable",
	PhaseNoData:      "no data",
	PhaseNoTraffic:   "no traffic",
}

// PhaseLabel is a phase state as a person would say it ("read-only"), as
// in Phase.Label; "" for a state the analysis does not know.
func PhaseLabel(s PhaseState) string { return phaseLabels[s] }

// GroupLabel is how a table names a group: its label values in --by order,
// comma-separated ("aurora" for "scenario=aurora", "today/" for a path),
// its key when it has no labels ("all").
func GroupLabel(g *Group, by []string) string {
	if len(by) == 0 || len(g.Labels) == 0 {
		return g.Key
	}
	vals := make([]string, len(by))
	for i, k := range by {
		vals[i] = g.Labels[k]
	}
	return strings.Join(vals, ",")
}
