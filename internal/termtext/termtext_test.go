package termtext

import (
	"bytes"
	"fmt"
	"testing"
)

func TestSanitize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain text\twith a tab\nand a newline", "plain text\twith a tab\nand a newline"},
		{"\x1b[2J\x1b[Hcleared", `\x1b[2J\x1b[Hcleared`},
		{"\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07", `\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07`},
		{"overwrite\rme", `overwrite\rme`},
		{"del\x7f nul\x00", `del\x7f nul\x00`},
		{"c1 csi \u009b2J and é ü 日本", `c1 csi \u009b2J and é ü 日本`},
		{"write down 0 s \u202eKO 9.1 s\u202c", `write down 0 s \u202eKO 9.1 s\u202c`},
		{"isolate \u2066x\u2069 mark \u200f arabic mark \u061c", `isolate \u2066x\u2069 mark \u200f arabic mark \u061c`},
	} {
		if got := Sanitize(c.in); got != c.want {
			t.Errorf("Sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	n, err := fmt.Fprintf(NewWriter(&b), "error: %s\n", "boom\x1b[31m")
	if err != nil || n != len("error: boom\x1b[31m\n") || b.String() != "error: boom\\x1b[31m\n" {
		t.Errorf("wrote %q (n=%d, %v)", b.String(), n, err)
	}
}
