package report

import (
	"slices"
	"strings"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record/store"
)

// stateProse is how the report explains every probe state
// (analyze.States) to a reader; with classes, the explanation names the
// error classes the analysis puts in that state (analyze.ClassState).
var stateProse = map[analyze.State]struct {
	desc    string
	classes bool
}{
	analyze.StateOK:          {"", false},
	analyze.StateSlow:        {"succeeded above the stream's slow threshold: mild slowness, still healthy", false},
	analyze.StateStalled:     {"succeeded above the stream's stall threshold: the client waited, a disruption though not a failure", false},
	analyze.StateReadOnly:    {"failed with SQLSTATE 25006: a server answered but refuses writes", false},
	analyze.StateUnavailable: {"no usable server", true},
	analyze.StateError:       {"any other failure", true},
	analyze.StateSkipped:     {"never ran: the stream's in-flight limit was hit", false},
}

// classProse says every error class (store.ErrorClasses) as the report's
// prose names it; "" leaves the class out of the prose.
var classProse = map[string]string{
	store.ClassConnectTimeout:     "connect timeout",
	store.ClassQueryTimeout:       "query timeout",
	store.ClassRefused:            "refused",
	store.ClassReset:              "reset",
	store.ClassDNS:                "DNS",
	store.ClassTLS:                "TLS",
	store.ClassAuth:               "authentication",
	store.ClassReadOnly:           "read-only server",
	store.ClassShutdown:           "shutting down",
	store.ClassTooManyConnections: "too many connections",
	store.ClassOther:              "other errors",
	store.ClassInflightLimit:      "", // only on skipped probes, explained with skipped
	store.ClassInferred:           "inferred by an importer where no request completed",
}

// statesSentence explains every probe state, in analyze.States order:
// "*ok*, *slow* (succeeded above ...), ... or *skipped* (never ran: ...)".
func statesSentence() string {
	parts := make([]string, len(analyze.States))
	for i, s := range analyze.States {
		p := stateProse[s]
		desc := p.desc
		if p.classes {
			var cs []string
			for _, c := range store.ErrorClasses {
				if st, _ := analyze.ClassState(c); st == s && classProse[c] != "" {
					cs = append(cs, classProse[c])
				}
			}
			desc += ": " + strings.Join(cs, ", ")
		}
		parts[i] = "*" + string(s) + "*"
		if desc != "" {
			parts[i] += " (" + desc + ")"
		}
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// severitySentence orders the phase states from the most severe:
// "unavailable > error > read-only > healthy".
func severitySentence() string {
	ps := slices.Clone(analyze.PhaseStates)
	slices.Reverse(ps)
	labels := make([]string, len(ps))
	for i, p := range ps {
		labels[i] = analyze.PhaseLabel(p)
	}
	return strings.Join(labels, " > ")
}
