package store

import (
	"errors"

	"github.com/parquet-go/parquet-go"
)

// SegmentCache keeps segments open from one ProbeReader to the next
// (ReadOptions.Cache): a reader that reads the same files twice, a few
// columns first and the rest after (the analyzer counts each stream's
// rows before it reads them), opens and checks each file once. Opening
// and checking a segment (its footer, its schema) was 3.8% of an
// analysis when each was opened twice. It holds at most max files, the
// least recently put closed first; Close closes them all. It is not safe
// for concurrent use.
type SegmentCache struct {
	max   int
	files []cachedSegment // oldest first
}

type cachedSegment struct {
	path string
	f    File
	pf   *parquet.File
}

// NewSegmentCache returns a cache of at most max open segments.
func NewSegmentCache(max int) *SegmentCache {
	return &SegmentCache{max: max}
}

// take removes the segment at path from c and returns it, ok false when
// c does not hold it (or is nil).
func (c *SegmentCache) take(path string) (File, *parquet.File, bool) {
	if c == nil {
		return nil, nil, false
	}
	for i, s := range c.files {
		if s.path == path {
			c.files = append(c.files[:i], c.files[i+1:]...)
			return s.f, s.pf, true
		}
	}
	return nil, nil, false
}

// put keeps a segment a reader is done with open, closing the oldest
// beyond max.
func (c *SegmentCache) put(path string, f File, pf *parquet.File) error {
	c.files = append(c.files, cachedSegment{path, f, pf})
	var err error
	for len(c.files) > c.max {
		err = errors.Join(err, c.files[0].f.Close())
		c.files[0] = cachedSegment{}
		c.files = c.files[1:]
	}
	return err
}

// Close closes the segments c holds.
func (c *SegmentCache) Close() error {
	var err error
	for _, s := range c.files {
		err = errors.Join(err, s.f.Close())
	}
	c.files = nil
	return err
}
