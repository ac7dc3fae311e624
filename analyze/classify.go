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

// Severities of phase states, in the order of PhaseStates, then the two
// states of time the data cannot tell about (UnknownPhaseStates).
const (
	sevHealthy uint8 = iota
	sevStalled
	sevReadOnly
	sevError
	sevUnavailable
	sevNoData    // a recorder's stream has no row for the time (missing slots)
	sevNoTraffic // an application sent nothing (a lull of closed-loop traffic)
)

// sevRank orders the severities for combining streams: at any moment the
// run is in the state of highest rank among its streams. A known failure
// outranks missing data (the run was failing whatever the unknown stream
// saw), missing data outranks healthy and stalled (a hole in a recorder's
// stream may hide a failure, so the moment is not healthy), and a lull
// ranks lowest: an application that did not send says nothing, so any
// stream that did send decides, and a stretch is no traffic only when no
// stream sent.
var sevRank = [...]uint8{sevNoTraffic: 0, sevHealthy: 1, sevStalled: 2, sevNoData: 3, sevReadOnly: 4, sevError: 5, sevUnavailable: 6}

// phaseStateOf is the PhaseState of each severity.
var phaseStateOf = [...]PhaseState{sevHealthy: PhaseHealthy, sevStalled: PhaseStalled, sevReadOnly: PhaseReadOnly,
	sevError: PhaseError, sevUnavailable: PhaseUnavailable, sevNoData: PhaseNoData, sevNoTraffic: PhaseNoTraffic}

// severity maps a probe state to the phase severity it implies; skipped
// has none of its own (it carries on the state before it).
var severity = [...]uint8{stOK: sevHealthy, stSlow: sevHealthy, stStalled: sevStalled, stReadOnly: sevReadOnly, stUnavailable: sevUnavailable, stError: sevError, stSkipped: sevUnavailable}

// classState is classStates by class code (model.go); no class and unknown
// codes are error.
var classState = func() [32]uint8 {
	var a [32]uint8
	for i := range a {
		a[i] = stError
	}
	for _, c := range store.ErrorClasses {
		if s, ok := ClassState(c); ok {
			a[classCode[c]] = uint8(slices.Index(States, s))
		}
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
// unavailable), not healthy, stalled or unknown.
func failing(sev uint8) bool { return sev >= sevReadOnly && sev <= sevUnavailable }

// unknown reports whether a phase severity is time the data cannot tell
// about (no data, no traffic): neither healthy nor down.
func unknown(sev uint8) bool { return sev == sevNoData || sev == sevNoTraffic }

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
