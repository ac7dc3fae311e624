package lab

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgbouncer"
	"github.com/switchwatch/switchwatch/internal/strictdecode"
)

// Step is one timed step of a scenario: after waiting After (from the end
// of the previous step, or from the end of the lead-in), do Action with
// Params. The actions and their parameters are listed in Actions.
type Step struct {
	Action string
	After  time.Duration
	Params map[string]string
}

// Scenario is a plan for one run: a steady lead-in, the steps, a steady
// tail. Params are the parameters it was built from; every run of it is
// labelled with them and with scenario=Name.
type Scenario struct {
	Name   string
	Params map[string]string
	LeadIn time.Duration
	Tail   time.Duration
	Steps  []Step
	// rig adjusts the rig a run of this scenario needs (a PgBouncer, a DNS
	// server); nil: the plain rig.
	rig func(*RigOptions)
}

// Param is a scenario parameter, its default and what it means.
type Param struct {
	Name, Default, Help string
}

// Builtin is a scenario switchwatch ships.
type Builtin struct {
	Name        string
	Summary     string // one line, for "switchwatch lab run --help"
	Description string
	Params      []Param // its own, then lead_in and tail (register adds them)
	build       func(p params) []Step
	rig         func(p params, o *RigOptions) // nil: the plain rig
}

var common = []Param{
	{"lead_in", "5s", "steady recording before the first step"},
	{"tail", "8s", "steady recording after the last step"},
}

// Builtins are the built-in scenarios, by name. Each scenario file adds
// its own with register.
var Builtins = map[string]*Builtin{}

// register adds a scenario file's step actions to Actions and its
// built-in scenarios to Builtins, each by its Name and with lead_in and
// tail after its own Params. A name registered twice is a programming
// error.
func register(actions map[string]*Action, builtins ...*Builtin) {
	for name, a := range actions {
		if Actions[name] != nil {
			panic("lab: action " + name + " registered twice")
		}
		Actions[name] = a
	}
	for _, b := range builtins {
		if Builtins[b.Name] != nil {
			panic("lab: scenario " + b.Name + " registered twice")
		}
		b.Params = append(b.Params, common...)
		Builtins[b.Name] = b
	}
}

func init() {
	register(nil, &Builtin{
		Name:    "aurora",
		Summary: "Blue/Green switchover: blue read-only, endpoint silent, green read-only until caught up and promoted",
		Description: "an Aurora Blue/Green switchover as published observations report it: blue stops taking writes " +
			"and its sessions are cut; the endpoint does not answer while it moves (clients hit their connect timeout); " +
			"it then answers from green while green is still a read-only standby (writes fail with SQLSTATE 25006, reads work) " +
			"until green has replayed all of blue's WAL and is promoted. Blue stays up, read-only, no longer replicated to.",
		Params: []Param{
			{"blackhole", "4s", "how long the write endpoint does not answer"},
			{"read_only", "5s", "how long green serves the endpoint as a read-only standby before promotion starts"},
			{"catch_up", "true", "wait until green has replayed all of blue's WAL before promoting"},
		},
		build: func(p params) []Step {
			return []Step{
				{Action: ActBlueReadOnly},
				{Action: ActEndpointBlackhole, Params: map[string]string{"for": p["blackhole"], "then": TargetGreen, "cut": "true"}},
				{Action: ActGreenPromoted, After: p.dur("read_only"), Params: map[string]string{"catch_up": p["catch_up"]}},
			}
		},
	}, &Builtin{
		Name:    "unfenced",
		Summary: "green promoted while blue keeps taking writes on the connections already open to it",
		Description: "a manual failover that forgot to fence the old primary: green is promoted (after catching up) and the " +
			"endpoint points new connections at it, but blue stays a writable primary and the connections already open " +
			"through the endpoint stay on blue. Pooled clients keep writing to blue, which acknowledges writes green " +
			"never sees (old_primary_writes; the lost-write check, which reads green, finds them missing).",
		Params: []Param{
			{"after", "1s", "time between green's promotion and the endpoint pointing at green"},
		},
		build: func(p params) []Step {
			return []Step{
				{Action: ActGreenPromoted, Params: map[string]string{"catch_up": "true"}},
				{Action: ActEndpointToGreen, After: p.dur("after")},
			}
		},
	}, &Builtin{
		Name:    "crash",
		Summary: "SIGKILL of blue, endpoint refuses, green promoted without catch-up",
		Description: "blue's postmaster is killed with SIGKILL; the write endpoint refuses connections; green is promoted " +
			"without waiting for it to catch up (acknowledged writes may be lost, which the lost-write check finds); " +
			"the endpoint then points at green.",
		Params: []Param{
			{"refuse", "3s", "how long after the kill the endpoint refuses before green's promotion starts"},
		},
		build: func(p params) []Step {
			return []Step{
				{Action: ActBlueKilled},
				{Action: ActEndpointRefuse, Params: map[string]string{"cut": "true"}},
				{Action: ActGreenPromoted, After: p.dur("refuse"), Params: map[string]string{"catch_up": "false"}},
				{Action: ActEndpointToGreen},
			}
		},
	}, &Builtin{
		Name:        "flap",
		Summary:     "short silent windows on the endpoint, no promotion",
		Description: "several short windows in which the write endpoint does not answer, with blue serving in between; no promotion.",
		Params: []Param{
			{"count", "3", "number of no-answer windows"},
			{"blackhole", "1s", "length of each window"},
			{"gap", "3s", "time between windows"},
			{"cut", "false", "also cut the open connections when a window starts"},
		},
		build: func(p params) []Step {
			n := p.int("count")
			var steps []Step
			for i := 0; i < n; i++ {
				s := Step{Action: ActEndpointBlackhole, Params: map[string]string{"for": p["blackhole"], "then": TargetBlue, "cut": p["cut"]}}
				if i > 0 {
					s.After = p.dur("gap")
				}
				steps = append(steps, s)
			}
			return steps
		},
	}, &Builtin{
		Name:    "restart",
		Summary: "fast restart of blue, no promotion",
		Description: "a clean fast restart of blue (pg_ctl stop -m fast, then start) behind the write endpoint; no promotion. " +
			"Its servers log to stderr (log_line_prefix '%m [%p] %q%a '), the other scenarios' in jsonlog.",
		build: func(p params) []Step {
			return []Step{{Action: ActBlueRestart}}
		},
		// One scenario logs in stderr, so the lab keeps both formats' logs.
		rig: func(p params, o *RigOptions) { o.ServerLog = ServerLogStderr },
	})
}

// RigFor returns the options of the rig sc needs: base (ports, work
// directory, binaries, ...) with the fields that shape a rig (PgBouncer,
// DNS, DNSTTL, Patroni) set as sc needs them, whatever base had there.
func (sc *Scenario) RigFor(base RigOptions) RigOptions {
	o := base
	o.PgBouncer, o.DNS, o.DNSTTL, o.Patroni = "", false, 0, ""
	if sc.rig != nil {
		sc.rig(&o)
	}
	return o
}

// BuiltinNames lists the built-in scenarios in order.
func BuiltinNames() []string { return slices.Sorted(maps.Keys(Builtins)) }

// params are scenario or step parameters. The typed getters are called
// only after validate has checked the values.
type params map[string]string

func (p params) dur(name string) time.Duration {
	d, _ := time.ParseDuration(p[name])
	return d
}

func (p params) int(name string) int {
	n, _ := strconv.Atoi(p[name])
	return n
}

func (p params) bool(name string) bool {
	b, _ := strconv.ParseBool(p[name])
	return b
}

// or is the parameter's value, or def when it is not given (or empty).
func (p params) or(name, def string) string {
	if v := p[name]; v != "" {
		return v
	}
	return def
}

// durOr is dur, or def when the parameter is not given.
func (p params) durOr(name string, def time.Duration) time.Duration {
	if p[name] == "" {
		return def
	}
	return p.dur(name)
}

// timeout is a step's timeout parameter (timeoutParam), stepTimeout when
// it is not given.
func (p params) timeout() time.Duration { return p.durOr("timeout", stepTimeout) }

// boolOr is bool, or def when the parameter is not given.
func (p params) boolOr(name string, def bool) bool {
	if p[name] == "" {
		return def
	}
	return p.bool(name)
}

// kindOf says how a parameter is checked, by name.
func kindOf(name string) string {
	switch name {
	case "lead_in", "tail", "blackhole", "read_only", "refuse", "gap", "for", "timeout", "hold", "ttl", "resume_after":
		return "duration"
	case "pool_mode":
		return "pool_mode"
	case "server_login_retry":
		return "positive_duration"
	case "client":
		return "client"
	case "count":
		return "count"
	case "catch_up", "cut", "terminate", "reconnect":
		return "bool"
	}
	return ""
}

func checkParam(name, value string) error {
	switch kindOf(name) {
	case "duration":
		if d, err := time.ParseDuration(value); err != nil || d < 0 {
			return fmt.Errorf("parameter %s=%q: want a duration such as 4s or 500ms", name, value)
		}
	case "positive_duration":
		if d, err := time.ParseDuration(value); err != nil || d <= 0 {
			return fmt.Errorf("parameter %s=%q: want a duration above 0 such as 1s or 500ms", name, value)
		}
	case "count":
		if n, err := strconv.Atoi(value); err != nil || n < 1 || n > 1000 {
			return fmt.Errorf("parameter %s=%q: want a whole number from 1 to 1000", name, value)
		}
	case "bool":
		if _, err := strconv.ParseBool(value); err != nil {
			return fmt.Errorf("parameter %s=%q: want true or false", name, value)
		}
	case "client":
		if value != PatroniHAProxy && value != PatroniMultiHost {
			return fmt.Errorf("parameter %s=%q: want %s or %s", name, value, PatroniHAProxy, PatroniMultiHost)
		}
	case "pool_mode":
		if value != pgbouncer.ModeTransaction && value != pgbouncer.ModeSession {
			return fmt.Errorf("parameter %s=%q: want transaction or session", name, value)
		}
	}
	return nil
}

// NewBuiltin builds a built-in scenario with its defaults overridden by
// set. An unknown parameter is an error that lists the known ones.
func NewBuiltin(name string, set map[string]string) (*Scenario, error) {
	b, ok := Builtins[name]
	if !ok {
		return nil, fmt.Errorf("unknown scenario %q (built in: %s; or give a scenario file)", name, strings.Join(BuiltinNames(), ", "))
	}
	p := params{}
	known := map[string]bool{}
	for _, d := range b.Params {
		p[d.Name] = d.Default
		known[d.Name] = true
	}
	for k, v := range set {
		if !known[k] {
			names := make([]string, 0, len(b.Params))
			for _, d := range b.Params {
				names = append(names, d.Name)
			}
			return nil, fmt.Errorf("scenario %s has no parameter %q (it has %s)", name, k, strings.Join(names, ", "))
		}
		p[k] = v
	}
	for k, v := range p {
		if err := checkParam(k, v); err != nil {
			return nil, fmt.Errorf("scenario %s: %w", name, err)
		}
	}
	sc := &Scenario{Name: name, Params: p, LeadIn: p.dur("lead_in"), Tail: p.dur("tail"), Steps: b.build(p)}
	if b.rig != nil {
		sc.rig = func(o *RigOptions) { b.rig(p, o) }
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return sc, nil
}

// scenarioFile is the scenario file format (JSON or YAML):
//
//	# a built-in with other parameters
//	name: aurora-long        # optional, default: base
//	base: aurora
//	params: {blackhole: 10s, read_only: 2s}
//
//	# or steps of your own
//	name: double-move
//	params: {lead_in: 5s, tail: 8s}   # lead_in and tail; others become labels
//	steps:
//	  - action: endpoint_blackhole
//	    params: {for: 3s, then: green, cut: true}
//	  - action: green_promoted
//	    after: 2s
//	    params: {catch_up: true}
type scenarioFile struct {
	Name   string         `json:"name" yaml:"name"`
	Base   string         `json:"base" yaml:"base"`
	Params map[string]any `json:"params" yaml:"params"`
	Steps  []struct {
		Action string         `json:"action" yaml:"action"`
		After  string         `json:"after" yaml:"after"`
		Params map[string]any `json:"params" yaml:"params"`
	} `json:"steps" yaml:"steps"`
}

func stringify(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// LoadFile reads a scenario file (JSON when it ends in .json, else YAML)
// and applies set on top of its parameters.
func LoadFile(path string, set map[string]string) (*Scenario, error) {
	var f scenarioFile
	if err := strictdecode.ReadFile(path, &f); err != nil {
		return nil, fmt.Errorf("scenario file: %w", err)
	}
	p := stringify(f.Params)
	for k, v := range set {
		p[k] = v
	}
	if f.Base != "" {
		if len(f.Steps) > 0 {
			return nil, fmt.Errorf("scenario file %s: give either base or steps, not both", path)
		}
		sc, err := NewBuiltin(f.Base, p)
		if err != nil {
			return nil, fmt.Errorf("scenario file %s: %w", path, err)
		}
		if f.Name != "" {
			sc.Name = f.Name
			sc.Params["base"] = f.Base
		}
		return sc, nil
	}
	if f.Name == "" || len(f.Steps) == 0 {
		return nil, fmt.Errorf("scenario file %s: needs a name and either base (a built-in: %s) or steps", path, strings.Join(BuiltinNames(), ", "))
	}
	for _, c := range common {
		if _, ok := p[c.Name]; !ok {
			p[c.Name] = c.Default
		}
	}
	for k, v := range p {
		if err := checkParam(k, v); err != nil {
			return nil, fmt.Errorf("scenario file %s: %w", path, err)
		}
	}
	sc := &Scenario{Name: f.Name, Params: p, LeadIn: params(p).dur("lead_in"), Tail: params(p).dur("tail")}
	for i, s := range f.Steps {
		st := Step{Action: s.Action, Params: stringify(s.Params)}
		if s.After != "" {
			var err error
			if st.After, err = time.ParseDuration(s.After); err != nil || st.After < 0 {
				return nil, fmt.Errorf("scenario file %s: step %d: after=%q: want a duration such as 2s", path, i+1, s.After)
			}
		}
		sc.Steps = append(sc.Steps, st)
	}
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("scenario file %s: %w", path, err)
	}
	return sc, nil
}

// Validate checks every step's action and parameters.
func (sc *Scenario) Validate() error {
	if len(sc.Steps) == 0 {
		return fmt.Errorf("scenario %s has no steps", sc.Name)
	}
	for i, st := range sc.Steps {
		a, ok := Actions[st.Action]
		if !ok {
			return fmt.Errorf("step %d: unknown action %q (known: %s)", i+1, st.Action, strings.Join(ActionNames(), ", "))
		}
		for k, v := range st.Params {
			if _, ok := a.Params[k]; !ok {
				return fmt.Errorf("step %d (%s): no parameter %q", i+1, st.Action, k)
			}
			if err := checkParam(k, v); err != nil {
				return fmt.Errorf("step %d (%s): %w", i+1, st.Action, err)
			}
			if k == "then" && v != "" && v != TargetBlue && v != TargetGreen {
				return fmt.Errorf("step %d (%s): then=%q: want blue or green", i+1, st.Action, v)
			}
			if k == "endpoint" && v != "write" && v != "read" && v != "both" {
				return fmt.Errorf("step %d (%s): endpoint=%q: want write, read or both", i+1, st.Action, v)
			}
		}
	}
	return nil
}

// Labels are the run labels of a scenario: scenario=NAME and its
// parameters.
func (sc *Scenario) Labels() map[string]string {
	l := map[string]string{"scenario": sc.Name}
	for k, v := range sc.Params {
		l[k] = v
	}
	return l
}

// Duration is the scenario's planned length without the time its steps
// themselves take (promotion, restart).
func (sc *Scenario) Duration() time.Duration {
	d := sc.LeadIn + sc.Tail
	for _, st := range sc.Steps {
		d += st.After + params(st.Params).dur("for")
	}
	return d
}
