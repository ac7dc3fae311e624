package analyze

import (
	"fmt"
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

// outcomeName is the outcome an outcome code stands for ("unknown" for
// outUnknown).
func outcomeName(o uint8) string {
	switch o {
	case outOK:
		return store.OutcomeOK
	case outError:
		return store.OutcomeError
	case outTimeout:
		return store.OutcomeTimeout
	case outSkipped:
		return store.OutcomeSkipped
	}
	return "unknown"
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
// uses, strings replaced by symbols of the run's symbol table. It is kept
// to 64 bytes: the analysis writes and reads every row several times, and
// a run's rows are most of its memory.
type row struct {
	intended int64
	seq      int64
	latency  int64
	start    int64  // 0 when NULL
	end      int64  // 0 when NULL
	ident    uint32 // server identity symbol (0: unknown)
	outcome  uint8
	class    uint8
}

// rowObs is what schema version 2 added to a probe: what its connection
// did and when it saw the server; 0 when NULL. A stream keeps them beside
// its rows (streamRows.obs, stream.obs), one per row, only when some row
// has one: files of version 1, imports and streams whose rows carry none
// pay nothing for them.
type rowObs struct {
	observed    int64 // when the answer carrying the identity arrived
	established int64 // when the probe's connection was established
	serverTime  int64 // the server's clock_timestamp()
	connectDone int64 // when the connection was ready
	timeline    int64
	dialed      uint32 // DialedAddr symbol (0: none)
}

// noObs is the rowObs of every row of a stream without any.
var noObs rowObs

// any reports whether o makes its stream keep observations: connectDone
// alone does not, it is used only with serverTime (obsColumns).
func (o *rowObs) any() bool {
	c := *o
	c.connectDone = 0
	return c != noObs
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
// mode), endpoint and profile (the built-in profile of a mode is named
// like the mode; 0 only for a row without a mode). Make it with keyOf.
type streamKey struct{ kind, conn, endpoint, profile uint32 }

// keyOf is the key of a row's stream. A row without a profile (NULL: every
// file of schema version 1, and the importers') is of the built-in profile
// of its mode, which version 2 writes as the mode's name
// (store.Probe.ProfileName): both must make one stream, or a run whose
// segments mix the versions reads as twice its streams, each with a gap.
func keyOf(kind, conn, endpoint, profile uint32) streamKey {
	if profile == 0 {
		profile = conn
	}
	return streamKey{kind, conn, endpoint, profile}
}

// streamRows are the rows of one stream of one run, as read.
type streamRows struct {
	key  streamKey
	rows []row
	obs  []rowObs // nil, or one per row
	cold rowCold
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
	// implausible counts the rows dropped for a latency no recorder
	// measures (store.CheckLatency); firstImplausible says the first.
	implausible      int64
	firstImplausible string
	// absent: optional columns some file of the run lacked (absentClass,
	// absentServer), absentFile the first such file of each.
	absent     uint8
	absentFile [3]string
}

// dropImplausible drops the rows of s from index from on whose latency is
// no measurement (negative, or 2^63-1 from a botched conversion), or whose
// intended start no recorder stamps (outside the years 2000 to 2200: a
// stream dated 1970 made an outage of 56 years): averaged
// in, one such row moved every latency figure of its run, and its state
// rested on a number that means nothing. They are counted, the first one
// named, for the run's warning (implausibleWarning); the slot reads as a
// missing row.
func (r *runRows) dropImplausible(s *streamRows, from int) {
	w := from
	for i := from; i < len(s.rows); i++ {
		x := &s.rows[i]
		err := store.CheckLatency(x.latency)
		if err == nil {
			err = store.CheckTime(store.ColIntended, x.intended)
		}
		if err != nil {
			if r.implausible == 0 {
				r.firstImplausible = fmt.Sprintf("%s seq %d: %v", r.syms.str(s.key.kind)+"/"+r.syms.str(s.key.profile)+"/"+r.syms.str(s.key.endpoint), x.seq, err)
			}
			r.implausible++
			continue
		}
		if w != i {
			s.rows[w] = *x
			if s.obs != nil {
				s.obs[w] = s.obs[i]
			}
			s.cold.move(w, i)
		}
		w++
	}
	if w == len(s.rows) {
		return
	}
	r.rows -= int64(len(s.rows) - w)
	s.rows = s.rows[:w]
	if s.obs != nil {
		s.obs = s.obs[:w]
	}
	s.cold.truncate(w)
}

// implausibleWarning is the run's warning about rows dropped by
// dropImplausible, "" when none was.
func (r *runRows) implausibleWarning() string {
	if r.implausible == 0 {
		return ""
	}
	return fmt.Sprintf("%d rows with a latency or time no recorder measures dropped (counted as missing), the first %s", r.implausible, r.firstImplausible)
}

// rowPool keeps the row buffers of analyzed runs for the next run of the
// same worker: reusing memory already touched saves the page faults of
// fresh memory, which otherwise cost more than decoding the rows.
type rowPool struct {
	free     [][]row
	freeObs  [][]rowObs
	freeInts [][]int64  // rowCold.seen
	freeSyms [][]uint32 // rowCold.dns and msg
	cr       *colReader
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
	cr.syms, cr.codes, cr.oneRun, cr.counted, cr.cache = syms, codeTable{}, false, nil, nil
	return cr
}

// get returns an empty buffer with room for n rows.
func (p *rowPool) get(n int) []row {
	if p == nil {
		return make([]row, 0, n)
	}
	return getBuf(&p.free, n)
}

// getInts and getSyms are get for the columns of rowCold.
func (p *rowPool) getInts(n int) []int64 {
	if p == nil {
		return make([]int64, 0, n)
	}
	return getBuf(&p.freeInts, n)
}

func (p *rowPool) getSyms(n int) []uint32 {
	if p == nil {
		return make([]uint32, 0, n)
	}
	return getBuf(&p.freeSyms, n)
}

// getObs is get for the rows' observations.
func (p *rowPool) getObs(n int) []rowObs {
	if p == nil {
		return make([]rowObs, 0, n)
	}
	return getBuf(&p.freeObs, n)
}

func getBuf[T any](free *[][]T, n int) []T {
	best := -1
	for i, b := range *free {
		if cap(b) >= n && (best < 0 || cap(b) < cap((*free)[best])) {
			best = i
		}
	}
	if best < 0 {
		b := make([]T, 0, n)
		adviseHugePages(b)
		return b
	}
	b := (*free)[best]
	*free = append((*free)[:best], (*free)[best+1:]...)
	return b[:0]
}

// trim drops the buffers the run just loaded did not take, so the pool
// never holds more than one run's rows.
func (p *rowPool) trim() {
	if p != nil {
		clear(p.free)
		p.free = p.free[:0]
		clear(p.freeObs)
		p.freeObs = p.freeObs[:0]
		clear(p.freeInts)
		p.freeInts = p.freeInts[:0]
		clear(p.freeSyms)
		p.freeSyms = p.freeSyms[:0]
	}
}

// put gives the buffers of a stream back; the pool keeps at most 64 of
// each.
func (p *rowPool) put(b []row, obs []rowObs) {
	if p == nil {
		return
	}
	putBuf(&p.free, b)
	putBuf(&p.freeObs, obs)
}

func putBuf[T any](free *[][]T, b []T) {
	if cap(b) == 0 {
		return
	}
	if len(*free) >= 64 {
		// drop the smallest
		small := 0
		for i := range *free {
			if cap((*free)[i]) < cap((*free)[small]) {
				small = i
			}
		}
		if cap((*free)[small]) >= cap(b) {
			return
		}
		(*free)[small] = b
		return
	}
	*free = append(*free, b)
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

// keepObs makes s keep observations from now on: one per row, the rows
// before without any.
func (r *runRows) keepObs(s *streamRows) {
	if s.obs == nil {
		s.obs = r.pool.getObs(max(cap(s.rows), 1))[:len(s.rows)]
		clear(s.obs)
	}
}

// add appends one row, its observations and its rarely read values to
// its stream.
func (r *runRows) add(k streamKey, x *row, o *rowObs, c coldRow) {
	s := r.stream(k, 1)
	if len(s.rows) > 0 && x.intended < s.lastIntended {
		s.outOfOrder++
	}
	s.lastIntended = x.intended
	if o.any() {
		r.keepObs(s)
	}
	s.cold.keep(c, len(s.rows), cap(s.rows), r.pool)
	s.rows = append(s.rows, *x)
	if s.obs != nil {
		s.obs = append(s.obs, *o)
	}
	s.cold.add(c)
	r.dropImplausible(s, len(s.rows)-1)
}

// fromProbe converts a store.Probe into a row, its observations and its
// rarely read values, with its stream key.
func (t *symtab) fromProbe(p *store.Probe) (streamKey, row, rowObs, coldRow) {
	k := keyOf(t.intern(p.Kind), t.intern(p.Conn), t.intern(p.Endpoint), t.intern(p.Profile))
	x := row{
		intended: p.Intended,
		seq:      p.Seq,
		latency:  p.LatencyNS,
		start:    p.Start,
		end:      p.End,
		outcome:  outcomeCode(p.Outcome),
		class:    classCode[p.ErrorClass],
	}
	if p.ErrorClass != "" && x.class == classNone {
		x.class = classOther
	}
	c := noCold
	if p.SeenSeq != nil {
		c.seen = *p.SeenSeq
	}
	if p.Error != "" {
		c.msg = t.intern(p.Error)
	}
	if p.ResolvedAddrs != "" {
		c.dns = t.intern(p.ResolvedAddrs)
	}
	var o rowObs
	if p.DialedAddr != "" {
		o.dialed = t.intern(p.DialedAddr)
	}
	o.observed, o.established, o.serverTime, o.timeline = p.Observed, p.ConnEstablished, p.ServerTime, p.Timeline
	o.connectDone = p.ConnectDone
	if p.ServerAddr != "" {
		x.ident = t.ident(t.intern(p.ServerAddr), p.ServerStart, t.intern(p.SystemID), p.Timeline)
	}
	return k, x, o, c
}
