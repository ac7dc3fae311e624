package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
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

// Replay is the outcome of replaying one run's timeline against a retry
// policy, in lengths of arrival time (ns): multiply by a rate to get
// requests.
//
// A request arriving at t makes its first attempt at t. An attempt in the
// failing set fails after the typical latency of the probes that failed
// there (Timeline.Cost: a connect timeout costs its timeout, a read-only
// error a round trip); the next attempt starts that long plus the policy's
// delay later. The first attempt outside the failing set succeeds.
type Replay struct {
	// Failing is the arrival time whose first attempt fails (the downtime).
	Failing int64
	// Stalled is the arrival time whose first attempt does not fail but
	// waits beyond the stall threshold (Timeline.StallTime).
	Stalled int64
	// Failed is the arrival time whose every attempt fails.
	Failed int64
	// Delayed[i] is the arrival time whose first attempt failed and whose
	// first success started AddedNS[i] after the arrival (the failed
	// attempts' latencies and the delays between them), in increasing
	// AddedNS.
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

// pending is a stretch of arrival times [A, B) whose attempts so far all
// failed; the next one starts at t+Off.
type pending struct{ A, B, Off int64 }

// ReplayTimeline replays a timeline against a policy (nil: no retries).
// Requests arrive uniformly in [Start, End) of the timeline.
func ReplayTimeline(tl *Timeline, p *RetryPolicy) Replay {
	cost := tl.cost()
	rp := Replay{Failing: tl.Downtime(), Stalled: tl.StallTime()}
	var cur []pending
	for _, c := range cost {
		if a, b := max(c.A, tl.Start), min(c.B, tl.End); a < b {
			cur = append(cur, pending{a, b, c.NS})
		}
	}
	added := map[int64]int64{}
	var delays []time.Duration
	if p != nil {
		delays = p.Delays
	}
	for _, d := range delays {
		var next []pending
		for _, q := range cur {
			q.Off += int64(d)
			// the attempts at [q.A+Off, q.B+Off) fail where they meet the
			// failing set and succeed elsewhere
			succeeded := q.B - q.A
			for _, c := range overlapping(cost, q.A+q.Off, q.B+q.Off) {
				a, b := max(q.A, c.A-q.Off), min(q.B, c.B-q.Off)
				if a >= b {
					continue
				}
				succeeded -= b - a
				off := q.Off + c.NS
				if n := len(next); n > 0 && next[n-1].B == a && next[n-1].Off == off {
					next[n-1].B = b
				} else {
					next = append(next, pending{a, b, off})
				}
			}
			if succeeded > 0 {
				added[q.Off] += succeeded
			}
		}
		cur = next
	}
	for _, q := range cur {
		rp.Failed += q.B - q.A
	}
	for _, off := range slices.Sorted(maps.Keys(added)) {
		rp.Delayed = append(rp.Delayed, added[off])
		rp.AddedNS = append(rp.AddedNS, off)
	}
	return rp
}

// overlapping returns the intervals of the sorted, disjoint list x that
// meet [a, b).
func overlapping(x []costInterval, a, b int64) []costInterval {
	i, _ := slices.BinarySearchFunc(x, a, func(v costInterval, t int64) int { return cmp.Compare(v.B, t+1) })
	j := i
	for j < len(x) && x[j].A < b {
		j++
	}
	return x[i:j]
}

// Count says n of a thing with the noun in the right number: "1 run",
// "3 runs".
func Count(n int64, one, many string) string {
	return fmt.Sprintf("%d %s", n, plural(int(min(n, 2)), one, many))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
