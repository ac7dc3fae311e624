package store

import "time"

// The default stall rule: a successful probe is stalled (a disruption:
// clients waited, not jitter) when it took longer than StallFactor times
// its stream's steady-state median latency, and at least StallFloor. The
// analyzer derives its default --stall threshold this way, and the
// recorder's live view (record --until-recovered) judges "healthy again" by
// the same rule, so the two cannot disagree about what a stall is.
const (
	StallFactor = 100
	StallFloor  = 100 * time.Millisecond
)
