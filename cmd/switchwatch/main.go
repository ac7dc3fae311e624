// Command switchwatch measures what a database switchover does to its
// clients. See the README for the subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: a run function over its own arguments and a
// one-line summary for the usage text. Each subcommand lives in its own file
// and registers itself in init, so adding one never touches this file.
type command struct {
	summary string
	run     func(ctx context.Context, stdout, stderr io.Writer, args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, stdout, stderr io.Writer, args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "switchwatch:", err)
		}
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		var coded interface{ ExitCode() int }
		if errors.As(err, &coded) {
			os.Exit(coded.ExitCode())
		}
		os.Exit(1)
	}
}

// run dispatches to a subcommand. It is main without the process: tests
// call it with their own writers.
func run(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return flag.ErrHelp
		}
		return nil
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, "switchwatch", version())
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return cmd.run(ctx, stdout, stderr, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprint(w, `switchwatch measures what a PostgreSQL switchover does to its clients.

Usage:
  switchwatch <command> [flags]

Commands:
`)
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, commands[name].summary)
	}
	fmt.Fprint(w, `  version    print the version

Run "switchwatch <command> --help" for a command's flags.
`)
}
