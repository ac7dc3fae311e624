package record

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// streamStats counts a stream's outcomes for the live status.
type streamStats struct {
	name string

	mu        sync.Mutex
	counts    map[string]int64
	state     string // outcome or error class of the latest probe
	lastError string
	lastErrAt time.Time
}

func newStreamStats(name string) *streamStats {
	return &streamStats{name: name, counts: map[string]int64{}}
}

func (s *streamStats) add(p *store.Probe) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[p.Outcome]++
	s.state = p.Outcome
	if p.ErrorClass != "" {
		s.state = p.ErrorClass
	}
	if p.Error != "" {
		s.lastError = p.Error
		s.lastErrAt = time.Now()
	}
}

// line renders the stream's status in one line.
func (s *streamStats) line() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := s.state
	if state == "" {
		state = "waiting"
	}
	l := fmt.Sprintf("%-22s %-20s ok %-7d error %-6d timeout %-6d skipped %-5d",
		s.name, state, s.counts[store.OutcomeOK], s.counts[store.OutcomeError],
		s.counts[store.OutcomeTimeout], s.counts[store.OutcomeSkipped])
	if s.lastError != "" {
		msg := strings.ReplaceAll(s.lastError, "\n", " ")
		if len(msg) > 80 {
			msg = msg[:80] + "…"
		}
		l += fmt.Sprintf(" last error %s ago: %s", time.Since(s.lastErrAt).Round(time.Second), msg)
	}
	return l
}

// statusDisplay shows every stream's status: redrawn in place on a
// terminal, as plain periodic lines otherwise (a log file, CI).
type statusDisplay struct {
	w       io.Writer
	tty     bool
	every   time.Duration
	streams []*streamStats
	start   time.Time
	drawn   int // lines drawn last time, to move the cursor back up
}

func (d *statusDisplay) loop(stop <-chan struct{}) {
	every := d.every
	if d.tty {
		every = 500 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			d.draw() // the final counts
			return
		case <-t.C:
			d.draw()
		}
	}
}

func (d *statusDisplay) draw() {
	var b strings.Builder
	elapsed := time.Since(d.start).Round(time.Second)
	if d.tty && d.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", d.drawn) // back to the first line of the last drawing
	}
	lines := 0
	for _, s := range d.streams {
		if d.tty {
			b.WriteString("\x1b[2K") // clear the line
		}
		fmt.Fprintf(&b, "[%s] %s\n", elapsed, s.line())
		lines++
	}
	d.drawn = lines
	io.WriteString(d.w, b.String())
}
