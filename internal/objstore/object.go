package objstore

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Object is one object opened for reading with range requests. It
// implements store.File (io.Reader, io.ReaderAt, Stat, Close), so that
// parquet-go, given its size, fetches only the footer and the column
// chunks it decodes. It is safe for concurrent ReadAt.
type Object struct {
	c    *Client
	ctx  context.Context
	url  URL
	size int64
	mod  time.Time

	mu    sync.Mutex
	pos   int64            // Read's offset
	cache map[int64][]byte // block index → its bytes
	order []int64          // blocks in the order they were fetched, oldest first
}

// Open opens the object at u: one HEAD request for its size.
func (c *Client) Open(ctx context.Context, u URL) (*Object, error) {
	h, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &u.Bucket, Key: &u.Key})
	if err != nil {
		return nil, pathError("open", u, err)
	}
	o := &Object{c: c, ctx: ctx, url: u, size: aws.ToInt64(h.ContentLength), cache: map[int64][]byte{}}
	if h.LastModified != nil {
		o.mod = *h.LastModified
	}
	return o, nil
}

// Size is the object's length in bytes.
func (o *Object) Size() int64 { return o.size }

// ReadAt reads len(p) bytes at off from the cached blocks, fetching the
// missing ones (a run of adjacent missing blocks in one request).
func (o *Object) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset %d", o.url, off)
	}
	if off >= o.size {
		return 0, io.EOF
	}
	want := p
	if rest := o.size - off; int64(len(want)) > rest {
		want = want[:rest]
	}
	bs := o.c.BlockSize
	first, last := off/bs, (off+int64(len(want))-1)/bs
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cache == nil {
		return 0, fmt.Errorf("read %s: %w", o.url, fs.ErrClosed)
	}
	if err := o.fetchLocked(first, last); err != nil {
		return 0, err
	}
	n := 0
	for b := first; b <= last; b++ {
		blk := o.cache[b]
		start := int64(0)
		if b == first {
			start = off - b*bs
		}
		n += copy(want[n:], blk[start:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// fetchLocked makes blocks first..last present, fetching each run of
// missing ones with one ranged GET.
func (o *Object) fetchLocked(first, last int64) error {
	for b := first; b <= last; {
		if _, ok := o.cache[b]; ok {
			b++
			continue
		}
		end := b
		for end+1 <= last {
			if _, ok := o.cache[end+1]; ok {
				break
			}
			end++
		}
		if err := o.getLocked(b, end); err != nil {
			return err
		}
		b = end + 1
	}
	return nil
}

// getLocked fetches blocks first..last in one request and caches them,
// dropping the oldest blocks past the cache's size (never the ones just
// fetched, which the caller is about to copy).
func (o *Object) getLocked(first, last int64) error {
	bs := o.c.BlockSize
	from, to := first*bs, min((last+1)*bs, o.size)
	rng := fmt.Sprintf("bytes=%d-%d", from, to-1)
	out, err := o.c.s3.GetObject(o.ctx, &s3.GetObjectInput{Bucket: &o.url.Bucket, Key: &o.url.Key, Range: &rng})
	if err != nil {
		return pathError("read", o.url, err)
	}
	defer out.Body.Close()
	buf := make([]byte, to-from)
	n, err := io.ReadFull(out.Body, buf)
	o.c.gets.Add(1)
	o.c.getBytes.Add(int64(n))
	if err != nil {
		return pathError("read", o.url, fmt.Errorf("range %s: %w", rng, err))
	}
	for b := first; b <= last; b++ {
		lo := (b - first) * bs
		o.cache[b] = buf[lo:min(lo+bs, int64(len(buf)))]
		o.order = append(o.order, b)
	}
	keep := max(o.c.CacheBlocks, int(last-first+1))
	for len(o.order) > keep {
		delete(o.cache, o.order[0])
		o.order = o.order[1:]
	}
	return nil
}

// Read reads sequentially from the start (run.json, events.jsonl).
func (o *Object) Read(p []byte) (int, error) {
	o.mu.Lock()
	pos := o.pos
	o.mu.Unlock()
	n, err := o.ReadAt(p, pos)
	o.mu.Lock()
	o.pos += int64(n)
	o.mu.Unlock()
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Close drops the cache.
func (o *Object) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cache, o.order = nil, nil
	return nil
}

// Stat describes the object as a read-only file.
func (o *Object) Stat() (fs.FileInfo, error) {
	return fileInfo{name: path.Base(o.url.Key), size: o.size, mod: o.mod}, nil
}

// fileInfo is an object or a folder (a common prefix) as an fs.FileInfo.
type fileInfo struct {
	name string
	size int64
	mod  time.Time
	dir  bool
}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.size }
func (fi fileInfo) ModTime() time.Time { return fi.mod }
func (fi fileInfo) IsDir() bool        { return fi.dir }
func (fi fileInfo) Sys() any           { return nil }
func (fi fileInfo) Mode() fs.FileMode {
	if fi.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
