package record

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/record/store"
)

// TestEveryKindHasAProber: every kind a row may have (store.ProbeKinds) has
// a prober and every prober is such a kind, so the flags, the help and
// the row check cannot name a kind the recorder cannot run, or miss one it
// can; each prober has a statement for every state of its endpoint.
func TestEveryKindHasAProber(t *testing.T) {
	for _, k := range store.ProbeKinds {
		if _, ok := probers[k]; !ok {
			t.Errorf("kind %q has no prober", k)
		}
	}
	for k, p := range probers {
		if !slices.Contains(store.ProbeKinds, k) {
			t.Errorf("prober %q is not in store.ProbeKinds", k)
		}
		if p.endpoint != store.EndpointWrite && p.endpoint != store.EndpointRead {
			t.Errorf("prober %q probes endpoint %q", k, p.endpoint)
		}
		for _, st := range allPreps() {
			for _, w := range []bool{false, true} {
				if env := p.env(envArgs{table: "t", st: st, hasWrites: w, profile: "p"}); !strings.HasPrefix(env.sql, "SELECT ") && !strings.HasPrefix(env.sql, "INSERT ") {
					t.Errorf("prober %q, state %+v, writes %v: statement %q", k, st, w, env.sql)
				}
			}
		}
	}
	if err := CheckKinds("--probes", []string{"write", "fast"}); err == nil || !strings.Contains(err.Error(), `"fast"`) || !strings.Contains(err.Error(), "write, read, connect") {
		t.Errorf("CheckKinds(fast) = %v, want it refused naming the kinds", err)
	}
}

// TestReadProberLooksForItsOwnProfile: a read stream looks for the newest
// key of its own profile's write stream once the table is there, and has
// nothing to look for without write probes.
func TestReadProberLooksForItsOwnProfile(t *testing.T) {
	got := readProber.env(envArgs{table: "t", st: prep{table: true}, hasWrites: true, profile: "pooled"})
	if got.readRefConn != "pooled" || !strings.Contains(got.sql, "$2") {
		t.Errorf("with writes: %+v", got)
	}
	for _, a := range []envArgs{{table: "t", st: prep{table: false}, hasWrites: true, profile: "p"}, {table: "t", st: prep{table: true}, profile: "p"}} {
		if got := readProber.env(a); got.readRefConn != "" || strings.Contains(got.sql, "$1") {
			t.Errorf("%+v: %+v, want no key to look for", a, got)
		}
	}
}
