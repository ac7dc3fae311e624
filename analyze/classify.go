package analyze

import (
	"math"
	"slices"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// State codes, in the order of States.
const (
	stOK uint8 = iota
	stSlow
	stStalled
	stReadOnly
	stUnavailable
	stError
	stSkipped
)

// Severities of phase states, in the order of PhaseStates.
const (
	sevHealthy uint8 = iota
	sevStalled
	sevReadOnly
	sevError
	sevUnavailable
)

// severity maps a probe state to the phase severity it implies; skipped
// has none of its own (it carries on the state before it).
var severity = [...]uint8{stOK: sevHealthy, stSlow: sevHealthy, stStalled: sevStalled, stReadOnly: sevReadOnly, stUnavailable: sevUnavailable, stError: sevError, stSkipped: sevUnavailable}

// classStates is the one decision, for every error class in
// store.ErrorClasses, of what a failed probe with that class says about
// the service. A class added to the store needs its line here (the tests
// fail without one), so that it can never silently count as error.
var classStates = map[string]State{
	// no usable server answered
	store.ClassConnectTimeout:     StateUnavailable,
	store.ClassQueryTimeout:       StateUnavailable,
	store.ClassRefused:            StateUnavailable,
	store.ClassReset:              StateUnavailable,
	store.ClassDNS:                StateUnavailable,
	store.ClassShutdown:           StateUnavailable,
	store.ClassTooManyConnections: StateUnavailable,
	store.ClassInflightLimit:      StateUnavailable, // only on skipped probes, which are skipped whatever their class
	store.ClassInferred:           StateUnavailable,
	// a server answered, but refuses writes
	store.ClassReadOnly: StateReadOnly,
	// anything else
	store.ClassTLS:   StateError,
	store.ClassAuth:  StateError,
	store.ClassOther: StateError,
}

// ClassState is the state of a failed probe with error class c, and
// whether the analysis has a decision for c (every class in
// store.ErrorClasses has one; a class it does not know counts as error).
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
}

// PhaseLabel is a phase state as a person would say it ("read-only"), as
// in Phase.Label; "" for a state the analysis does not know.
func PhaseLabel(s PhaseState) string { return phaseLabels[s] }

// classState is classStates by class code (model.go); no class and unknown
// codes are error.
var classState = func() [32]uint8 {
	var a [32]uint8
	for i := range a {
		a[i] = stError
	}
	for c, s := range classStates {
		a[classCode[c]] = uint8(slices.Index(States, s))
	}
	return a
}()

// classify gives a probe its state; slow and stall are the stream's slow
// and stall thresholds. Above the stall threshold a successful probe is
// stalled, else above the slow threshold it is slow.
func classify(x *row, slow, stall int64) uint8 {
	switch x.outcome {
	case outOK:
		if x.latency > stall {
			return stStalled
		}
		if x.latency > slow {
			return stSlow
		}
		return stOK
	case outSkipped:
		return stSkipped
	case outError, outTimeout:
		if x.class == classNone && x.outcome == outTimeout {
			return stUnavailable
		}
		return classState[x.class&31]
	}
	return stError
}

// failed reports whether a state is a failure (not ok, slow, stalled or skipped).
func failed(st uint8) bool { return st == stReadOnly || st == stUnavailable || st == stError }

// succeeded reports whether a state is a successful probe (ok, slow or stalled).
func succeeded(st uint8) bool { return st == stOK || st == stSlow || st == stStalled }

// failing reports whether a phase severity is a failure (read-only, error,
// unavailable), not healthy or stalled.
func failing(sev uint8) bool { return sev >= sevReadOnly }

// Slow threshold defaults (see the package doc).
const (
	slowFactor     = 10
	slowFloor      = int64(10 * time.Millisecond)
	slowCeiling    = int64(time.Second) // a derived threshold's bound (stall.go)
	slowMinSteady  = 20
	slowSourceOpt  = "option"
	slowSourceRun  = "steady_state"
	slowSourceNone = "none" // no successful probe to derive it from
)

// steadyMedian is the median latency of a stream's successful probes
// before its first failure (of all of them when fewer than slowMinSteady
// precede it); false when no probe succeeded.
func steadyMedian(rows []row) (int64, bool) {
	var h hist
	for i := range rows {
		x := &rows[i]
		if x.outcome == outError || x.outcome == outTimeout {
			break
		}
		if x.outcome == outOK {
			h.add(x.latency)
		}
	}
	if h.n < slowMinSteady {
		h = hist{}
		for i := range rows {
			if rows[i].outcome == outOK {
				h.add(rows[i].latency)
			}
		}
	}
	if h.n == 0 {
		return 0, false
	}
	return h.quantile(0.5), true
}

// slowThreshold derives a slow threshold from a steady median latency m
// (steadyMedian; the run's, see runThresholds): ten times it, at least
// slowFloor and at most slowCeiling.
func slowThreshold(m int64, ok bool) (int64, string) {
	if !ok {
		return slowFloor, slowSourceNone
	}
	return min(max(slowFactor*m, slowFloor), slowCeiling), slowSourceRun
}

// Stall threshold defaults (see the package doc and store.StallFactor): a
// stalled probe is a disruption, not jitter, so the default is far above
// the slow threshold.
const (
	stallFactor  = store.StallFactor
	stallFloor   = int64(store.StallFloor)
	stallCeiling = int64(store.StallCeiling)
)

// stallThreshold derives a stall threshold from a steady median latency m:
// a hundred times it, at least stallFloor and at most stallCeiling (ten
// times the slow threshold in factor and floor; the ceilings keep it
// above the slow one).
func stallThreshold(m int64, ok bool) (int64, string) {
	if !ok {
		return stallFloor, slowSourceNone
	}
	return min(max(stallFactor*m, stallFloor), stallCeiling), slowSourceRun
}

// Classify gives one probe row its state exactly as the analysis does;
// slowNS and stallNS are its stream's thresholds (StreamResult.SlowThresholdNS
// and StallThresholdNS). Renderers use it to colour probes the way the
// analyzer counted them. A stallNS of 0 (a summary written before the
// stalled state existed) stalls nothing.
func Classify(p *store.Probe, slowNS, stallNS int64) State {
	if stallNS <= 0 {
		stallNS = math.MaxInt64
	}
	x := row{outcome: outcomeCode(p.Outcome), class: classCode[p.ErrorClass], latency: p.LatencyNS}
	if p.ErrorClass != "" && x.class == classNone {
		x.class = classOther
	}
	return States[classify(&x, slowNS, stallNS)]
}
