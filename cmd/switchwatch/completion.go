package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/pflag"
)

const completionHelp = `
Prints a script that completes switchwatch's commands and flags in SHELL
(bash, zsh or fish), made from the command table and each command's flags:

  bash: source <(switchwatch completion bash)     (in ~/.bashrc)
  zsh:  source <(switchwatch completion zsh)      (in ~/.zshrc; bash's, through bashcompinit)
  fish: switchwatch completion fish > ~/.config/fish/completions/switchwatch.fish

Arguments that are not flags complete as file names.
`

func init() {
	// added here, not in the table's literal: it reads the table
	c := &command{name: "completion", summary: "print a shell completion script: bash, zsh or fish", run: runCompletion}
	commands = append(commands[:len(commands)-1], c, commands[len(commands)-1])
}

func runCompletion(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("completion", "switchwatch completion bash|zsh|fish", completionHelp, stdout)
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fs.usagef("want one SHELL: bash, zsh or fish")
	}
	nodes := completionTree(ctx)
	switch fs.Arg(0) {
	case "bash":
		return writeBashCompletion(stdout, nodes)
	case "zsh":
		fmt.Fprint(stdout, "#compdef switchwatch\nautoload -U +X bashcompinit && bashcompinit\n")
		return writeBashCompletion(stdout, nodes)
	case "fish":
		return writeFishCompletion(stdout, nodes)
	}
	return fs.usagef("unknown shell %q (want bash, zsh or fish)", fs.Arg(0))
}

// flagCollector is the stdout a command is run with to learn its flags:
// flagSet.parse hands it the flags instead of printing the help.
type flagCollector struct{ fs *pflag.FlagSet }

func (*flagCollector) Write(p []byte) (int, error) { return len(p), nil }

// compNode is one command of the tree: its path after "switchwatch"
// ("lab run"), its children's names and summaries, and its flags.
type compNode struct {
	path     string
	summary  string
	children []*command
	flags    []*pflag.Flag
}

// completionTree walks the command table; a leaf's flags come from
// running it with --help and a flagCollector for stdout, which returns
// before it does anything.
func completionTree(ctx context.Context) []compNode {
	var out []compNode
	var walk func(path string, c *command)
	walk = func(path string, c *command) {
		n := compNode{path: path, summary: c.summary, children: c.children}
		if c.run != nil {
			fc := &flagCollector{}
			_ = c.run(ctx, fc, io.Discard, []string{"--help"})
			if fc.fs != nil {
				fc.fs.VisitAll(func(f *pflag.Flag) { n.flags = append(n.flags, f) })
			}
		}
		out = append(out, n)
		for _, ch := range c.children {
			walk(strings.TrimSpace(path+" "+ch.name), ch)
		}
	}
	walk("", &command{children: commands})
	return out
}

// flagWords are a command's flags as typed: --name and -x.
func flagWords(n compNode) []string {
	var w []string
	for _, f := range n.flags {
		w = append(w, "--"+f.Name)
		if f.Shorthand != "" {
			w = append(w, "-"+f.Shorthand)
		}
	}
	sort.Strings(w)
	return w
}

// valueFlags are a command's flags that take a value (the next word is
// the value, not an argument), as typed.
func valueFlags(n compNode) []string {
	var w []string
	for _, f := range n.flags {
		if f.NoOptDefVal != "" {
			continue // a bool
		}
		w = append(w, "--"+f.Name)
		if f.Shorthand != "" {
			w = append(w, "-"+f.Shorthand)
		}
	}
	sort.Strings(w)
	return w
}

func writeBashCompletion(w io.Writer, nodes []compNode) error {
	var b strings.Builder
	b.WriteString(`# bash completion for switchwatch (switchwatch completion bash)
_switchwatch() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} path="" i w
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case "$w" in -*) continue ;; esac
    case "${path:+$path }$w" in
`)
	var groups []string
	for _, n := range nodes {
		if n.path != "" {
			groups = append(groups, `"`+n.path+`"`)
		}
	}
	fmt.Fprintf(&b, "      %s) path=\"${path:+$path }$w\" ;;\n    esac\n  done\n", strings.Join(groups, "|"))
	b.WriteString("  local words=\"\" values=\"\"\n  case \"$path\" in\n")
	for _, n := range nodes {
		var words []string
		for _, c := range n.children {
			words = append(words, c.name)
		}
		if len(n.children) > 0 {
			words = append(words, "help")
		}
		words = append(words, flagWords(n)...)
		fmt.Fprintf(&b, "    %q) words=%q values=%q ;;\n", n.path, strings.Join(words, " "), " "+strings.Join(valueFlags(n), " ")+" ")
	}
	b.WriteString(`  esac
  case "$values" in *" $prev "*) return ;; esac # a flag's value: files
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _switchwatch switchwatch
`)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFishCompletion(w io.Writer, nodes []compNode) error {
	var b strings.Builder
	b.WriteString("# fish completion for switchwatch (switchwatch completion fish)\ncomplete -c switchwatch -f\n")
	q := func(s string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'" }
	for _, n := range nodes {
		cond := "__fish_use_subcommand"
		if n.path != "" {
			var parts []string
			for _, p := range strings.Fields(n.path) {
				parts = append(parts, "__fish_seen_subcommand_from "+p)
			}
			cond = strings.Join(parts, "; and ")
		}
		for _, c := range n.children {
			fmt.Fprintf(&b, "complete -c switchwatch -n %s -a %s -d %s\n", q(cond), c.name, q(c.summary))
		}
		for _, f := range n.flags {
			fmt.Fprintf(&b, "complete -c switchwatch -n %s -l %s", q(cond), f.Name)
			if f.Shorthand != "" {
				fmt.Fprintf(&b, " -s %s", f.Shorthand)
			}
			if f.NoOptDefVal == "" {
				b.WriteString(" -r -F")
			}
			usage := f.Usage
			if i := strings.IndexAny(usage, "(;:"); i > 0 {
				usage = strings.TrimSpace(usage[:i])
			}
			fmt.Fprintf(&b, " -d %s\n", q(usage))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
