package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxRetries bounds the number of retries of a policy.
const maxRetries = 1000

// RetryPolicy is how a client retries a failed request: the delay before
// each retry, in order (the first attempt has none).
type RetryPolicy struct {
	// Spec is the policy as the user wrote it.
	Spec   string
	Delays []time.Duration
	// desc says it in words.
	desc string
}

// RetryUsage documents the --retry syntax.
const RetryUsage = "NxDELAY (N retries, DELAY apart, e.g. 5x200ms) or exp:BASE,CAP,N (N retries, the first after BASE, each delay doubling up to CAP, e.g. exp:100ms,2s,8)"

// ParseRetry parses a retry policy: "NxDELAY" (N retries, each DELAY after
// the failure before it) or "exp:BASE,CAP,N" (N retries with exponential
// backoff: BASE, 2·BASE, 4·BASE, … capped at CAP). "none" and "0xD" mean
// no retry.
func ParseRetry(s string) (*RetryPolicy, error) {
	spec := strings.TrimSpace(s)
	p := &RetryPolicy{Spec: spec}
	bad := func(why string) error {
		return fmt.Errorf("retry policy %q: %s (want NxDELAY like 5x200ms or exp:BASE,CAP,N like exp:100ms,2s,8)", s, why)
	}
	switch {
	case spec == "none":
		p.desc = "no retries"
		return p, nil
	case strings.HasPrefix(spec, "exp:"):
		parts := strings.Split(strings.TrimPrefix(spec, "exp:"), ",")
		if len(parts) != 3 {
			return nil, bad("exp: needs BASE,CAP,N")
		}
		base, err := time.ParseDuration(strings.TrimSpace(parts[0]))
		if err != nil || base <= 0 {
			return nil, bad("BASE must be a positive duration")
		}
		cap, err := time.ParseDuration(strings.TrimSpace(parts[1]))
		if err != nil || cap < base {
			return nil, bad("CAP must be a duration of at least BASE")
		}
		n, err := strconv.Atoi(strings.TrimSpace(parts[2]))
		if err != nil || n < 0 || n > maxRetries {
			return nil, bad(fmt.Sprintf("N must be a whole number from 0 to %d", maxRetries))
		}
		d := base
		for i := 0; i < n; i++ {
			p.Delays = append(p.Delays, d)
			d = min(2*d, cap)
		}
		p.desc = fmt.Sprintf("%d %s with exponential backoff from %s, capped at %s", n, plural(n, "retry", "retries"), fmtDuration(base), fmtDuration(cap))
		return p, nil
	}
	ns, ds, ok := strings.Cut(spec, "x")
	if !ok {
		return nil, bad("no x")
	}
	n, err := strconv.Atoi(strings.TrimSpace(ns))
	if err != nil || n < 0 || n > maxRetries {
		return nil, bad(fmt.Sprintf("N must be a whole number from 0 to %d", maxRetries))
	}
	d, err := time.ParseDuration(strings.TrimSpace(ds))
	if err != nil || d < 0 {
		return nil, bad("DELAY must be a duration like 200ms")
	}
	for i := 0; i < n; i++ {
		p.Delays = append(p.Delays, d)
	}
	p.desc = fmt.Sprintf("%d %s %s apart", n, plural(n, "retry", "retries"), fmtDuration(d))
	return p, nil
}

// String says the policy in words.
func (p *RetryPolicy) String() string { return p.desc }

// offsets are the start of every attempt after the request's arrival: 0,
// then the running sum of the delays.
func (p *RetryPolicy) offsets() []int64 {
	off := []int64{0}
	var at int64
	if p != nil {
		for _, d := range p.Delays {
			at += int64(d)
			off = append(off, at)
		}
	}
	return off
}

// Replay is the outcome of replaying one run's timeline against a retry
// policy, in lengths of arrival time (ns): multiply by a rate to get
// requests.
type Replay struct {
	// Failing is the arrival time whose first attempt fails (the downtime).
	Failing int64
	// Stalled is the arrival time whose first attempt does not fail but
	// waits beyond the stall threshold (Timeline.StallTime).
	Stalled int64
	// Failed is the arrival time whose every attempt fails.
	Failed int64
	// Delayed[k] is the arrival time whose first success is attempt k+1
	// (after k+1 retries), added latency AddedNS[k].
	Delayed []int64
	AddedNS []int64
}

// MaxAddedNS is the largest latency the retries added to a request that
// succeeded (0 when none needed a retry).
func (r *Replay) MaxAddedNS() int64 {
	for k := len(r.Delayed) - 1; k >= 0; k-- {
		if r.Delayed[k] > 0 {
			return r.AddedNS[k]
		}
	}
	return 0
}

// AddedQuantile is the q-quantile of the added latency over the requests
// that needed a retry and succeeded (0 when none).
func (r *Replay) AddedQuantile(q float64) int64 {
	var total int64
	for _, d := range r.Delayed {
		total += d
	}
	if total == 0 {
		return 0
	}
	target := q * float64(total)
	var acc int64
	for k, d := range r.Delayed {
		acc += d
		if float64(acc) >= target && d > 0 {
			return r.AddedNS[k]
		}
	}
	return r.MaxAddedNS()
}

// ReplayTimeline replays a timeline against a policy (nil: no retries).
// Requests arrive uniformly in [Start, End) of the timeline.
func ReplayTimeline(tl *Timeline, p *RetryPolicy) Replay {
	f := tl.failing()
	off := p.offsets()
	rp := Replay{Failing: measure(f, tl.Start, tl.End), Stalled: tl.StallTime()}
	cur := f // arrival times whose attempts so far all failed
	prev := rp.Failing
	for k := 1; k < len(off); k++ {
		cur = intersect(cur, shift(f, off[k]))
		m := measure(cur, tl.Start, tl.End)
		rp.Delayed = append(rp.Delayed, prev-m)
		rp.AddedNS = append(rp.AddedNS, off[k])
		prev = m
	}
	rp.Failed = prev
	return rp
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
