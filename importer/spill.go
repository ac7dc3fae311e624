package importer

import (
	"bufio"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/switchwatch/switchwatch/record/store"
)

// spillSorter sorts records of any number with bounded memory: it holds
// up to maxBytes of them, and when more come, sorts those and writes them
// to a temporary file (a run); each then merges the runs with a heap. Its
// order is total (cmp breaks ties by input order), so the result never
// depends on where the runs were cut.
type spillSorter[T any] struct {
	cmp      func(a, b *T) int
	size     func(*T) int // bytes a record holds in memory
	enc      func(w *bufio.Writer, t *T) error
	dec      func(r *bufio.Reader, t *T) error
	dir      func() (string, error) // where the runs go, asked when the first is written
	maxBytes int

	buf   []T
	bytes int
	runs  []string
	n     int64
}

// spillBytes is the memory one sorter holds before it writes a run.
var spillBytes = 48 << 20

func (s *spillSorter[T]) add(t T) error {
	s.buf = append(s.buf, t)
	s.bytes += s.size(&t)
	s.n++
	if s.bytes >= s.maxBytes {
		return s.spill()
	}
	return nil
}

func (s *spillSorter[T]) spill() error {
	dir, err := s.dir()
	if err != nil {
		return err
	}
	slices.SortFunc(s.buf, func(a, b T) int { return s.cmp(&a, &b) })
	path := filepath.Join(dir, fmt.Sprintf("run-%06d", len(s.runs)))
	err = store.WriteFile(path, false, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 256<<10)
		for i := range s.buf {
			if err := s.enc(w, &s.buf[i]); err != nil {
				return err
			}
		}
		return w.Flush()
	})
	if err != nil {
		return fmt.Errorf("sort: %w", err)
	}
	s.runs = append(s.runs, path)
	clear(s.buf)
	s.buf, s.bytes = s.buf[:0], 0
	return nil
}

// each calls fn for every record in order, then removes the runs.
func (s *spillSorter[T]) each(fn func(*T) error) error {
	if len(s.runs) == 0 {
		slices.SortFunc(s.buf, func(a, b T) int { return s.cmp(&a, &b) })
		for i := range s.buf {
			if err := fn(&s.buf[i]); err != nil {
				return err
			}
		}
		s.buf = nil
		return nil
	}
	if len(s.buf) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.buf = nil
	defer func() {
		for _, p := range s.runs {
			os.Remove(p)
		}
	}()
	h := &mergeHeap[T]{cmp: s.cmp}
	for _, p := range s.runs {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("sort: %w", err)
		}
		defer f.Close()
		r := bufio.NewReaderSize(f, 64<<10)
		var t T
		if err := s.dec(r, &t); err != nil {
			return fmt.Errorf("sort: read %s: %w", p, err)
		}
		h.items = append(h.items, mergeItem[T]{t: t, r: r})
	}
	heap.Init(h)
	for len(h.items) > 0 {
		top := &h.items[0]
		if err := fn(&top.t); err != nil {
			return err
		}
		var next T
		switch err := s.dec(top.r, &next); {
		case errors.Is(err, io.EOF):
			heap.Pop(h)
		case err != nil:
			return fmt.Errorf("sort: read a run: %w", err)
		default:
			top.t = next
			heap.Fix(h, 0)
		}
	}
	return nil
}

type mergeItem[T any] struct {
	t T
	r *bufio.Reader
}

type mergeHeap[T any] struct {
	items []mergeItem[T]
	cmp   func(a, b *T) int
}

func (h *mergeHeap[T]) Len() int           { return len(h.items) }
func (h *mergeHeap[T]) Less(i, j int) bool { return h.cmp(&h.items[i].t, &h.items[j].t) < 0 }
func (h *mergeHeap[T]) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap[T]) Push(x any)         { h.items = append(h.items, x.(mergeItem[T])) }
func (h *mergeHeap[T]) Pop() any {
	n := len(h.items) - 1
	x := h.items[n]
	h.items = h.items[:n]
	return x
}
