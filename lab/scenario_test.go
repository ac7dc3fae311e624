package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBuiltinsBuild(t *testing.T) {
	for _, name := range BuiltinNames() {
		sc, err := NewBuiltin(name, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sc.LeadIn != 5*time.Second || sc.Tail != 8*time.Second {
			t.Errorf("%s: lead-in %v, tail %v; want 5s, 8s", name, sc.LeadIn, sc.Tail)
		}
		if d := sc.Duration(); d > 40*time.Second {
			t.Errorf("%s: planned %v, want under 40s so a run stays under about 45s", name, d)
		}
		if sc.Labels()["scenario"] != name {
			t.Errorf("%s: labels %v", name, sc.Labels())
		}
		if s := Builtins[name].Summary; s == "" || len(s) > 110 {
			t.Errorf("%s: summary %q, want one line for lab run's help", name, s)
		}
	}
}

// A scenario or action registered twice is a programming error, found at
// start-up rather than by the later one silently winning.
func TestRegisterTwice(t *testing.T) {
	for what, f := range map[string]func(){
		"scenario": func() { register(nil, &Builtin{Name: "aurora"}) },
		"action":   func() { register(map[string]*Action{ActBlueKilled: {}}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s registered twice: no panic", what)
				}
			}()
			f()
		}()
	}
	if len(Builtins["aurora"].Params) == 0 || Actions[ActBlueKilled].run == nil {
		t.Error("a refused registration replaced the first one")
	}
}

// TestRigFor: each built-in names the kind of rig it needs, whatever the
// base options had, and the dns scenario's cut parameter shapes its steps.
func TestRigFor(t *testing.T) {
	base := RigOptions{WritePort: 7000, PgBouncer: "session", DNS: true, DNSTTL: time.Second, Patroni: PatroniMultiHost}
	want := map[string]string{"aurora": "bluegreen", "crash": "bluegreen", "unfenced": "bluegreen", "flap": "bluegreen", "restart": "bluegreen",
		"hold": "bluegreen", "pgbouncer": "pgbouncer (pool_mode transaction, server_login_retry 15s)", "dns": "dns (ttl 5s)", "patroni": "patroni (client haproxy)"}
	for _, name := range BuiltinNames() {
		sc, err := NewBuiltin(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		o := sc.RigFor(base)
		if o.Describe() != want[name] || o.WritePort != 7000 {
			t.Errorf("%s: rig %q (port %d), want %q on the base's port", name, o.Describe(), o.WritePort, want[name])
		}
		if !o.sameShape(sc.RigFor(RigOptions{})) {
			t.Errorf("%s: the rig it needs depends on the base options", name)
		}
	}
	p1, _ := NewBuiltin("pgbouncer", map[string]string{"server_login_retry": "1s"})
	p15, _ := NewBuiltin("pgbouncer", nil)
	if p1.RigFor(RigOptions{}).sameShape(p15.RigFor(RigOptions{})) {
		t.Error("pgbouncer rigs with server_login_retry 1s and 15s count as the same")
	}
	if _, err := NewBuiltin("pgbouncer", map[string]string{"server_login_retry": "0s"}); err == nil || !strings.Contains(err.Error(), "above 0") {
		t.Errorf("server_login_retry=0s: %v, want a refusal", err)
	}
	a, _ := NewBuiltin("dns", map[string]string{"ttl": "1s"})
	b, _ := NewBuiltin("dns", nil)
	if a.RigFor(RigOptions{}).sameShape(b.RigFor(RigOptions{})) {
		t.Error("dns rigs with ttl 1s and 5s count as the same")
	}
	for cut, want := range map[string]string{"true": "true", "false": "false"} {
		sc, err := NewBuiltin("dns", map[string]string{"cut": cut})
		if err != nil {
			t.Fatal(err)
		}
		ro, refuse := sc.Steps[0], sc.Steps[1]
		terminate := "true"
		if v, ok := ro.Params["terminate"]; ok {
			terminate = v
		}
		if terminate != want || refuse.Params["cut"] != want {
			t.Errorf("dns cut=%s: blue_read_only terminate=%s, endpoint_refuse cut=%s; want both %s", cut, terminate, refuse.Params["cut"], want)
		}
	}
}

func TestBuiltinSet(t *testing.T) {
	sc, err := NewBuiltin("flap", map[string]string{"count": "5", "gap": "500ms"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Steps) != 5 || sc.Steps[1].After != 500*time.Millisecond || sc.Steps[0].After != 0 {
		t.Errorf("flap count=5 gap=500ms: steps %+v", sc.Steps)
	}
	if sc.Labels()["count"] != "5" {
		t.Errorf("labels %v: want count=5", sc.Labels())
	}
	for _, bad := range []map[string]string{
		{"nope": "1"},
		{"gap": "soon"},
		{"count": "0"},
		{"cut": "maybe"},
	} {
		if _, err := NewBuiltin("flap", bad); err == nil {
			t.Errorf("flap with %v: no error", bad)
		}
	}
	if _, err := NewBuiltin("nope", nil); err == nil || !strings.Contains(err.Error(), "aurora") {
		t.Errorf("unknown scenario: %v; want an error listing the built-ins", err)
	}
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadFileBase(t *testing.T) {
	path := writeFile(t, "s.yaml", "name: aurora-slow\nbase: aurora\nparams:\n  blackhole: 10s\n")
	sc, err := LoadFile(path, map[string]string{"tail": "1s"})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "aurora-slow" || sc.Params["blackhole"] != "10s" || sc.Tail != time.Second || sc.Params["base"] != "aurora" {
		t.Errorf("scenario %+v", sc)
	}
	if got := sc.Steps[1].Params["for"]; got != "10s" {
		t.Errorf("blackhole step for=%q, want 10s", got)
	}
}

func TestLoadFileSteps(t *testing.T) {
	path := writeFile(t, "s.json", `{"name": "double", "params": {"lead_in": "1s", "count": 2},
		"steps": [
			{"action": "endpoint_blackhole", "params": {"for": "2s", "then": "green", "cut": true}},
			{"action": "green_promoted", "after": "1s"}
		]}`)
	sc, err := LoadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sc.LeadIn != time.Second || sc.Tail != 8*time.Second || len(sc.Steps) != 2 || sc.Steps[1].After != time.Second {
		t.Errorf("scenario %+v", sc)
	}
	if sc.Steps[0].Params["cut"] != "true" || sc.Params["count"] != "2" {
		t.Errorf("params not turned into strings: %+v %+v", sc.Steps[0].Params, sc.Params)
	}
	for name, text := range map[string]string{
		"unknown action": `{"name": "x", "steps": [{"action": "explode"}]}`,
		"unknown param":  `{"name": "x", "steps": [{"action": "blue_killed", "params": {"hard": true}}]}`,
		"bad then":       `{"name": "x", "steps": [{"action": "endpoint_refuse", "params": {"then": "red"}}]}`,
		"unknown field":  `{"name": "x", "stepz": []}`,
		"no steps":       `{"name": "x"}`,
		"base and steps": `{"name": "x", "base": "crash", "steps": [{"action": "blue_killed"}]}`,
	} {
		if _, err := LoadFile(writeFile(t, "bad.json", text), nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
