package importer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"slices"

	"github.com/switchwatch/switchwatch/record/store"
)

// spillSorter sorts records of any number with bounded memory, by group
// (a stream's name, in string order), then by a time, then in the order
// they were added: the order is total, so the result never depends on
// where the runs were cut. It holds up to maxBytes of records; when more
// come, it sorts those and writes them to a temporary file (a run); each
// then merges the runs with a heap.
//
// The sort is a radix sort of the times (least significant digit first,
// stable, so records of one time keep their input order) after an O(n)
// check that skips it when the records came in order: the logs it sorts
// are in time order per thread or nearly so, and a comparison sort of
// records (the first version of this file) spent most of an import
// moving them. Only 16-byte keys move; the records stay where add put
// them, in blocks of sortBlock records (a slice grown by append copied
// every record twice over on the way to a run's size).
type spillSorter[T any] struct {
	// group names the group of a record (nil: all records are one group);
	// groups come in string order. It is called once per record added
	// and once per record read back from a run.
	group func(*T) string
	at    func(*T) int64 // the time within a group
	size  func(*T) int   // bytes a record holds in memory
	enc   func(w *bufio.Writer, t *T) error
	dec   func(r *bufio.Reader, t *T) error
	dir   func() (string, error) // where the runs go, asked when the first is written
	// maxBytes bounds the records held in memory.
	maxBytes int

	blocks [][]T // the records held, sortBlock to a block
	held   int   // how many
	keys   []sortKey
	tmp    []sortKey
	gids   map[string]uint32
	names  []string
	bytes  int
	runs   []string
	n      int64
}

// sortKey is a record's place in the sort: its group's id (in order of
// first appearance), its time and its index among the records held.
type sortKey struct {
	at  int64
	gid uint32
	idx uint32
}

// spillBytes is the memory one sorter holds before it writes a run.
var spillBytes = 48 << 20

const sortBlock = 4096

func (s *spillSorter[T]) rec(idx uint32) *T { return &s.blocks[idx/sortBlock][idx%sortBlock] }

func (s *spillSorter[T]) gid(t *T) uint32 {
	if s.group == nil {
		return 0
	}
	name := s.group(t)
	id, ok := s.gids[name]
	if !ok {
		if s.gids == nil {
			s.gids = map[string]uint32{}
		}
		id = uint32(len(s.names))
		s.gids[name] = id
		s.names = append(s.names, name)
	}
	return id
}

func (s *spillSorter[T]) add(t T) error {
	if s.held/sortBlock == len(s.blocks) {
		s.blocks = append(s.blocks, make([]T, sortBlock))
	}
	// The key functions see the record where it is kept: given &t, they
	// would move every record added to the heap.
	r := s.rec(uint32(s.held))
	*r = t
	s.keys = append(s.keys, sortKey{at: s.at(r), gid: s.gid(r), idx: uint32(s.held)})
	s.held++
	s.bytes += s.size(r) + 16
	s.n++
	if s.bytes >= s.maxBytes {
		return s.spill()
	}
	return nil
}

// ranks maps group ids to their places in string order. Every run is
// sorted by the ranks of its time, and a group seen later never changes
// the relative order of those seen before, so runs agree with the merge.
func (s *spillSorter[T]) ranks() []uint32 {
	order := make([]uint32, len(s.names))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int {
		switch {
		case s.names[a] < s.names[b]:
			return -1
		case s.names[a] > s.names[b]:
			return 1
		}
		return 0
	})
	r := make([]uint32, len(s.names))
	for place, id := range order {
		r[id] = uint32(place)
	}
	return r
}

// sortKeys puts s.keys in order: group rank, time, then index (input order).
func (s *spillSorter[T]) sortKeys() {
	k := s.keys
	if len(k) < 2 {
		return
	}
	rank := s.ranks()
	inOrder := true
	lo, hi := k[0].at, k[0].at
	for i := 1; i < len(k); i++ {
		a, b := &k[i-1], &k[i]
		lo, hi = min(lo, b.at), max(hi, b.at)
		if inOrder && len(rank) > 1 && rank[a.gid] != rank[b.gid] {
			inOrder = rank[a.gid] < rank[b.gid]
		} else if inOrder && a.at > b.at {
			inOrder = false
		}
	}
	if inOrder {
		return
	}
	if cap(s.tmp) < len(k) {
		s.tmp = make([]sortKey, len(k))
	}
	tmp := s.tmp[:len(k)]
	// Least significant digit first, 11 bits a pass, over the time's
	// offset from the smallest: a span of an hour in nanoseconds takes 4
	// passes. A pass whose digit is the same for all keys is skipped.
	const digit = 11
	var count [1 << digit]int
	span := uint64(hi - lo)
	for shift := 0; shift < bits.Len64(span); shift += digit {
		clear(count[:])
		for i := range k {
			count[(uint64(k[i].at-lo)>>shift)&(1<<digit-1)]++
		}
		if count[(uint64(k[0].at-lo)>>shift)&(1<<digit-1)] == len(k) {
			continue
		}
		sum := 0
		for d := range count {
			count[d], sum = sum, sum+count[d]
		}
		for i := range k {
			d := (uint64(k[i].at-lo) >> shift) & (1<<digit - 1)
			tmp[count[d]] = k[i]
			count[d]++
		}
		k, tmp = tmp, k
	}
	if len(rank) > 1 {
		// Then by group, stably: a counting sort by rank.
		groups := make([]int, len(rank)+1)
		for i := range k {
			groups[rank[k[i].gid]+1]++
		}
		for g := 1; g < len(groups); g++ {
			groups[g] += groups[g-1]
		}
		for i := range k {
			r := rank[k[i].gid]
			tmp[groups[r]] = k[i]
			groups[r]++
		}
		k, tmp = tmp, k
	}
	s.keys, s.tmp = k, tmp
}

func (s *spillSorter[T]) spill() error {
	dir, err := s.dir()
	if err != nil {
		return err
	}
	s.sortKeys()
	path := filepath.Join(dir, fmt.Sprintf("run-%06d", len(s.runs)))
	err = store.WriteFile(path, false, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 256<<10)
		for _, k := range s.keys {
			if err := s.enc(w, s.rec(k.idx)); err != nil {
				return err
			}
		}
		return w.Flush()
	})
	if err != nil {
		return fmt.Errorf("sort: %w", err)
	}
	s.runs = append(s.runs, path)
	for _, b := range s.blocks {
		clear(b) // the blocks are used again, without what the records pointed to
	}
	s.held, s.keys, s.bytes = 0, s.keys[:0], 0
	return nil
}

// each calls fn for every record in order, then removes the runs. The
// record passed to fn is valid only during the call.
func (s *spillSorter[T]) each(fn func(*T) error) error {
	if len(s.runs) == 0 {
		s.sortKeys()
		for _, k := range s.keys {
			if err := fn(s.rec(k.idx)); err != nil {
				return err
			}
		}
		s.blocks, s.held, s.keys, s.tmp = nil, 0, nil, nil
		return nil
	}
	if s.held > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.blocks, s.held, s.keys, s.tmp = nil, 0, nil, nil
	defer func() {
		for _, p := range s.runs {
			os.Remove(p)
		}
	}()
	rank := s.ranks()
	h := &mergeHeap[T]{}
	read := func(it *mergeItem[T]) error {
		if err := s.dec(it.r, &it.t); err != nil {
			return err
		}
		it.at, it.rank = s.at(&it.t), 0
		if s.group != nil {
			id, ok := s.gids[s.group(&it.t)]
			if !ok {
				return errors.New("a record of a group never added")
			}
			it.rank = rank[id]
		}
		return nil
	}
	for i, p := range s.runs {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("sort: %w", err)
		}
		defer f.Close()
		it := mergeItem[T]{r: bufio.NewReaderSize(f, 64<<10), run: i}
		if err := read(&it); err != nil {
			return fmt.Errorf("sort: read %s: %w", p, err)
		}
		h.items = append(h.items, it)
	}
	h.init()
	for len(h.items) > 0 {
		top := &h.items[0]
		if err := fn(&top.t); err != nil {
			return err
		}
		switch err := read(top); {
		case errors.Is(err, io.EOF):
			h.pop()
		case err != nil:
			return fmt.Errorf("sort: read %s: %w", s.runs[top.run], err)
		default:
			h.down(0)
		}
	}
	return nil
}

type mergeItem[T any] struct {
	t    T
	rank uint32
	at   int64
	run  int // runs hold records in input order: an earlier run's come first
	r    *bufio.Reader
}

// mergeHeap is a binary min-heap of the runs' next records (by hand, not
// container/heap: its interface calls cost a tenth of a merge).
type mergeHeap[T any] struct{ items []mergeItem[T] }

func (h *mergeHeap[T]) less(i, j int) bool {
	a, b := &h.items[i], &h.items[j]
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	if a.at != b.at {
		return a.at < b.at
	}
	return a.run < b.run
}

func (h *mergeHeap[T]) init() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *mergeHeap[T]) down(i int) {
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
}

func (h *mergeHeap[T]) pop() {
	n := len(h.items) - 1
	h.items[0] = h.items[n]
	h.items = h.items[:n]
	if n > 0 {
		h.down(0)
	}
}
