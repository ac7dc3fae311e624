package record

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// Server error text reaches the live status without a control character a
// terminal would act on: no escape sequence, no OSC 8 link, no bell.
func TestStatusStripsControlCharacters(t *testing.T) {
	evil := "FATAL: \x1b]8;;http://evil.example/\x07click\x1b]8;;\x07 \x1b[2J\x1b[H\rgone\u009b"
	s := newStreamStats("write/new")
	var b bytes.Buffer
	d := &statusDisplay{w: &b, every: time.Hour, streams: []*streamStats{s}, start: time.Now()}
	d.note(s.add(&store.Probe{Endpoint: store.EndpointWrite, Outcome: store.OutcomeError, ErrorClass: store.ClassAuth, Error: evil}))
	d.draw()
	d.tty = true
	d.note("again: " + evil)
	d.draw()
	out := strings.ReplaceAll(b.String(), "\x1b[2K", "") // the display's own sequences
	out = strings.ReplaceAll(out, "\x1b[1A", "")
	if strings.ContainsAny(out, "\x1b\x07\r\u009b") {
		t.Errorf("status carries control characters from the server text: %q", out)
	}
	if !strings.Contains(out, `\x1b]8;;http://evil.example/\x07click`) {
		t.Errorf("status does not show the error text escaped: %q", out)
	}
}
