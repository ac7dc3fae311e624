package main

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/switchwatch/switchwatch/lab"
)

func runLabList(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("lab list", "switchwatch lab list", `
Lists the built-in scenarios with their parameters and defaults, the step
actions a scenario file can use, and the form of a scenario file.`, stdout)
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.usagef("unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintln(stdout, "Scenarios (parameters with defaults; change them with --set name=value):")
	for _, name := range lab.BuiltinNames() {
		b := lab.Builtins[name]
		fmt.Fprintf(stdout, "\n%s\n%s", name, wrap(b.Description, "  ", 78))
		for _, p := range b.Params {
			fmt.Fprintf(stdout, "  %-10s %-6s %s\n", p.Name, p.Default, p.Help)
		}
	}
	fmt.Fprintln(stdout, "\nStep actions for scenario files (each is also the name of the event it writes):")
	for _, name := range lab.ActionNames() {
		a := lab.Actions[name]
		fmt.Fprintf(stdout, "\n%s\n%s", name, wrap(a.Help, "  ", 78))
		pnames := make([]string, 0, len(a.Params))
		for p := range a.Params {
			pnames = append(pnames, p)
		}
		sort.Strings(pnames)
		for _, p := range pnames {
			fmt.Fprintf(stdout, "  %-9s %s\n", p, a.Params[p])
		}
	}
	fmt.Fprint(stdout, `
A scenario file (YAML or JSON):
  name: aurora-slow          # a built-in with other parameters
  base: aurora
  params: {blackhole: 10s}
or:
  name: double-move          # steps of your own
  params: {lead_in: 5s, tail: 8s}
  steps:
    - action: endpoint_blackhole
      params: {for: 3s, then: green, cut: true}
    - action: green_promoted
      after: 2s
      params: {catch_up: true}
`)
	return nil
}
