package store

import "time"

// The default stall rule: a successful probe is stalled (a disruption:
// clients waited, not jitter) when it took longer than StallFactor times
// its stream's steady-state median latency, and at least StallFloor. The
// analyzer derives its default --stall threshold this way, and the
// recorder's live view (record --until-recovered) judges "healthy again" by
// the same rule, so the two cannot disagree about what a stall is.
//
// StallCeiling bounds the derived threshold from above: a run whose own
// steady state is slow (a recorder that fell behind, a degraded server)
// would otherwise set its threshold so high (a 1.15 s median made 115 s)
// that no pause is ever a stall. A success that took 2 s is a stall
// whatever the steady state, and 2 s stays below the default 3 s timeouts.
const (
	StallFactor  = 100
	StallFloor   = 100 * time.Millisecond
	StallCeiling = 2 * time.Second
)
