// Package termtext makes text from outside the program (server error
// messages, log lines, labels, file contents) safe to print on a terminal.
//
// A terminal obeys control characters wherever they come from: ESC starts
// sequences that move the cursor, rewrite lines, retitle the window or, as
// OSC 8, make a link; BEL rings; CR overwrites. A server's error text or an
// imported log line could carry any of them. Every writer to a terminal
// passes such text through Sanitize (or writes through a Writer); only the
// program's own sequences (the live status redraw) bypass it.
package termtext

import (
	"fmt"
	"io"
	"strings"
)

// unsafe reports whether r is a control character a terminal may act on:
// C0 except newline and tab, DEL, and C1 (U+0080 to U+009F; U+009B is CSI);
// or a bidirectional control (IsBidiControl), which makes a line read in
// another order than it was written.
func unsafe(r rune) bool {
	return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f || IsBidiControl(r)
}

// IsBidiControl reports whether r is one of Unicode's bidirectional
// formatting characters (marks, embeddings, overrides, isolates): text
// that carries one displays in an order other than its bytes', so a
// forged "ok" can read as the end of a line that says otherwise.
func IsBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// Sanitize returns s with every control character but newline and tab
// replaced by its Go escape (\x1b, \r, \u009b), so it shows what it was
// and does nothing.
func Sanitize(s string) string {
	if strings.IndexFunc(s, unsafe) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Writer sanitizes everything written through it.
type Writer struct{ W io.Writer }

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{W: w} }

// Write writes Sanitize(p) and reports len(p) written on success. Each
// call is taken whole: a character split across two calls is not joined.
func (w *Writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.W, Sanitize(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
