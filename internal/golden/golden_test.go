package golden

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	if d := Diff([]byte("a\nb\n"), []byte("a\nb\n")); d != "" {
		t.Errorf("equal inputs: %q", d)
	}
	d := Diff([]byte("a\nb\nc\n"), []byte("a\nB\nc\nd\n"))
	if !strings.Contains(d, "line 2:\nwant: b\n got: B\n") || !strings.Contains(d, "line 4:\nwant: \n got: d\n") || !strings.Contains(d, "line 5:\nwant: (none)\n got: \n") || !strings.Contains(d, "(4 lines wanted, 5 got)") {
		t.Errorf("diff:\n%s", d)
	}
}
