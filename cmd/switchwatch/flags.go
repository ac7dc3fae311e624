package main

import (
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// labelsFlag is a repeated --label key=value.
type labelsFlag map[string]string

func (l labelsFlag) String() string { return strings.Join(store.LabelPairs(l), ",") }
func (l labelsFlag) Type() string   { return "key=value" }

func (l labelsFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	if strings.ContainsAny(k, "/=") {
		return fmt.Errorf("label key %q must not contain / or =", k)
	}
	l[k] = val
	return nil
}

// clientFlag collects repeated --client values, each one profile.
type clientFlag []record.Profile

func (c *clientFlag) String() string { return "" }
func (c *clientFlag) Type() string   { return "name=N,key=value,..." }

func (c *clientFlag) Set(v string) error {
	p, err := record.ParseProfile(v)
	if err != nil {
		return err
	}
	*c = append(*c, p)
	return nil
}

// streamFlags are the flags that say which streams a recording probes,
// which record and lab run take alike: --probes, --conn, --client and
// --clients.
type streamFlags struct {
	kinds, conns listFlag
	clients      clientFlag
	file         string
}

// newStreamFlags returns the flags at their defaults: write and read
// probes over new connections.
func newStreamFlags() *streamFlags {
	return &streamFlags{kinds: listFlag{store.KindWrite, store.KindRead}, conns: listFlag{store.ConnNew}}
}

func (sf *streamFlags) register(fs *flagSet) {
	fs.Var(&sf.kinds, "probes", "probe kinds, comma-separated: "+strings.Join(store.ProbeKinds, ", "))
	fs.Var(&sf.conns, "conn", "connection modes, comma-separated: new, pooled (the built-in profiles)")
	fs.Var(&sf.clients, "client", "a client profile, repeatable: comma-separated key=value, e.g. 'name=jvm,conn=pooled,dns_cache=30s'")
	fs.StringVar(&sf.file, "clients", "", "client profiles from a YAML or JSON file (see testdata/clients.yaml)")
}

// apply puts the probe kinds and connection modes into cfg, and the
// profiles of --clients, then of --client. With profiles and no --conn,
// only the profiles asked for are recorded: the built-in ones come with
// --conn.
func (sf *streamFlags) apply(fs *flagSet, cfg *record.Config) error {
	cfg.Kinds = sf.kinds
	cfg.Conns = sf.conns
	if sf.file != "" {
		ps, err := record.LoadProfiles(sf.file)
		if err != nil {
			return fs.usagef("%v", err)
		}
		cfg.Profiles = ps
	}
	cfg.Profiles = append(cfg.Profiles, sf.clients...)
	if len(cfg.Profiles) > 0 && !fs.Changed("conn") {
		cfg.Conns = nil
	}
	return nil
}

// listFlag is a comma-separated list, e.g. --probes write,read.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Type() string   { return "list" }

func (l *listFlag) Set(v string) error {
	*l = (*l)[:0]
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	if len(*l) == 0 {
		return fmt.Errorf("empty list")
	}
	return nil
}

// flagSet is the flags of one leaf command. They are GNU style (pflag):
// --name value or --name=value, one-letter shorthands such as -o, and they
// may come before, between or after the positional arguments; "--" ends
// them. -h and --help print the command's help on stdout.
type flagSet struct {
	*pflag.FlagSet
	usageLine, description string
	stdout                 io.Writer
}

// newFlagSet makes the flags of the command name ("lab run"), whose help
// is "usage line, description, flags".
func newFlagSet(name, usageLine, description string, stdout io.Writer) *flagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false // in the order defined, related flags together
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.BoolP("help", "h", false, "print this help")
	return &flagSet{FlagSet: fs, usageLine: usageLine, description: description, stdout: stdout}
}

// parse parses args. After -h or --help it prints the help and returns
// errHelp; a bad flag is a usage error naming it.
func (fs *flagSet) parse(args []string) error {
	if fc, ok := fs.stdout.(*flagCollector); ok {
		fc.fs = fs.FlagSet // "switchwatch completion" asks for the flags
		return errHelp
	}
	if err := fs.Parse(args); err != nil {
		return fs.usagef("%v%s", err, fs.singleDashHint(args))
	}
	if help, _ := fs.GetBool("help"); help {
		fs.writeHelp(fs.stdout)
		return errHelp
	}
	return nil
}

// singleDashHint says, for "-by" (which pflag reads as -b -y), that the
// long flag takes two dashes, as the standard flag package did not need.
func (fs *flagSet) singleDashHint(args []string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && fs.Lookup(name) != nil {
			return fmt.Sprintf(" (a long flag takes two dashes: -%s)", a)
		}
	}
	return ""
}

// writeHelp prints "Usage: line", the description and the flags.
func (fs *flagSet) writeHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n\nFlags:\n", fs.usageLine, strings.TrimSpace(fs.description))
	writeFlags(w, fs.FlagSet)
}

// writeFlags lists the flags in the order defined, "-o, --out DIR" and the
// usage wrapped beside it, with the default unless it is the zero value.
// (pflag's own FlagUsages writes every boolean as --quiet[=true|false].)
func writeFlags(w io.Writer, fs *pflag.FlagSet) {
	type entry struct{ name, usage string }
	var entries []entry
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		name := "    --" + f.Name
		if f.Shorthand != "" {
			name = "-" + f.Shorthand + ", --" + f.Name
		}
		varname, usage := pflag.UnquoteUsage(f)
		if f.Value.Type() != "bool" && varname != "" {
			name += " " + varname
		}
		switch f.DefValue {
		case "", "0", "0s", "false", "[]":
		default:
			if f.Value.Type() == "string" {
				usage += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				usage += fmt.Sprintf(" (default %s)", f.DefValue)
			}
		}
		entries = append(entries, entry{name, usage})
		width = max(width, len(name))
	})
	indent := strings.Repeat(" ", 2+width+3)
	for _, e := range entries {
		text := wrap(e.usage, indent, 79)
		fmt.Fprintf(w, "  %-*s   %s", width, e.name, strings.TrimPrefix(text, indent))
	}
}

// usagef is a usage error of this command: "lab run: " and the message.
func (fs *flagSet) usagef(format string, a ...any) error {
	return &usageError{cmd: "switchwatch " + fs.Name(), err: fmt.Errorf(fs.Name()+": "+format, a...)}
}

// checkProbeFlags rejects, as a usage error, the recorder's settings that
// a command line can get wrong, before anything is started: record and
// lab run alike (lab run would otherwise build a rig first). Zero values
// of flags not given are the recorder's defaults.
func checkProbeFlags(fs *flagSet, cfg *record.Config) error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"interval", cfg.Interval}, {"connect-timeout", cfg.ConnectTimeout}, {"query-timeout", cfg.QueryTimeout}} {
		if fs.Changed(d.name) && d.v <= 0 {
			return fs.usagef("--%s must be positive, got %v", d.name, d.v)
		}
	}
	if fs.Changed("pool-size") && cfg.PoolSize < 1 {
		return fs.usagef("--pool-size must be at least 1, got %d", cfg.PoolSize)
	}
	if cfg.MaxInflight < 0 {
		return fs.usagef("--max-inflight must not be negative, got %d", cfg.MaxInflight)
	}
	if err := record.CheckKinds("--probes", cfg.Kinds); err != nil {
		return fs.usagef("%v", err)
	}
	for _, c := range cfg.Conns {
		if c != store.ConnNew && c != store.ConnPooled {
			return fs.usagef("--conn: unknown connection mode %q (want new, pooled)", c)
		}
	}
	if cfg.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.MetricsAddr); err != nil {
			return fs.usagef("--metrics-addr %q: %v (want host:port, e.g. 127.0.0.1:9187)", cfg.MetricsAddr, err)
		}
	}
	return nil
}

// oneOf is a usage error unless the flag's value is one of want.
func oneOf(fs *flagSet, flag, v string, want ...string) error {
	if slices.Contains(want, v) {
		return nil
	}
	return fs.usagef("--%s %q: want %s", flag, v, orList(want))
}
