package importer

import (
	"math/bits"
	"slices"
)

// medianExact bounds the values a median keeps exactly; past it the
// median comes from a log-linear histogram (relative error below 1 %).
var medianExact = 1 << 17

// median estimates the median of non-negative values in bounded memory:
// exactly (the upper median, values[n/2] of the sorted values) while there
// are at most medianExact of them, so small inputs give exact numbers,
// then from a histogram of 128 buckets per power of two.
type median struct {
	vals []int64
	hist map[int]int64
	n    int64
}

func (m *median) add(v int64) {
	v = max(v, 0)
	m.n++
	if m.hist == nil {
		m.vals = append(m.vals, v)
		if len(m.vals) <= medianExact {
			return
		}
		m.hist = map[int]int64{}
		for _, x := range m.vals {
			m.hist[histBucket(x)]++
		}
		m.vals = nil
		return
	}
	m.hist[histBucket(v)]++
}

// value is the median (0 for no values).
func (m *median) value() int64 {
	if m.n == 0 {
		return 0
	}
	if m.hist == nil {
		s := slices.Clone(m.vals)
		slices.Sort(s)
		return s[len(s)/2]
	}
	keys := make([]int, 0, len(m.hist))
	for k := range m.hist {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var seen int64
	for _, k := range keys {
		seen += m.hist[k]
		if seen > m.n/2 {
			return histValue(k)
		}
	}
	return histValue(keys[len(keys)-1])
}

// histBucket is v's bucket: v itself below 128, else 128 buckets per
// power of two.
func histBucket(v int64) int {
	if v < 128 {
		return int(v)
	}
	e := bits.Len64(uint64(v)) - 8 // v>>e is in [128, 256)
	return (e+1)*128 + int(v>>e) - 128
}

// histValue is the middle of bucket b.
func histValue(b int) int64 {
	if b < 128 {
		return int64(b)
	}
	e := b/128 - 1
	lo := int64(b%128+128) << e
	return lo + (int64(1)<<e)/2
}
