package analyze

import "math/bits"

// hist is a log-linear histogram of non-negative int64 values (latencies in
// nanoseconds): values below 64 are exact, larger ones fall in buckets 1/64
// to 1/128 of their value wide, so a quantile is known to within 1.6%. It
// lets percentiles of millions of probes be taken without sorting them.
// Max and min are exact.
type hist struct {
	n        int64
	min, max int64
	counts   []uint32
}

const histSub = 64

func histBucket(v int64) int {
	if v < histSub {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	sh := bits.Len64(uint64(v)) - 7 // v>>sh in [64, 128)
	return histSub + sh*histSub + int(v>>sh) - histSub
}

// histMid is the middle of bucket b.
func histMid(b int) int64 {
	if b < histSub {
		return int64(b)
	}
	sh := (b - histSub) / histSub
	m := int64((b-histSub)%histSub + histSub)
	return m<<sh + (int64(1)<<sh)/2
}

func (h *hist) add(v int64) {
	b := histBucket(v)
	if b >= len(h.counts) {
		n := max(b+1, 2*len(h.counts))
		c := make([]uint32, n)
		copy(c, h.counts)
		h.counts = c
	}
	h.counts[b]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if h.n == 0 || v > h.max {
		h.max = v
	}
	h.n++
}

// quantile returns the q-quantile (0..1): the middle of the bucket that
// holds the value of rank ceil(q*n), clamped to [min, max].
func (h *hist) quantile(q float64) int64 {
	if h.n == 0 {
		return 0
	}
	rank := int64(q*float64(h.n) + 0.999999999)
	rank = max(rank, 1)
	var seen int64
	for b, c := range h.counts {
		seen += int64(c)
		if seen >= rank {
			return min(max(histMid(b), h.min), h.max)
		}
	}
	return h.max
}

func (h *hist) latency() Latency {
	if h.n == 0 {
		return Latency{}
	}
	return Latency{Count: h.n, P50NS: h.quantile(0.5), P90NS: h.quantile(0.9), P99NS: h.quantile(0.99), MaxNS: h.max}
}
