package record

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/record/store"
)

func TestParseProfile(t *testing.T) {
	p, err := ParseProfile("name=jvm,conn=pooled,dns_cache=30s,drop_on_read_only=true,pool_size=2,hosts=a:1|b:2,target_session_attrs=read-write")
	if err != nil {
		t.Fatal(err)
	}
	want := Profile{Name: "jvm", Conn: "pooled", DNSCache: Duration(30 * time.Second), DropOnReadOnly: true, PoolSize: 2,
		Hosts: []string{"a:1", "b:2"}, TargetSessionAttrs: "read-write"}
	if !p.equal(&want) {
		t.Errorf("got %+v, want %+v", p, want)
	}
	for spec, msg := range map[string]string{
		"name=a,dns_cache=soon":  "dns_cache: want a duration",
		"name=a,colour=blue":     `unknown key "colour"`,
		"name=a,name=b":          "name given twice",
		"name=a,pool_size=0":     "pool_size: want a positive number",
		"name=a,dns_cache=-1s":   "must not be negative",
		"name":                   "is not key=value",
		"name=a,drop_on_error=x": "want true or false",
	} {
		if _, err := ParseProfile(spec); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: got %v, want an error with %q", spec, err, msg)
		}
	}
}

func TestProfilesChecked(t *testing.T) {
	for _, c := range []struct {
		conns    []string
		profiles []Profile
		msg      string
	}{
		{nil, []Profile{{Name: "Jvm"}}, "want lower-case letters"},
		{nil, []Profile{{Name: "a/b"}}, "want lower-case letters"},
		{nil, []Profile{{Name: "pooled", DNSCache: 1}}, "built-in profiles"},
		{nil, []Profile{{Name: "a"}, {Name: "a", Conn: "new"}}, `"a" given twice`},
		{nil, []Profile{{Name: "a", Conn: "new", DropOnReadOnly: true}}, "pool settings need conn=pooled"},
		{nil, []Profile{{Name: "a", Conn: "tcp"}}, `unknown connection mode "tcp"`},
		{nil, []Profile{{Name: "a", TargetSessionAttrs: "rw"}}, "target_session_attrs"},
		{[]string{"new", "old"}, nil, `--conn: unknown connection mode "old"`},
	} {
		cfg := Config{Conns: c.conns, Profiles: c.profiles}
		if _, err := cfg.profiles(); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v %+v: got %v, want an error with %q", c.conns, c.profiles, err, c.msg)
		}
	}
	cfg := Config{Conns: []string{"new", "pooled"}, Profiles: []Profile{{Name: "jvm", DNSCache: Duration(time.Second)}}}
	ps, err := cfg.profiles()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name+":"+p.Conn)
	}
	if got := strings.Join(names, " "); got != "new:new pooled:pooled jvm:pooled" {
		t.Errorf("profiles %s, want the built-ins of --conn first, then jvm with conn pooled by default", got)
	}
}

func TestLoadProfilesExample(t *testing.T) {
	ps, err := LoadProfiles(filepath.Join("..", "testdata", "clients.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Profiles: ps}
	all, err := cfg.profiles()
	if err != nil {
		t.Fatalf("the example file does not check: %v", err)
	}
	if len(all) != 4 || all[0].Name != "jvm" || all[0].DNSCache != Duration(30*time.Second) || !all[2].DropOnReadOnly || all[3].TargetSessionAttrs != "read-write" {
		t.Errorf("example file read as %+v", all)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "c.yaml")
	writeFile(t, bad, "clients:\n  - name: a\n    dns_cahce: 30s\n")
	if _, err := LoadProfiles(bad); err == nil || !strings.Contains(err.Error(), "dns_cahce") {
		t.Errorf("a misspelt key: got %v, want an error naming it", err)
	}
	js := filepath.Join(dir, "c.json")
	writeFile(t, js, `{"clients": [{"name": "a", "dns_cache": "5s", "drop_on_error": true}]}`)
	if ps, err := LoadProfiles(js); err != nil || ps[0].DNSCache != Duration(5*time.Second) || !ps[0].DropOnError {
		t.Errorf("JSON file: %+v, %v", ps, err)
	}
}

func TestProfileDSNs(t *testing.T) {
	p := Profile{Hosts: []string{"10.0.0.1:5433", "db2"}, TargetSessionAttrs: "read-write"}
	w, _ := p.dsns("host=db user=app", "")
	cfg, err := pgx.ParseConfig(w)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "10.0.0.1" || cfg.Port != 5433 || len(cfg.Fallbacks) == 0 || cfg.ValidateConnect == nil || cfg.User != "app" {
		t.Errorf("%s: host %s port %d fallbacks %d validate %v", w, cfg.Host, cfg.Port, len(cfg.Fallbacks), cfg.ValidateConnect != nil)
	}
	u, _ := p.dsns("postgres://app@db:5432/x", "")
	cfg, err = pgx.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "10.0.0.1" || cfg.ValidateConnect == nil || cfg.Database != "x" {
		t.Errorf("%s: host %s validate %v db %s", u, cfg.Host, cfg.ValidateConnect != nil, cfg.Database)
	}
}

func TestDNSCache(t *testing.T) {
	var calls atomic.Int32
	answer := "10.0.0.1"
	cfg := &pgx.ConnConfig{}
	cfg.LookupFunc = func(ctx context.Context, host string) ([]string, error) {
		calls.Add(1)
		return []string{answer}, nil
	}
	useDNSCache(cfg, 50*time.Millisecond)
	got, _ := cfg.LookupFunc(context.Background(), "db")
	answer = "10.0.0.2"
	again, _ := cfg.Copy().LookupFunc(context.Background(), "db")
	if got[0] != "10.0.0.1" || again[0] != "10.0.0.1" || calls.Load() != 1 {
		t.Fatalf("within the TTL: %v then %v after %d lookups, want the first answer twice from one lookup", got, again, calls.Load())
	}
	time.Sleep(60 * time.Millisecond)
	if later, _ := cfg.LookupFunc(context.Background(), "db"); later[0] != "10.0.0.2" || calls.Load() != 2 {
		t.Errorf("after the TTL: %v after %d lookups, want the new answer from a second lookup", later, calls.Load())
	}
	plain := &pgx.ConnConfig{}
	useDNSCache(plain, 0)
	if plain.LookupFunc != nil {
		t.Error("dns_cache=0 must leave the resolver alone")
	}
}

func TestBuiltinProfiles(t *testing.T) {
	for _, c := range []string{store.ConnNew, store.ConnPooled} {
		p := BuiltinProfile(c)
		if !p.isBuiltin() {
			t.Errorf("%s is not built in", c)
		}
	}
	p := Profile{Name: "pooled", Conn: "pooled", DNSCache: 1}
	if p.isBuiltin() {
		t.Error("a pooled profile with a DNS cache is no built-in one")
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
