// Command switchwatch measures what a database switchover does to its
// clients. See the README for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/switchwatch/switchwatch/internal/termtext"
)

// command is one entry of the command table: a leaf runs, a group (lab,
// import) hands its arguments to one of its children. Each leaf lives in
// its own file and parses its own flags (newFlagSet).
type command struct {
	name    string
	summary string
	// run is a leaf's function over the arguments after its name.
	run func(ctx context.Context, stdout, stderr io.Writer, args []string) error
	// help and children make a group: what it is for, and its commands.
	help     string
	children []*command
}

// commands is every subcommand, in the order the help lists them.
var commands = []*command{
	{name: "record", summary: "probe a PostgreSQL endpoint on a schedule and write every outcome to Parquet", run: runRecord},
	{name: "mark", summary: "add an event of your own to a recording, from another terminal", run: runMark},
	{name: "verify", summary: "run the lost-write check of a recorded run again", run: runVerify},
	{name: "recover", summary: "turn what a crashed recording left into readable Parquet", run: runRecover},
	{name: "lab", summary: "play switchover scenarios on local PostgreSQL servers while recording them", help: labHelp, children: []*command{
		{name: "run", summary: "record runs of a scenario", run: runLabRun},
		{name: "list", summary: "list the scenarios, their parameters and the step actions", run: runLabList},
		{name: "up", summary: "start a rig, print its DSNs and state file, keep it up until Ctrl-C", run: runLabUp},
		{name: "play", summary: "play a scenario on the rig of a running \"lab up\", ground truth into a run", run: runLabPlay},
	}},
	{name: "analyze", summary: "turn recorded runs into outage phases, metrics and statistics", run: runAnalyze},
	{name: "report", summary: "render or compare stored summaries (summary.json) without their runs", run: runReport},
	{name: "import", summary: "convert pgbench logs, an application's request log or OpenTelemetry traces into a run", help: importHelp, children: []*command{
		{name: "pgbench", summary: "pgbench -l logs of one or several consecutive pgbench runs", run: runImportPgbench},
		{name: "jsonl", summary: "an application's request log, one JSON object per request", run: runImportJSONL},
		{name: "otlp", summary: "OpenTelemetry traces of PostgreSQL client spans, as the Collector's file exporter writes them", run: runImportOTLP},
	}},
	{name: "postmortem", summary: "a switchover nobody recorded: import OpenTelemetry traces with the servers' logs, analyze, write report.md", run: runPostmortem},
	{name: "version", summary: "print the version", run: runVersion},
}

const rootHelp = `switchwatch measures what a PostgreSQL switchover does to its clients.`

const rootFooter = `
Flags may come before or after the arguments; "--" ends the flags.
Exit status: 0 done, 1 failed, 2 a mistake on the command line, 3 record's
lost-write check not done, 4 an analyze --check did not pass.
Run "switchwatch help <command>" or "switchwatch <command> --help" for a
command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	printError(os.Stderr, err)
	os.Exit(exitCode(err))
}

// run dispatches to a subcommand. It is main without the process: tests
// call it with their own writers.
func run(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	if len(args) > 0 && args[0] == "--version" {
		return runVersion(ctx, stdout, stderr, nil)
	}
	root := &command{name: "switchwatch", help: rootHelp, children: commands}
	err := dispatch(ctx, root, "switchwatch", stdout, stderr, args)
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// dispatch runs args on g, a group named path ("switchwatch lab"): the
// first argument names a child, or asks for help ("help CMD...", -h,
// --help). No argument at all prints the group's help on stderr and is a
// usage error.
func dispatch(ctx context.Context, g *command, path string, stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 {
		writeGroupHelp(stderr, g, path)
		return &usageError{cmd: path, err: fmt.Errorf("%sno command given", prefix(path)), helpShown: true}
	}
	switch args[0] {
	case "-h", "--help":
		writeGroupHelp(stdout, g, path)
		return errHelp
	case "help":
		if len(args) == 1 {
			writeGroupHelp(stdout, g, path)
			return errHelp
		}
		c := g.child(args[1])
		if c == nil {
			return g.unknown(path, args[1])
		}
		if c.children != nil {
			return dispatch(ctx, c, path+" "+c.name, stdout, stderr, append([]string{"help"}, args[2:]...))
		}
		return c.run(ctx, stdout, stderr, []string{"--help"})
	}
	c := g.child(args[0])
	if c == nil {
		return g.unknown(path, args[0])
	}
	if c.children != nil {
		return dispatch(ctx, c, path+" "+c.name, stdout, stderr, args[1:])
	}
	return c.run(ctx, stdout, stderr, args[1:])
}

func (g *command) child(name string) *command {
	for _, c := range g.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (g *command) unknown(path, name string) error {
	names := make([]string, len(g.children))
	for i, c := range g.children {
		names[i] = c.name
	}
	return &usageError{cmd: path, err: fmt.Errorf("%sunknown command %q (want %s)", prefix(path), name, orList(names))}
}

// prefix is what an error message of the command path starts with: "lab: "
// for "switchwatch lab", nothing for switchwatch itself (main adds that).
func prefix(path string) string {
	if p, ok := strings.CutPrefix(path, "switchwatch "); ok {
		return p + ": "
	}
	return ""
}

// writeGroupHelp prints what a group is for and its commands.
func writeGroupHelp(w io.Writer, g *command, path string) {
	if path == "switchwatch" {
		fmt.Fprintf(w, "%s\n\nUsage:\n  switchwatch <command> [flags] [arguments]\n", g.help)
	} else {
		fmt.Fprintf(w, "Usage: %s <command> [flags] [arguments]\n%s", path, g.help)
	}
	fmt.Fprint(w, "\nCommands:\n")
	for _, c := range g.children {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-10s %s\n", "help", "print a command's help, e.g. \""+path+" help "+g.children[0].name+"\"")
	if path == "switchwatch" {
		fmt.Fprint(w, rootFooter)
	} else {
		fmt.Fprintf(w, "\nRun \"%s help <command>\" for a command's flags.\n", path)
	}
}

// orList is "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return fmt.Sprint(names)
	}
	s := names[0]
	for _, n := range names[1 : len(names)-1] {
		s += ", " + n
	}
	return s + " or " + names[len(names)-1]
}

// errHelp says that help was asked for and printed: run returns nil.
var errHelp = errors.New("help printed")

// usageError is a mistake on the command line (an unknown flag, a missing
// argument): main prints it with a pointer to the command's help and exits
// 2, where a failure of the work itself exits 1.
type usageError struct {
	cmd       string // "switchwatch lab run"
	err       error
	helpShown bool // the help is printed already
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// exitCode is the process's exit status for what run returned: 0 done
// (or help asked for), 2 a usage error, 1 any other failure.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil || errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	}
	// an error that carries its own status (record's "recorded, check not done")
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	return 1
}

// printError prints what run returned, if anything: one line, and for a
// usage error a pointer to the help.
func printError(w io.Writer, err error) {
	if err == nil || errors.Is(err, errHelp) {
		return
	}
	// Errors quote servers, files and flags: nothing in them may act on
	// the terminal.
	fmt.Fprintln(w, "switchwatch:", termtext.Sanitize(err.Error()))
	var ue *usageError
	if errors.As(err, &ue) && !ue.helpShown {
		fmt.Fprintf(w, "Run \"%s --help\" for usage.\n", ue.cmd)
	}
}
