package event

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// TestEveryEventHasAVisibilityDecision: every event name declared in
// names.go has an entry in visibleEdges, so a new event cannot be left out
// of "analyze --truth" by accident, and every entry names an event and only
// the edges start and end.
func TestEveryEventHasAVisibilityDecision(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "names.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, id := range vs.Names {
				if id.Name == "FaultPrefix" || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				names[v] = true
				if _, ok := visibleEdges[v]; !ok {
					t.Errorf("%s (%q) has no entry in visibleEdges: decide which of its edges clients see (none is a decision too)", id.Name, v)
				}
			}
		}
	}
	if len(names) < 30 {
		t.Fatalf("found %d event names in names.go: the parse missed them", len(names))
	}
	for name, edges := range visibleEdges {
		if !names[name] {
			t.Errorf("visibleEdges has %q, which is no name of names.go", name)
		}
		for e, effect := range edges {
			if e != EdgeStart && e != EdgeEnd {
				t.Errorf("%s: edge %q", name, e)
			}
			if effect != Fails && effect != Recovers {
				t.Errorf("%s %s: effect %q, want %q or %q", name, e, effect, Fails, Recovers)
			}
		}
	}
}
