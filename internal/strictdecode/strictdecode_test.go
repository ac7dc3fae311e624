package strictdecode

import (
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
