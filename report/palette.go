package report

import (
	"image/color"

	"github.com/switchwatch/switchwatch/analyze/result"
)

// Okabe–Ito colours (Okabe & Ito 2008), distinguishable with the common
// forms of colour blindness.
var (
	okabeBlack      = color.NRGBA{0x00, 0x00, 0x00, 0xff}
	okabeOrange     = color.NRGBA{0xe6, 0x9f, 0x00, 0xff}
	okabeSkyBlue    = color.NRGBA{0x56, 0xb4, 0xe9, 0xff}
	okabeGreen      = color.NRGBA{0x00, 0x9e, 0x73, 0xff}
	okabeYellow     = color.NRGBA{0xf0, 0xe4, 0x42, 0xff}
	okabeBlue       = color.NRGBA{0x00, 0x72, 0xb2, 0xff}
	okabeVermillion = color.NRGBA{0xd5, 0x5e, 0x00, 0xff}
	okabePurple     = color.NRGBA{0xcc, 0x79, 0xa7, 0xff}
	grey            = color.NRGBA{0x99, 0x99, 0x99, 0xff}
	// unknownColor is time the data cannot tell about (no data, no
	// traffic): no probe state's colour, and lighter than skipped's grey.
	unknownColor = color.NRGBA{0xc8, 0xc8, 0xc8, 0xff}
)

// stateColors is the one colour of every probe state, used by every picture.
var stateColors = map[result.State]color.NRGBA{
	result.StateOK:          okabeGreen,
	result.StateSlow:        okabeYellow,
	result.StateStalled:     okabeOrange,
	result.StateReadOnly:    okabeBlue,
	result.StateUnavailable: okabeVermillion,
	result.StateError:       okabePurple,
	result.StateSkipped:     grey,
}

// StateColor is the colour of a probe state in every picture.
func StateColor(s result.State) color.NRGBA {
	if c, ok := stateColors[s]; ok {
		return c
	}
	return okabeBlack
}

// phaseColors are the probe states whose colour a phase state takes:
// the probe state that makes it (healthy is ok's colour).
var phaseColors = map[result.PhaseState]result.State{
	result.PhaseHealthy:     result.StateOK,
	result.PhaseStalled:     result.StateStalled,
	result.PhaseReadOnly:    result.StateReadOnly,
	result.PhaseUnavailable: result.StateUnavailable,
	result.PhaseError:       result.StateError,
}

// PhaseColor is the colour of a phase state: the colour of the probe state
// that makes it.
func PhaseColor(s result.PhaseState) color.NRGBA {
	if unknownPhase(s) {
		return unknownColor
	}
	if ps, ok := phaseColors[s]; ok {
		return StateColor(ps)
	}
	return okabeBlack
}

// bandColor is the translucent shade of a phase band.
func bandColor(s result.PhaseState) color.NRGBA {
	c := PhaseColor(s)
	c.A = 0x30
	return c
}

// groupColors colour the groups' curves. They are not state colours; the
// curves are told apart by dashes as well.
var groupColors = []color.NRGBA{okabeBlack, okabeSkyBlue, okabeOrange, okabePurple, okabeBlue, okabeYellow, okabeVermillion, okabeGreen}

func groupColor(i int) color.NRGBA { return groupColors[i%len(groupColors)] }
