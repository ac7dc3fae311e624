package importer

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/switchwatch/switchwatch/internal/lines"
)

// lineIn is one input line as lines.ScanBytes passes it; text is valid
// only during the parse that receives it.
type lineIn struct {
	line       int
	text       []byte
	terminated bool
	tooLong    bool
}

// Lines go to the parsers in chunks of up to chunkLines lines or
// chunkBytes bytes: large enough that handing one over costs nothing next
// to parsing it, small enough that the chunks in flight (a few per core)
// hold little memory.
const (
	chunkLines = 4096
	chunkBytes = 1 << 20
)

type lineChunk[R any] struct {
	fi    int // the file
	data  []byte
	lines []lineIn // text is data[off:off+len] until handed out, see fill
	offs  []int
	out   []R
	done  chan struct{}
}

// parseFiles reads files 0..len(paths)-1 (opened by open) line by line
// (lines.ScanBytes), calls parse for every line on all cores (chunks of
// lines in parallel), and calls take with each line's file and result in
// input order, on the calling goroutine. parse must be safe to call
// concurrently and must not keep text; take may keep the result. An error
// from take, opening or reading stops the reading and is returned (a read
// error names the file).
func parseFiles[R any](paths []string, open opener, parse func(l *lineIn) R, take func(fi int, l *lineIn, res *R) error) error {
	workers := runtime.GOMAXPROCS(0)
	p := &chunkPipe[R]{
		paths: paths,
		open:  open,
		work:  make(chan *lineChunk[R], workers),
		order: make(chan *lineChunk[R], 2*workers),
		free:  make(chan *lineChunk[R], 2*workers+2),
		stop:  make(chan struct{}),
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range p.work {
				for i := range c.lines {
					c.out[i] = parse(&c.lines[i])
				}
				close(c.done)
			}
		}()
	}
	go p.read()
	var takeErr error
	for c := range p.order {
		<-c.done
		if takeErr == nil {
			for i := range c.out {
				if takeErr = take(c.fi, &c.lines[i], &c.out[i]); takeErr != nil {
					close(p.stop)
					break
				}
			}
		}
		clear(c.out)
		select {
		case p.free <- c:
		default:
		}
	}
	wg.Wait()
	if takeErr != nil {
		return takeErr
	}
	return p.readErr // read by this goroutine only after order was closed
}

// chunkPipe carries the chunks of parseFiles: read fills them and sends
// each to order (for take, in input order) and to work (for the parsers);
// taken chunks come back through free.
type chunkPipe[R any] struct {
	paths   []string
	open    opener
	work    chan *lineChunk[R]
	order   chan *lineChunk[R]
	free    chan *lineChunk[R]
	stop    chan struct{} // closed when take failed
	readErr error         // set by read before it closes order
	c       *lineChunk[R] // the chunk being filled
}

var errStopped = errors.New("stopped")

// newChunk is a chunk for lines of file fi: a taken one when there is
// one, else a new one.
func (p *chunkPipe[R]) newChunk(fi int) *lineChunk[R] {
	select {
	case c := <-p.free:
		c.data, c.lines, c.offs = c.data[:0], c.lines[:0], c.offs[:0]
		c.done = make(chan struct{})
		c.fi = fi
		return c
	default:
		// Made at full size: grown by append, chunks were a tenth
		// of a pgbench import's time.
		return &lineChunk[R]{fi: fi, data: make([]byte, 0, chunkBytes+4096), lines: make([]lineIn, 0, chunkLines),
			offs: make([]int, 0, chunkLines+1), out: make([]R, 0, chunkLines), done: make(chan struct{})}
	}
}

// send hands the chunk being filled to take and the parsers and starts
// the next one; errStopped when take has failed.
func (p *chunkPipe[R]) send() error {
	c := p.c
	// The texts point into data only now that it no longer grows.
	for i := range c.lines {
		c.lines[i].text = c.data[c.offs[i]:c.offs[i+1]]
	}
	if cap(c.out) < len(c.lines) {
		c.out = make([]R, len(c.lines))
	}
	c.out = c.out[:len(c.lines)]
	select {
	case p.order <- c:
	case <-p.stop:
		return errStopped
	}
	p.work <- c
	p.c = p.newChunk(c.fi)
	return nil
}

// read reads every file into chunks, a chunk holding lines of one file,
// and closes work and order at the end, after an error or when take
// failed.
func (p *chunkPipe[R]) read() {
	defer close(p.order)
	defer close(p.work)
	for fi := range p.paths {
		r, err := p.open(fi)
		if err != nil {
			p.readErr = err
			return
		}
		p.c = p.newChunk(fi)
		err = lines.ScanBytes(r, func(line int, text []byte, terminated, tooLong bool) error {
			c := p.c
			if len(c.offs) == 0 {
				c.offs = append(c.offs, 0)
			}
			c.data = append(c.data, text...)
			c.offs = append(c.offs, len(c.data))
			c.lines = append(c.lines, lineIn{line: line, terminated: terminated, tooLong: tooLong})
			if len(c.lines) >= chunkLines || len(c.data) >= chunkBytes {
				return p.send()
			}
			return nil
		})
		r.Close()
		if err == nil && len(p.c.lines) > 0 {
			err = p.send()
		}
		if err == errStopped {
			return
		}
		if err != nil {
			p.readErr = fmt.Errorf("read %s: %w", p.paths[fi], err)
			return
		}
	}
}
