package analyze

import (
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// State codes, in the order of States.
const (
	stOK uint8 = iota
	stSlow
	stReadOnly
	stUnavailable
	stError
	stSkipped
)

// Severities of phase states, in the order of phaseStates.
const (
	sevHealthy uint8 = iota
	sevReadOnly
	sevError
	sevUnavailable
)

var phaseStates = []PhaseState{PhaseHealthy, PhaseReadOnly, PhaseError, PhaseUnavailable}

// severity maps a probe state to the phase severity it implies; skipped
// has none of its own (it carries on the state before it).
var severity = [...]uint8{stOK: sevHealthy, stSlow: sevHealthy, stReadOnly: sevReadOnly, stUnavailable: sevUnavailable, stError: sevError, stSkipped: sevUnavailable}

// unavailableClass marks the error classes that mean no usable server
// answered.
var unavailableClass = func() [32]bool {
	var u [32]bool
	for _, c := range []string{
		store.ClassConnectTimeout, store.ClassQueryTimeout, store.ClassRefused, store.ClassReset,
		store.ClassDNS, store.ClassShutdown, store.ClassTooManyConnections, store.ClassInflightLimit,
		store.ClassInferred,
	} {
		u[classCode[c]] = true
	}
	return u
}()

var classReadOnly = classCode[store.ClassReadOnly]

// classify gives a probe its state; slow is the stream's slow threshold.
func classify(x *row, slow int64) uint8 {
	switch x.outcome {
	case outOK:
		if x.latency > slow {
			return stSlow
		}
		return stOK
	case outSkipped:
		return stSkipped
	case outError, outTimeout:
		switch {
		case x.class == classReadOnly:
			return stReadOnly
		case unavailableClass[x.class&31]:
			return stUnavailable
		case x.class == classNone && x.outcome == outTimeout:
			return stUnavailable
		}
	}
	return stError
}

// failed reports whether a state is a failure (not ok, slow or skipped).
func failed(st uint8) bool { return st == stReadOnly || st == stUnavailable || st == stError }

// Slow threshold defaults (see the package doc).
const (
	slowFactor     = 10
	slowFloor      = int64(10 * time.Millisecond)
	slowMinSteady  = 20
	slowSourceOpt  = "option"
	slowSourceRun  = "steady_state"
	slowSourceNone = "none" // no successful probe to derive it from
)

// slowThreshold derives a stream's slow threshold from its steady state:
// ten times the median latency of its successful probes before the first
// failure (of all of them when fewer than slowMinSteady precede it), and at
// least slowFloor.
func slowThreshold(rows []row) (int64, string) {
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
		return slowFloor, slowSourceNone
	}
	return max(slowFactor*h.quantile(0.5), slowFloor), slowSourceRun
}

// Classify gives one probe row its state exactly as the analysis does;
// slowNS is its stream's slow threshold (StreamResult.SlowThresholdNS).
// Renderers use it to colour probes the way the analyzer counted them.
func Classify(p *store.Probe, slowNS int64) State {
	x := row{outcome: outcomeCode(p.Outcome), class: classCode[p.ErrorClass], latency: p.LatencyNS}
	if p.ErrorClass != "" && x.class == classNone {
		x.class = classOther
	}
	return States[classify(&x, slowNS)]
}
