package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/termtext"
	"github.com/switchwatch/switchwatch/lab"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

const labPlayHelp = `
Plays a built-in scenario's steps, or those of a scenario file
(--scenario-file, the format of "lab run --scenario-file"), on the rig of
a running "switchwatch lab up" (its state file: --rig) and appends the
lab's ground truth to a run's
events.jsonl: --run RUN_DIR (a run folder), or --events FILE. Run from
"switchwatch record --switchover", it finds the run by itself (the recorder
gives its command SWITCHWATCH_RUN_DIR). The scenario's lead_in and tail are
not played: the recorder's --switchover-after and --until-recovered are
those. It prints each event as the lab logs it and returns once the rig is
reset for the next play (see "switchwatch lab up --help"). A scenario that
needs another rig than the one up (lab up --scenario) is refused.

Example:
  switchwatch lab play aurora --rig /tmp/rig.json --run runs/run=20250301T101500Z-1a2b3c
  switchwatch lab play crash --rig /tmp/rig.json --events my-app-run/events.jsonl --set refuse=5s
  switchwatch lab play --scenario-file my-steps.yaml --rig /tmp/rig.json --run runs/run=20250301T101500Z-1a2b3c
`

func runLabPlay(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("lab play", "switchwatch lab play (SCENARIO | --scenario-file FILE) --rig STATE (--run RUN_DIR | --events FILE) [flags]", labPlayHelp, stdout)
	var state, runDir, events, file string
	set := labelsFlag{}
	fs.StringVar(&state, "rig", "", "the state file \"switchwatch lab up\" printed")
	fs.StringVar(&runDir, "run", os.Getenv(record.EnvRunDir), "run folder whose events.jsonl gets the ground truth (default: $"+record.EnvRunDir+", set by record --switchover)")
	fs.StringVar(&events, "events", "", "events file to append the ground truth to, instead of --run")
	fs.StringVar(&file, "scenario-file", "", "scenario file (JSON or YAML) to play instead of a built-in: a built-in with parameters, or steps of your own")
	fs.Var(set, "set", "scenario parameter `name=value`, repeatable (e.g. --set blackhole=6s)")
	if err := fs.parse(args); err != nil {
		return err
	}
	switch {
	case file != "" && fs.NArg() > 0:
		return fs.usagef("give a SCENARIO or --scenario-file, not both")
	case file == "" && fs.NArg() != 1:
		return fs.usagef("want one SCENARIO (%s) or --scenario-file, got %d arguments", strings.Join(lab.BuiltinNames(), ", "), fs.NArg())
	}
	if file == "" {
		if _, berr := lab.NewBuiltin(fs.Arg(0), set); berr != nil {
			return fs.usagef("%v", berr)
		}
	}
	if state == "" {
		return fs.usagef("--rig is empty: give the state file \"switchwatch lab up\" printed")
	}
	switch {
	case events != "" && fs.Changed("run"):
		return fs.usagef("give --run or --events, not both")
	case events == "" && runDir == "":
		return fs.usagef("no run: give --run RUN_DIR or --events FILE")
	case events == "":
		if _, err := store.ReadRunInfo(runDir); errors.Is(err, iofs.ErrNotExist) {
			return fmt.Errorf("lab play: %s is not a run folder (no %s)", runDir, store.RunInfoFile)
		}
		events = filepath.Join(runDir, store.EventsFile)
	}
	show := func(e store.Event) {
		fmt.Fprintf(stdout, "%s %s: %s\n", e.Time.Format(time.RFC3339Nano), e.Name, termtext.Sanitize(e.Message))
	}
	var name string
	var err error
	if file != "" {
		// Read here too, so that a bad file is named before anything is
		// asked of the rig (an input that cannot be read: exit 1, as in
		// "lab run --scenario-file").
		sc, lerr := lab.LoadFile(file, set)
		if lerr != nil {
			return fmt.Errorf("lab play: %w", lerr)
		}
		name = sc.Name
		err = lab.PlayFile(ctx, state, file, set, events, show)
	} else {
		name = fs.Arg(0)
		if _, berr := lab.NewBuiltin(name, set); berr != nil {
			return fs.usagef("%v", berr)
		}
		err = lab.Play(ctx, state, name, set, events, show)
	}
	if err != nil {
		return fmt.Errorf("lab play: %w", err)
	}
	fmt.Fprintf(stdout, "played %s; ground truth in %s\n", name, events)
	return nil
}
