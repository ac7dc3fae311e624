package report

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchwatch/switchwatch/internal/termtext"
)

// maxTextLen bounds a data-derived string in the Markdown, in runes.
const maxTextLen = 200

// Escape makes a data-derived string safe as inline Markdown text: it can
// start no block (heading, list, quote, table, code fence), open no link,
// image, emphasis, code span, math or HTML, and spans exactly one line.
// Newlines become spaces, other control characters and bidirectional
// controls U+FFFD; Markdown
// punctuation is escaped with a backslash, and so is what would make a
// bare address a live link (http://, www.); <, > and & become HTML entities;
// the result is cut at maxTextLen runes (marked with …). Invalid UTF-8
// becomes U+FFFD.
func Escape(s string) string {
	var b strings.Builder
	n := 0
	s = strings.ToValidUTF8(s, "\uFFFD")
	// A list marker at the start ("-", "+", "1.", "1)") would open a
	// nested list inside a list item: escape it.
	lead := -1
	if s != "" && s[0] == '-' {
		lead = 0
	} else if d := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); d > 0 && (s[d] == '.' || s[d] == ')') {
		lead = d
	}
	if lead >= 0 && lead+1 < len(s) && s[lead+1] != ' ' && s[lead+1] != '\t' {
		lead = -1 // not a list marker: it needs a blank after it
	}
	for i, r := range s {
		if i == lead {
			b.WriteByte('\\')
		}
		if n == maxTextLen {
			b.WriteString("…")
			break
		}
		n++
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			b.WriteByte(' ')
		case unicode.IsControl(r) || termtext.IsBidiControl(r):
			b.WriteRune('\uFFFD')
		case r < utf8.RuneSelf && strings.ContainsRune(mdPunct, r), opensAutolink(s, i):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// opensAutolink reports whether the ':' or '.' at s[i] would let GitHub's
// Markdown turn data into a live link (its autolink extension: "scheme://",
// "www.", "mailto:", "xmpp:"). A backslash before it keeps the text as it
// reads and leaves no link to click.
func opensAutolink(s string, i int) bool {
	switch s[i] {
	case ':':
		if strings.HasPrefix(s[i+1:], "//") {
			return true
		}
		for _, scheme := range []string{"mailto", "xmpp"} {
			if j := i - len(scheme); j >= 0 && strings.EqualFold(s[j:i], scheme) {
				return true
			}
		}
	case '.':
		if j := i - 3; j >= 0 && strings.EqualFold(s[j:i], "www") {
			return j == 0 || !isWordByte(s[j-1])
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// mdPunct is the ASCII punctuation escaped everywhere. CommonMark allows a
// backslash before any ASCII punctuation, so escaping more than needed is
// harmless. Left alone for readability (addresses, times, messages):
// '(', ')', quotes (they matter only right after a "]", which is always
// escaped), and '.', '-', ':', '/', '=', ',' and '@' (they matter only as
// a list marker at the start, which Escape escapes, or at the start of a
// line, which escaped text never is).
const mdPunct = "\\`*_{}[]#+!|~$"

// EscapeCell is Escape for a Markdown table cell: pipes are escaped (by
// Escape), and an empty value becomes "-" so the table keeps its columns
// visible.
func EscapeCell(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return Escape(s)
}
