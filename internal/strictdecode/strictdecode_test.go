package strictdecode

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type conf struct {
	Name  string `json:"name" yaml:"name"`
	Count int    `json:"count" yaml:"count"`
}

func TestDecode(t *testing.T) {
	for _, c := range []struct {
		path, data string
		want       conf
		err        string // "" : no error; else a part of it
	}{
		{"a.yaml", "name: x\ncount: 2\n", conf{"x", 2}, ""},
		{"a.json", `{"name": "x", "count": 2}`, conf{"x", 2}, ""},
		{"a.JSON", `{"name": "x"}`, conf{Name: "x"}, ""},
		{"a.yaml", "name: x\ncuont: 2\n", conf{}, "cuont"},
		{"a.json", `{"name": "x", "cuont": 2}`, conf{}, "cuont"},
		// read as JSON, not as YAML (which would take it)
		{"a.json", "name: x\n", conf{}, "invalid character"},
	} {
		var got conf
		err := Decode(c.path, []byte(c.data), &got)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s %q: %v", c.path, c.data, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s %q: error %v, want one that says %q", c.path, c.data, err, c.err)
		case c.err == "" && got != c.want:
			t.Errorf("%s %q: %+v, want %+v", c.path, c.data, got, c.want)
		}
	}
}

// ReadFile's errors name the file: os's own message for a missing one, the
// path before the decoder's message for a bad one.
func TestReadFileNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.yaml")
	var c conf
	if err := ReadFile(missing, &c); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v; want an error naming %s", err, missing)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\ncuont: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ReadFile(bad, &c); err == nil || !strings.HasPrefix(err.Error(), bad+": ") || !strings.Contains(err.Error(), "cuont") {
		t.Errorf("bad file: %v; want %s: ... cuont ...", err, bad)
	}
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"name": "x", "count": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ReadFile(good, &c); err != nil || c != (conf{"x", 3}) {
		t.Errorf("good file: %+v, %v", c, err)
	}
}
