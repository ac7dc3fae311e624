package store

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSegmentCache: a reader with a cache leaves its file open for the
// next reader of the same path, which reads it without opening it again
// (the file is removed in between: only the open file can still be read)
// and with its own projection; the cache closes the oldest beyond its
// size, and Close closes the rest.
func TestSegmentCache(t *testing.T) {
	pathA, rows := sampleSegment(t, 300)
	pathB := filepath.Join(t.TempDir(), SegmentName(2))
	if err := WriteProbesFile(pathB, rows); err != nil {
		t.Fatal(err)
	}
	count := func(path string, cols []string, c *SegmentCache) (int, error) {
		r := NewProbeReader(path, ReadOptions{Columns: cols, Cache: c})
		n := 0
		for r.NextBatch() {
			if cols[0] == ColSeq && r.Batch().Int64(ColSeq) == nil {
				t.Errorf("%s: seq not read through the cache", path)
			}
			n += r.Batch().Len
		}
		err := r.Err()
		r.Close()
		return n, err
	}
	c := NewSegmentCache(1)
	defer c.Close()
	if n, err := count(pathA, []string{ColKind}, c); n != len(rows) || err != nil {
		t.Fatalf("first read of A: %d rows, %v", n, err)
	}
	if err := os.Remove(pathA); err != nil {
		t.Fatal(err)
	}
	if n, err := count(pathA, []string{ColSeq, ColIntended}, c); n != len(rows) || err != nil {
		t.Fatalf("A read again from the cache after its removal: %d rows, %v", n, err)
	}
	// B pushes A out of a cache of one: A is closed, and gone
	if n, err := count(pathB, []string{ColKind}, c); n != len(rows) || err != nil {
		t.Fatalf("read of B: %d rows, %v", n, err)
	}
	if _, err := count(pathA, []string{ColKind}, c); err == nil {
		t.Error("A read after the cache let it go and it was removed: the cache kept more than its size")
	}
	if len(c.files) != 1 || c.files[0].path != pathB {
		t.Errorf("the cache holds %d files, want B alone", len(c.files))
	}
	if err := c.Close(); err != nil || len(c.files) != 0 {
		t.Errorf("Close: %v, %d files left", err, len(c.files))
	}
}
