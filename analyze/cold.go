package analyze

// rowCold holds the columns of a stream's rows that few passes read: what
// a reader saw (seen_seq: staleness), the DNS answer (resolved_addrs: the
// DNS changes) and the error message (a segment's example). Each is kept
// beside the rows, one value per row, only once some row of the stream
// has one; a stream without any pays nothing for it. Out of row they
// keep row at 48 bytes, which every pass reads (it was 64 with them):
// the passes over a run's rows are bound by memory (64 bytes of padding
// per row took BenchmarkAnalyzeGroupsOnly -rows 10000000 from 0.44 to
// 0.82 s an analysis).
type rowCold struct {
	seen []int64  // nil: every row's is NULL (-1)
	dns  []uint32 // symbols; nil: every row's is 0 (none)
	msg  []uint32 // symbols; nil: every row's is 0 (none)
}

// coldRow is one row's rowCold values.
type coldRow struct {
	seen     int64 // -1: NULL
	dns, msg uint32
}

// noCold is the coldRow of a row without any.
var noCold = coldRow{seen: -1}

func (c *rowCold) seenAt(i int) int64 {
	if c.seen == nil {
		return -1
	}
	return c.seen[i]
}

func (c *rowCold) dnsAt(i int) uint32 {
	if c.dns == nil {
		return 0
	}
	return c.dns[i]
}

func (c *rowCold) msgAt(i int) uint32 {
	if c.msg == nil {
		return 0
	}
	return c.msg[i]
}

// none reports whether no column is kept.
func (c *rowCold) none() bool { return c.seen == nil && c.dns == nil && c.msg == nil }

// keep starts keeping the columns x has a value of, for a stream of n
// rows so far (whose values were NULL) with room for capacity rows.
func (c *rowCold) keep(x coldRow, n, capacity int, p *rowPool) {
	if x.seen >= 0 && c.seen == nil {
		c.seen = p.getInts(capacity)[:n]
		for i := range c.seen {
			c.seen[i] = -1
		}
	}
	if x.dns != 0 && c.dns == nil {
		c.dns = p.getSyms(capacity)[:n]
		clear(c.dns)
	}
	if x.msg != 0 && c.msg == nil {
		c.msg = p.getSyms(capacity)[:n]
		clear(c.msg)
	}
}

// add appends one row's values to the columns kept (keep first).
func (c *rowCold) add(x coldRow) {
	if c.seen != nil {
		c.seen = append(c.seen, x.seen)
	}
	if c.dns != nil {
		c.dns = append(c.dns, x.dns)
	}
	if c.msg != nil {
		c.msg = append(c.msg, x.msg)
	}
}

// move copies row i's values to row w (compacting the rows in place).
func (c *rowCold) move(w, i int) {
	if c.seen != nil {
		c.seen[w] = c.seen[i]
	}
	if c.dns != nil {
		c.dns[w] = c.dns[i]
	}
	if c.msg != nil {
		c.msg[w] = c.msg[i]
	}
}

// truncate keeps the first n rows' values.
func (c *rowCold) truncate(n int) {
	if c.seen != nil {
		c.seen = c.seen[:n]
	}
	if c.dns != nil {
		c.dns = c.dns[:n]
	}
	if c.msg != nil {
		c.msg = c.msg[:n]
	}
}

// permute reorders the values as the rows: row i takes row idx[i]'s.
func (c *rowCold) permute(idx []int32) {
	c.seen = permuted(c.seen, idx)
	c.dns = permuted(c.dns, idx)
	c.msg = permuted(c.msg, idx)
}

func permuted[T any](v []T, idx []int32) []T {
	if v == nil {
		return nil
	}
	old := append([]T(nil), v...)
	for i, j := range idx {
		v[i] = old[j]
	}
	return v
}

// clone copies the columns into buffers of p.
func (c *rowCold) clone(p *rowPool) rowCold {
	var out rowCold
	if c.seen != nil {
		out.seen = append(p.getInts(len(c.seen)), c.seen...)
	}
	if c.dns != nil {
		out.dns = append(p.getSyms(len(c.dns)), c.dns...)
	}
	if c.msg != nil {
		out.msg = append(p.getSyms(len(c.msg)), c.msg...)
	}
	return out
}

// release gives the buffers back to p.
func (c *rowCold) release(p *rowPool) {
	if p != nil {
		putBuf(&p.freeInts, c.seen)
		putBuf(&p.freeSyms, c.dns)
		putBuf(&p.freeSyms, c.msg)
	}
	*c = rowCold{}
}
