package analyze

import (
	"slices"

	"github.com/switchwatch/switchwatch/record/store"
)

// Outcome codes of a row (the few values of store.Probe.Outcome).
const (
	outOK uint8 = iota
	outError
	outTimeout
	outSkipped
	outUnknown
)

// Error class codes: 0 is "no class", i+1 is store.ErrorClasses[i].
const classNone uint8 = 0

var classCode = func() map[string]uint8 {
	m := make(map[string]uint8, len(store.ErrorClasses))
	for i, c := range store.ErrorClasses {
		m[c] = uint8(i + 1)
	}
	return m
}()

var classOther = classCode[store.ClassOther]

func className(c uint8) string {
	if c == classNone || int(c) > len(store.ErrorClasses) {
		return ""
	}
	return store.ErrorClasses[c-1]
}

func outcomeCode(s string) uint8 {
	switch s {
	case store.OutcomeOK:
		return outOK
	case store.OutcomeError:
		return outError
	case store.OutcomeTimeout:
		return outTimeout
	case store.OutcomeSkipped:
		return outSkipped
	}
	return outUnknown
}

// row is the compact in-memory form of one probe: only what the analysis
// uses, strings replaced by symbols of the run's symbol table.
type row struct {
	intended int64
	seq      int64
	latency  int64
	start    int64 // 0 when NULL
	end      int64 // 0 when NULL
	seen     int64 // SeenSeq, -1 when NULL
	errMsg   uint32
	ident    uint32 // server identity symbol (0: unknown)
	dns      uint32 // ResolvedAddrs symbol (0: none)
	dialed   uint32 // DialedAddr symbol (0: none)
	// schema version 2; 0 when NULL (or the file is of version 1)
	observed    int64 // when the answer carrying the identity arrived
	established int64 // when the probe's connection was established
	serverTime  int64 // the server's clock_timestamp()
	connectDone int64 // when the connection was ready (0 when NULL)
	timeline    int64
	outcome     uint8
	class       uint8
}

// symtab interns strings. Symbol 0 is the empty string.
type symtab struct {
	strs []string
	idx  map[string]uint32

	// server identities: (address symbol, postmaster start) -> symbol of
	// the identity string
	idents    map[identKey]uint32
	lastIdent identKey
	lastSym   uint32
	// what else the probes said about each identity (by its symbol), the
	// first non-empty value of each
	identMeta map[uint32]identMeta
	lastMeta  identMeta
}

// identMeta is what the probes answered by one server identity said about
// it beside its address and start: the system identifier and the timeline
// (0 when none said).
type identMeta struct {
	addr, sysid uint32
	timeline    int64
}

type identKey struct {
	addr  uint32
	start int64
}

func newSymtab() *symtab {
	return &symtab{strs: []string{""}, idx: map[string]uint32{"": 0}, idents: map[identKey]uint32{}, identMeta: map[uint32]identMeta{}}
}

func (t *symtab) intern(s string) uint32 {
	if id, ok := t.idx[s]; ok {
		return id
	}
	id := uint32(len(t.strs))
	t.strs = append(t.strs, s)
	t.idx[s] = id
	return id
}

func (t *symtab) internBytes(b []byte) uint32 {
	if id, ok := t.idx[string(b)]; ok {
		return id
	}
	return t.intern(string(b))
}

func (t *symtab) str(id uint32) string { return t.strs[id] }

// Intern and String make the symbol table the store.Symbols of the
// reader, so a batch's string columns arrive as this run's symbols.
func (t *symtab) Intern(b []byte) uint32  { return t.internBytes(b) }
func (t *symtab) String(id uint32) string { return t.strs[id] }

var _ store.Symbols = (*symtab)(nil)

// ident returns the symbol of the server identity of address symbol addr
// and postmaster start, as store.Probe.ServerIdentity spells it.
func (t *symtab) ident(addr uint32, start int64, sysid uint32, timeline int64) uint32 {
	if addr == 0 {
		return 0
	}
	k := identKey{addr, start}
	if k != t.lastIdent || t.lastSym == 0 {
		id, ok := t.idents[k]
		if !ok {
			p := store.Probe{ServerAddr: t.strs[addr], ServerStart: start}
			id = t.intern(p.ServerIdentity())
			t.idents[k] = id
		}
		t.lastIdent, t.lastSym = k, id
		t.lastMeta = t.identMeta[id]
		t.lastMeta.addr = addr
		t.identMeta[id] = t.lastMeta
	}
	if m := &t.lastMeta; m.sysid == 0 && sysid != 0 || m.timeline == 0 && timeline != 0 {
		if m.sysid == 0 {
			m.sysid = sysid
		}
		if m.timeline == 0 {
			m.timeline = timeline
		}
		t.identMeta[t.lastSym] = *m
	}
	return t.lastSym
}

// restartOf reports whether identity b is a restart of identity a: the
// same address, a new postmaster start, and neither the system identifier
// nor the timeline differs where both are known (a promoted standby at the
// same address has a new timeline).
func (t *symtab) restartOf(a, b uint32) bool {
	ma, oka := t.identMeta[a]
	mb, okb := t.identMeta[b]
	if !oka || !okb || a == b || ma.addr != mb.addr {
		return false
	}
	if ma.sysid != 0 && mb.sysid != 0 && ma.sysid != mb.sysid {
		return false
	}
	return ma.timeline == 0 || mb.timeline == 0 || ma.timeline == mb.timeline
}

// streamKey names a stream by the symbols of kind, conn (the connection
// mode), endpoint and profile (0: none, the built-in profile of the mode,
// as in every file of schema version 1).
type streamKey struct{ kind, conn, endpoint, profile uint32 }

// streamRows are the rows of one stream of one run, as read.
type streamRows struct {
	key  streamKey
	rows []row
	// outOfOrder counts rows read after a row with a later intended start.
	outOfOrder   int64
	lastIntended int64
}

// runRows are the rows of one run, grouped by stream, as read.
type runRows struct {
	id    string
	path  string
	syms  *symtab
	info  *store.RunInfo
	rows  int64
	order []*streamRows
	by    map[streamKey]*streamRows
	last  *streamRows
	// reserve is the number of rows of each stream, when counted before
	// reading, so that each stream's rows are allocated once.
	reserve map[streamKey]int
	pool    *rowPool
}

// rowPool keeps the row buffers of analyzed runs for the next run of the
// same worker: reusing memory already touched saves the page faults of
// fresh memory, which otherwise cost more than decoding the rows.
type rowPool struct {
	free [][]row
	cr   *colReader
	// cols is the projection of the analysis (columnsFor); nil: readColumns
	cols []string
}

// colReader returns the worker's column reader, reset for a run with the
// symbol table syms: its decoding buffers are kept from run to run.
func (p *rowPool) colReader(syms *symtab) *colReader {
	if p == nil {
		return newColReader(syms)
	}
	if p.cr == nil {
		p.cr = newColReader(syms)
		if p.cols != nil {
			p.cr.cols = p.cols
		}
		return p.cr
	}
	cr := p.cr
	cr.syms, cr.codes, cr.oneRun = syms, codeTable{}, false
	return cr
}

// get returns an empty buffer with room for n rows.
func (p *rowPool) get(n int) []row {
	if p == nil {
		return make([]row, 0, n)
	}
	best := -1
	for i, b := range p.free {
		if cap(b) >= n && (best < 0 || cap(b) < cap(p.free[best])) {
			best = i
		}
	}
	if best < 0 {
		return make([]row, 0, n)
	}
	b := p.free[best]
	p.free = append(p.free[:best], p.free[best+1:]...)
	return b[:0]
}

// trim drops the buffers the run just loaded did not take, so the pool
// never holds more than one run's rows.
func (p *rowPool) trim() {
	if p != nil {
		clear(p.free)
		p.free = p.free[:0]
	}
}

// put gives a buffer back; the pool keeps at most 64.
func (p *rowPool) put(b []row) {
	if p == nil || cap(b) == 0 {
		return
	}
	if len(p.free) >= 64 {
		// drop the smallest
		small := 0
		for i := range p.free {
			if cap(p.free[i]) < cap(p.free[small]) {
				small = i
			}
		}
		if cap(p.free[small]) >= cap(b) {
			return
		}
		p.free[small] = b
		return
	}
	p.free = append(p.free, b)
}

func newRunRows(id, path string, syms *symtab) *runRows {
	return &runRows{id: id, path: path, syms: syms, by: map[streamKey]*streamRows{}}
}

// stream returns the rows of stream k, with room for n more.
func (r *runRows) stream(k streamKey, n int) *streamRows {
	s := r.last
	if s == nil || s.key != k {
		s = r.by[k]
		if s == nil {
			s = &streamRows{key: k, rows: r.pool.get(max(r.reserve[k], n))}
			r.by[k] = s
			r.order = append(r.order, s)
		}
		r.last = s
	}
	s.rows = slices.Grow(s.rows, n)
	r.rows += int64(n)
	return s
}

// add appends one row to its stream.
func (r *runRows) add(k streamKey, x *row) {
	s := r.stream(k, 1)
	if len(s.rows) > 0 && x.intended < s.lastIntended {
		s.outOfOrder++
	}
	s.lastIntended = x.intended
	s.rows = append(s.rows, *x)
}

// fromProbe converts a store.Probe into a row with its stream key.
func (t *symtab) fromProbe(p *store.Probe) (streamKey, row) {
	k := streamKey{t.intern(p.Kind), t.intern(p.Conn), t.intern(p.Endpoint), t.intern(p.Profile)}
	x := row{
		intended: p.Intended,
		seq:      p.Seq,
		latency:  p.LatencyNS,
		start:    p.Start,
		end:      p.End,
		seen:     -1,
		outcome:  outcomeCode(p.Outcome),
		class:    classCode[p.ErrorClass],
	}
	if p.ErrorClass != "" && x.class == classNone {
		x.class = classOther
	}
	if p.SeenSeq != nil {
		x.seen = *p.SeenSeq
	}
	if p.Error != "" {
		x.errMsg = t.intern(p.Error)
	}
	if p.ResolvedAddrs != "" {
		x.dns = t.intern(p.ResolvedAddrs)
	}
	if p.DialedAddr != "" {
		x.dialed = t.intern(p.DialedAddr)
	}
	x.observed, x.established, x.serverTime, x.timeline = p.Observed, p.ConnEstablished, p.ServerTime, p.Timeline
	x.connectDone = p.ConnectDone
	if p.ServerAddr != "" {
		x.ident = t.ident(t.intern(p.ServerAddr), p.ServerStart, t.intern(p.SystemID), p.Timeline)
	}
	return k, x
}
