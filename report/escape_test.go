package report

import (
	"strings"
	"testing"
)

func TestEscapeHostile(t *testing.T) {
	hostile := []string{
		"a|b",
		"line1\nline2\r\n# heading",
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"[click](http://evil.example)",
		"![img](http://evil.example/x.png)",
		"**bold** _em_ `code` ~~strike~~",
		"$x^2$",
		"| --- | --- |",
		"```\nfenced",
		"&lt; already escaped",
		"\x00\x07bell\x1b[31m",
		"\xff\xfe invalid utf8",
		"back\\slash\\|",
		strings.Repeat("x", 1000),
	}
	for _, h := range hostile {
		got := Escape(h)
		if strings.ContainsAny(got, "\n\r<>\x00\x07\x1b") {
			t.Errorf("Escape(%q) = %q: still has a newline, control character or angle bracket", h, got)
		}
		// Every markdown-active character must be preceded by a backslash.
		for i := 0; i < len(got); i++ {
			c := got[i]
			if strings.IndexByte("|[]*_`~$!", c) >= 0 {
				if i == 0 || got[i-1] != '\\' || escapedBackslash(got, i-1) {
					t.Errorf("Escape(%q) = %q: %q at %d not escaped", h, got, c, i)
				}
			}
		}
		if n := len([]rune(got)); n > 4*maxTextLen {
			t.Errorf("Escape of a %d-byte string is %d runes long", len(h), n)
		}
	}
	if got, want := Escape("a|b"), `a\|b`; got != want {
		t.Errorf("Escape(a|b) = %q, want %q", got, want)
	}
	if got, want := Escape("x<y & z"), "x&lt;y &amp; z"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := Escape("10.0.1.23:5432@2026-03-13T21:26:53Z"), "10.0.1.23:5432@2026-03-13T21:26:53Z"; got != want {
		t.Errorf("an address should stay readable: got %q, want %q", got, want)
	}
	// GitHub's Markdown links bare addresses: data text must not.
	for in, want := range map[string]string{
		"could not connect to http://evil.example/x": `could not connect to http\://evil.example/x`,
		"HTTPS://evil.example":                       `HTTPS\://evil.example`,
		"see www.evil.example now":                   `see www\.evil.example now`,
		"mailto:a@evil.example":                      `mailto\:a@evil.example`,
		"awww.x":                                     "awww.x",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := EscapeCell(""); got != "-" {
		t.Errorf("EscapeCell(\"\") = %q, want -", got)
	}
}

// escapedBackslash reports whether the backslash at i is itself escaped
// (preceded by an odd number of backslashes).
func escapedBackslash(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// TestEscapeTableCell renders a hostile label into a table and checks the
// table keeps its shape: every row has the same number of unescaped pipes.
func TestEscapeTableCell(t *testing.T) {
	cells := []string{"a|b|c", "x\ny", "`|`", "\\|", ""}
	var rows []string
	for _, c := range cells {
		rows = append(rows, "| "+EscapeCell(c)+" | 1 |")
	}
	for _, r := range rows {
		if n := unescapedPipes(r); n != 3 {
			t.Errorf("row %q has %d unescaped pipes, want 3", r, n)
		}
	}
}

func unescapedPipes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '|' && (i == 0 || s[i-1] != '\\' || escapedBackslash(s, i-1)) {
			n++
		}
	}
	return n
}

func TestEscapeListMarker(t *testing.T) {
	for in, want := range map[string]string{
		"- x":    `\- x`,
		"+ x":    `\+ x`,
		"12. x":  `12\. x`,
		"3) x":   `3\) x`,
		"(a)":    "(a)",
		"10.0.1": "10.0.1",
		"7.":     `7\.`,
		"a-b":    "a-b",
		"x 1. y": "x 1. y",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFileSafe: picture names are plain, and different run ids never
// share one.
func TestFileSafe(t *testing.T) {
	used := map[string]bool{}
	seen := map[string]string{}
	for _, id := range []string{"a", "A", "a/b", "a_b", "../x", "", "x.y", ".hidden", strings.Repeat("z", 100), strings.Repeat("z", 100) + "1", "a"} {
		name := uniqueName(fileSafe(id), used)
		for _, r := range name {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
				t.Errorf("fileSafe(%q) = %q has %q", id, name, r)
			}
		}
		if strings.HasPrefix(name, ".") || name == "" {
			t.Errorf("fileSafe(%q) = %q", id, name)
		}
		if other, ok := seen[name]; ok {
			t.Errorf("ids %q and %q share the name %q", other, id, name)
		}
		seen[name] = id
	}
}
