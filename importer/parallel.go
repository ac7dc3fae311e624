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
	work := make(chan *lineChunk[R], workers)
	order := make(chan *lineChunk[R], 2*workers)
	free := make(chan *lineChunk[R], 2*workers+2)
	stop := make(chan struct{})
	var readErr error

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				for i := range c.lines {
					c.out[i] = parse(&c.lines[i])
				}
				close(c.done)
			}
		}()
	}
	newChunk := func() *lineChunk[R] {
		select {
		case c := <-free:
			c.data, c.lines, c.offs = c.data[:0], c.lines[:0], c.offs[:0]
			c.done = make(chan struct{})
			return c
		default:
			// Made at full size: grown by append, chunks were a tenth
			// of a pgbench import's time.
			return &lineChunk[R]{data: make([]byte, 0, chunkBytes+4096), lines: make([]lineIn, 0, chunkLines),
				offs: make([]int, 0, chunkLines+1), out: make([]R, 0, chunkLines), done: make(chan struct{})}
		}
	}
	errStopped := errors.New("stopped")
	go func() {
		defer close(order)
		defer close(work)
		var c *lineChunk[R]
		send := func() error {
			// The texts point into data only now that it no longer grows.
			for i := range c.lines {
				c.lines[i].text = c.data[c.offs[i]:c.offs[i+1]]
			}
			if cap(c.out) < len(c.lines) {
				c.out = make([]R, len(c.lines))
			}
			c.out = c.out[:len(c.lines)]
			select {
			case order <- c:
			case <-stop:
				return errStopped
			}
			work <- c
			fi := c.fi
			c = newChunk()
			c.fi = fi
			return nil
		}
		for fi := range paths {
			r, err := open(fi)
			if err != nil {
				readErr = err
				return
			}
			c = newChunk()
			c.fi = fi
			err = lines.ScanBytes(r, func(line int, text []byte, terminated, tooLong bool) error {
				if len(c.offs) == 0 {
					c.offs = append(c.offs, 0)
				}
				c.data = append(c.data, text...)
				c.offs = append(c.offs, len(c.data))
				c.lines = append(c.lines, lineIn{line: line, terminated: terminated, tooLong: tooLong})
				if len(c.lines) >= chunkLines || len(c.data) >= chunkBytes {
					return send()
				}
				return nil
			})
			r.Close()
			if err == nil && len(c.lines) > 0 {
				err = send() // a chunk holds lines of one file
			}
			if err == errStopped {
				return
			}
			if err != nil {
				readErr = fmt.Errorf("read %s: %w", paths[fi], err)
				return
			}
		}
	}()

	var takeErr error
	for c := range order {
		<-c.done
		if takeErr == nil {
			for i := range c.out {
				if takeErr = take(c.fi, &c.lines[i], &c.out[i]); takeErr != nil {
					close(stop)
					break
				}
			}
		}
		clear(c.out)
		select {
		case free <- c:
		default:
		}
	}
	wg.Wait()
	if takeErr != nil {
		return takeErr
	}
	return readErr // read by this goroutine only after order was closed
}
