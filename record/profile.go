package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/strictdecode"
	"github.com/switchwatch/switchwatch/record/store"
	"go.yaml.in/yaml/v3"
)

// Profile is a client profile: a named client configuration whose probes
// are their own streams (every probe kind × profile), recorded in the same
// run as the others so that all of them see the same switchover. The zero
// value of a setting is the recording's own (Config), or the default of
// the library, as documented beside it.
//
// "new" and "pooled", with nothing else set, are the built-in profiles of
// the two connection modes (Config.Conns).
type Profile struct {
	Name string `json:"name" yaml:"name"`
	// Conn is the connection mode: new (a fresh connection per probe) or
	// pooled (default).
	Conn string `json:"conn,omitempty" yaml:"conn,omitempty"`

	// DSN replaces the write DSN (and ReadDSN the read DSN, default DSN)
	// for this profile: another host, a multi-host list. They should reach
	// the same database as the recording's write DSN, where the lost-write
	// check looks for every profile's writes.
	DSN     string `json:"dsn,omitempty" yaml:"dsn,omitempty"`
	ReadDSN string `json:"read_dsn,omitempty" yaml:"read_dsn,omitempty"`
	// Hosts, host:port each, replaces the DSN's host list (libpq's
	// multi-host form: tried in order).
	Hosts []string `json:"hosts,omitempty" yaml:"hosts,omitempty"`
	// TargetSessionAttrs is libpq's target_session_attrs (any, read-write,
	// read-only, primary, standby, prefer-standby), added to both DSNs.
	TargetSessionAttrs string `json:"target_session_attrs,omitempty" yaml:"target_session_attrs,omitempty"`
	// ConnectTimeout and QueryTimeout: default the recording's.
	ConnectTimeout Duration `json:"connect_timeout,omitempty" yaml:"connect_timeout,omitempty"`
	QueryTimeout   Duration `json:"query_timeout,omitempty" yaml:"query_timeout,omitempty"`

	// Pool settings (pooled only). PoolSize default the recording's;
	// MaxConnLifetime, MaxConnIdleTime and HealthCheckPeriod 0: pgxpool's
	// defaults (1 hour, 30 minutes, 1 minute).
	PoolSize          int      `json:"pool_size,omitempty" yaml:"pool_size,omitempty"`
	MaxConnLifetime   Duration `json:"max_conn_lifetime,omitempty" yaml:"max_conn_lifetime,omitempty"`
	MaxConnIdleTime   Duration `json:"max_conn_idle_time,omitempty" yaml:"max_conn_idle_time,omitempty"`
	HealthCheckPeriod Duration `json:"health_check_period,omitempty" yaml:"health_check_period,omitempty"`
	// DropOnReadOnly closes a pooled connection after a read-only error
	// (SQLSTATE 25006) instead of handing it out again; DropOnError after
	// any SQL error. By default only a broken connection is dropped.
	DropOnReadOnly bool `json:"drop_on_read_only,omitempty" yaml:"drop_on_read_only,omitempty"`
	DropOnError    bool `json:"drop_on_error,omitempty" yaml:"drop_on_error,omitempty"`

	// DNSCache keeps every answer of a host-name lookup this long and
	// answers lookups from it meanwhile, as the JVM and many pools do; 0
	// resolves at every connect.
	DNSCache Duration `json:"dns_cache,omitempty" yaml:"dns_cache,omitempty"`
}

// Duration is a time.Duration that reads and writes as Go's duration
// text ("30s") in JSON and YAML; a JSON number is nanoseconds.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var n int64
	if err := json.Unmarshal(b, &n); err == nil {
		*d = Duration(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration such as \"30s\", got %s", b)
	}
	return d.parse(s)
}

func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

func (d *Duration) UnmarshalYAML(n *yaml.Node) error { return d.parse(n.Value) }

func (d *Duration) parse(s string) error {
	if s == "0" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as \"30s\", got %q", s)
	}
	*d = Duration(v)
	return nil
}

// BuiltinProfile is the built-in profile of a connection mode.
func BuiltinProfile(conn string) Profile { return Profile{Name: conn, Conn: conn} }

// isBuiltin reports whether p is a built-in profile.
func (p *Profile) isBuiltin() bool {
	b := BuiltinProfile(p.Name)
	return (p.Name == store.ConnNew || p.Name == store.ConnPooled) && b.equal(p)
}

func (p *Profile) equal(q *Profile) bool {
	a, _ := json.Marshal(p)
	b, _ := json.Marshal(q)
	return bytes.Equal(a, b)
}

// profileKeys are the keys of --client, in the order of Profile's fields
// (as in the file).
var profileKeys = []string{"name", "conn", "dsn", "read_dsn", "hosts", "target_session_attrs", "connect_timeout",
	"query_timeout", "pool_size", "max_conn_lifetime", "max_conn_idle_time", "health_check_period",
	"drop_on_read_only", "drop_on_error", "dns_cache"}

// ParseProfile reads one --client value: comma-separated key=value pairs,
// the keys of the clients file (profileKeys). hosts are separated by '|'
// (a comma ends the pair); dsn and read_dsn cannot hold a comma here, use
// the file for those.
func ParseProfile(spec string) (Profile, error) {
	var p Profile
	seen := map[string]bool{}
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return p, fmt.Errorf("--client %q: %q is not key=value", spec, kv)
		}
		if seen[k] {
			return p, fmt.Errorf("--client %q: %s given twice", spec, k)
		}
		seen[k] = true
		if err := p.set(k, v); err != nil {
			return p, fmt.Errorf("--client %q: %w", spec, err)
		}
	}
	return p, nil
}

func (p *Profile) set(k, v string) error {
	dur := func(d *Duration) error {
		if err := d.parse(v); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		if *d < 0 {
			return fmt.Errorf("%s must not be negative, got %v", k, v)
		}
		return nil
	}
	flag := func(b *bool) error {
		x, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s: want true or false, got %q", k, v)
		}
		*b = x
		return nil
	}
	switch k {
	case "name":
		p.Name = v
	case "conn":
		p.Conn = v
	case "dsn":
		p.DSN = v
	case "read_dsn":
		p.ReadDSN = v
	case "hosts":
		p.Hosts = strings.Split(v, "|")
	case "target_session_attrs":
		p.TargetSessionAttrs = v
	case "connect_timeout":
		return dur(&p.ConnectTimeout)
	case "query_timeout":
		return dur(&p.QueryTimeout)
	case "pool_size":
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("pool_size: want a positive number, got %q", v)
		}
		p.PoolSize = n
	case "max_conn_lifetime":
		return dur(&p.MaxConnLifetime)
	case "max_conn_idle_time":
		return dur(&p.MaxConnIdleTime)
	case "health_check_period":
		return dur(&p.HealthCheckPeriod)
	case "drop_on_read_only":
		return flag(&p.DropOnReadOnly)
	case "drop_on_error":
		return flag(&p.DropOnError)
	case "dns_cache":
		return dur(&p.DNSCache)
	default:
		return fmt.Errorf("unknown key %q (want one of %s)", k, strings.Join(profileKeys, ", "))
	}
	return nil
}

// clientsFile is the --clients file: a list of profiles under "clients".
type clientsFile struct {
	Clients []Profile `json:"clients" yaml:"clients"`
}

// LoadProfiles reads a --clients file: YAML, or JSON (which is YAML too,
// but is read strictly as JSON when the name ends in .json, in any case). Unknown keys
// are errors, so a misspelt setting is never silently the default.
func LoadProfiles(path string) ([]Profile, error) {
	var f clientsFile
	if err := strictdecode.ReadFile(path, &f); err != nil {
		return nil, fmt.Errorf("--clients: %w", err)
	}
	if len(f.Clients) == 0 {
		return nil, fmt.Errorf("--clients %s: no profiles under \"clients\"", path)
	}
	return f.Clients, nil
}

// validTargetSessionAttrs are libpq's values, as pgx reads them.
var validTargetSessionAttrs = []string{"any", "read-write", "read-only", "primary", "standby", "prefer-standby"}

// check says what is wrong with a profile that is not a built-in one.
func (p *Profile) check() error {
	if err := store.CheckProfileName(p.Name); err != nil {
		return err
	}
	if p.Name == store.ConnNew || p.Name == store.ConnPooled {
		return fmt.Errorf("profile %q: new and pooled are the built-in profiles (--conn); give yours another name", p.Name)
	}
	if p.Conn != store.ConnNew && p.Conn != store.ConnPooled {
		return fmt.Errorf("profile %q: unknown connection mode %q (want new, pooled)", p.Name, p.Conn)
	}
	if p.TargetSessionAttrs != "" && !slices.Contains(validTargetSessionAttrs, p.TargetSessionAttrs) {
		return fmt.Errorf("profile %q: target_session_attrs %q is none of %s", p.Name, p.TargetSessionAttrs, strings.Join(validTargetSessionAttrs, ", "))
	}
	for _, d := range []struct {
		k string
		v Duration
	}{{"connect_timeout", p.ConnectTimeout}, {"query_timeout", p.QueryTimeout}, {"max_conn_lifetime", p.MaxConnLifetime},
		{"max_conn_idle_time", p.MaxConnIdleTime}, {"health_check_period", p.HealthCheckPeriod}, {"dns_cache", p.DNSCache}} {
		if d.v < 0 {
			return fmt.Errorf("profile %q: %s must not be negative, got %v", p.Name, d.k, d.v)
		}
	}
	if p.PoolSize < 0 {
		return fmt.Errorf("profile %q: pool_size must be positive, got %d", p.Name, p.PoolSize)
	}
	if p.Conn == store.ConnNew {
		pool := p.PoolSize > 0 || p.MaxConnLifetime > 0 || p.MaxConnIdleTime > 0 || p.HealthCheckPeriod > 0 || p.DropOnReadOnly || p.DropOnError
		if pool {
			return fmt.Errorf("profile %q: pool settings need conn=pooled", p.Name)
		}
	}
	for _, h := range p.Hosts {
		if h == "" {
			return fmt.Errorf("profile %q: empty host in hosts", p.Name)
		}
	}
	return nil
}

// profiles is the recording's list of profiles: the built-in ones of
// Config.Conns, then Config.Profiles (Conn defaulting to pooled), checked
// and with unique names.
func (cfg *Config) profiles() ([]Profile, error) {
	var all []Profile
	for _, c := range cfg.Conns {
		if c != store.ConnNew && c != store.ConnPooled {
			return nil, fmt.Errorf("--conn: unknown connection mode %q (want new, pooled)", c)
		}
		all = append(all, BuiltinProfile(c))
	}
	for _, p := range cfg.Profiles {
		if p.Conn == "" {
			p.Conn = store.ConnPooled
		}
		if err := p.check(); err != nil {
			return nil, err
		}
		all = append(all, p)
	}
	seen := map[string]bool{}
	for _, p := range all {
		if seen[p.Name] {
			return nil, fmt.Errorf("profile %q given twice: profile names must be unique", p.Name)
		}
		seen[p.Name] = true
	}
	return all, nil
}

// CheckProfiles says what is wrong with the recording's profiles (Conns
// and Profiles), as Run would, wrapping ErrConfig: for callers that start
// other work before Run, such as the lab building its rig.
func (cfg *Config) CheckProfiles() error {
	if _, err := cfg.profiles(); err != nil {
		return configError{err}
	}
	return nil
}

// dsns returns the profile's write and read DSNs: the recording's, or its
// own, with its hosts and target_session_attrs put in.
func (p *Profile) dsns(write, read string) (string, string) {
	if p.DSN != "" {
		write, read = p.DSN, p.DSN
	}
	if p.ReadDSN != "" {
		read = p.ReadDSN
	}
	return p.dsnWith(write), p.dsnWith(read)
}

func (p *Profile) dsnWith(dsn string) string {
	if len(p.Hosts) > 0 {
		var hosts, ports []string
		for _, h := range p.Hosts {
			host, port, err := net.SplitHostPort(h)
			if err != nil {
				host, port = h, "5432"
			}
			hosts, ports = append(hosts, host), append(ports, port)
		}
		dsn = withDSNOption(dsn, "host", strings.Join(hosts, ","))
		dsn = withDSNOption(dsn, "port", strings.Join(ports, ","))
	}
	if p.TargetSessionAttrs != "" {
		dsn = withDSNOption(dsn, "target_session_attrs", p.TargetSessionAttrs)
	}
	return dsn
}

// withDSNOption sets one libpq keyword in a DSN of either form. In the
// keyword form a later keyword overrides an earlier one, as in libpq; in a
// URI it goes into the query, which also overrides the URI's host part.
func withDSNOption(dsn, key, value string) string {
	if isURI(dsn) {
		u, err := url.Parse(strings.TrimSpace(dsn))
		if err == nil {
			q := u.Query()
			q.Set(key, value)
			if key == "host" || key == "port" {
				u.Host = ""
			}
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value) + "'"
	return strings.TrimSpace(dsn + " " + key + "=" + quoted)
}

// settings is the profile as run.json records it, passwords removed.
func (p *Profile) settings() map[string]any {
	q := *p
	q.DSN, q.ReadDSN = RedactDSN(q.DSN), RedactDSN(q.ReadDSN)
	if p.DSN == "" {
		q.DSN = ""
	}
	if p.ReadDSN == "" {
		q.ReadDSN = ""
	}
	b, _ := json.Marshal(q)
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}
