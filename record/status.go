package record

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/switchwatch/switchwatch/internal/termtext"
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
	answered  bool  // a probe of this stream has succeeded
	downNoted bool  // and before that, the stream said it is not reachable yet
	failed    int64 // failed probes before the first success
}

func newStreamStats(name string) *streamStats {
	return &streamStats{name: name, counts: map[string]int64{}}
}

// add counts a probe. It returns a note for stderr when the stream's
// reachability is news: the first failure before any success (the
// endpoint is not reachable yet), then the first success after that.
func (s *streamStats) add(p *store.Probe) (note string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.answered {
		switch {
		case p.Outcome == store.OutcomeOK:
			s.answered = true
			if s.downNoted {
				note = fmt.Sprintf("%s: the %s endpoint answers now, after %d failed probes", s.name, p.Endpoint, s.failed)
			}
		case p.Failed():
			s.failed++
			if !s.downNoted {
				s.downNoted = true
				note = fmt.Sprintf("%s: the %s endpoint is not reachable yet (%s: %s); recording the failures until it answers%s",
					s.name, p.Endpoint, p.ErrorClass, firstLine(p.Error), startHint(p))
			}
		}
	}
	s.counts[p.Outcome]++
	s.state = p.Outcome
	if p.ErrorClass != "" {
		s.state = p.ErrorClass
	}
	if p.Error != "" {
		s.lastError = p.Error
		s.lastErrAt = time.Now()
	}
	return note
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
		// Server text: no control character reaches the terminal.
		msg := termtext.Sanitize(strings.ReplaceAll(s.lastError, "\n", " "))
		if r := []rune(msg); len(r) > 80 {
			msg = string(r[:80]) + "…"
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

	mu    sync.Mutex // the writer, between draw and note
	notes []string   // waiting for the next redraw (tty)
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
	d.mu.Lock()
	defer d.mu.Unlock()
	var b strings.Builder
	elapsed := time.Since(d.start).Round(time.Second)
	if d.tty && d.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", d.drawn) // back to the first line of the last drawing
	}
	for _, n := range d.notes { // scroll up with the output above
		fmt.Fprintf(&b, "\x1b[2Kswitchwatch: %s\n", termtext.Sanitize(n))
	}
	d.notes = nil
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

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// startHint is what a failure at the start may mean besides an outage.
// Authentication and unknown-database errors are recorded like any other
// failure (during a switchover a new server may briefly reject a login it
// will accept later), so a wrong DSN shows itself here and in the status.
func startHint(p *store.Probe) string {
	switch {
	case p.ErrorClass == store.ClassAuth:
		return "; if it persists, check the DSN's user and password"
	case p.SQLState == "3D000":
		return "; if it persists, check the DSN's database name"
	}
	return ""
}

// note prints a line above the live status (nil display: nowhere).
func (d *statusDisplay) note(msg string) {
	if d == nil || msg == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tty {
		d.notes = append(d.notes, msg) // drawn above the status at its next redraw
		return
	}
	fmt.Fprintf(d.w, "switchwatch: %s\n", termtext.Sanitize(msg))
}
