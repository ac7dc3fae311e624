package report

import (
	"slices"
	"strings"

	"github.com/switchwatch/switchwatch/analyze/result"
	"github.com/switchwatch/switchwatch/internal/vocab"
)

// stateProse is how the report explains every probe state
// (result.States) to a reader; with classes, the explanation names the
// error classes the analysis puts in that state (result.ClassState).
var stateProse = map[result.State]struct {
	desc    string
	classes bool
}{
	result.StateOK:          {"", false},
	result.StateSlow:        {"succeeded above the stream's slow threshold: mild slowness, still healthy", false},
	result.StateStalled:     {"succeeded above the stream's stall threshold: the client waited, a disruption though not a failure", false},
	result.StateReadOnly:    {"failed with SQLSTATE 25006: a server answered but refuses writes", false},
	result.StateUnavailable: {"no usable server", true},
	result.StateError:       {"any other failure", true},
	result.StateSkipped:     {"never ran: the stream's in-flight limit was hit", false},
}

// classProse says every error class (vocab.ErrorClasses) as the report's
// prose names it; "" leaves the class out of the prose.
var classProse = map[string]string{
	vocab.ClassConnectTimeout:     "connect timeout",
	vocab.ClassQueryTimeout:       "query timeout",
	vocab.ClassRefused:            "refused",
	vocab.ClassReset:              "reset",
	vocab.ClassDNS:                "DNS",
	vocab.ClassTLS:                "TLS",
	vocab.ClassAuth:               "authentication",
	vocab.ClassReadOnly:           "read-only server",
	vocab.ClassShutdown:           "shutting down",
	vocab.ClassTooManyConnections: "too many connections",
	vocab.ClassOther:              "other errors",
	vocab.ClassInflightLimit:      "", // only on skipped probes, explained with skipped
	vocab.ClassInferred:           "inferred by an importer where no request completed",
}

// statesSentence explains every probe state, in result.States order:
// "*ok*, *slow* (succeeded above ...), ... or *skipped* (never ran: ...)".
func statesSentence() string {
	parts := make([]string, len(result.States))
	for i, s := range result.States {
		p := stateProse[s]
		desc := p.desc
		if p.classes {
			var cs []string
			for _, c := range vocab.ErrorClasses {
				if st, _ := result.ClassState(c); st == s && classProse[c] != "" {
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
	ps := slices.Clone(result.PhaseStates)
	slices.Reverse(ps)
	labels := make([]string, len(ps))
	for i, p := range ps {
		labels[i] = result.PhaseLabel(p)
	}
	return strings.Join(labels, " > ")
}
