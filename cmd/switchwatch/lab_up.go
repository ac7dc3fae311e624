package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/switchwatch/switchwatch/lab"
)

const labUpHelp = `
Starts a rig (blue, its standby green, the write and read endpoints), prints
the endpoints' DSNs and the path of its state file, and keeps it up until
Ctrl-C; then stops everything and removes its directories (unless --keep).
Point "switchwatch record" or your own application at the endpoints, and
play a scenario on the rig from another terminal with "switchwatch lab play
SCENARIO --rig STATE": the lab writes its ground truth into the run folder
you name, so you can rehearse with your own recorder flags or client.

Between plays the rig is reset, not rebuilt, wherever it can be: after a
scenario that promoted green (aurora, crash), green stays the primary and
becomes blue, the old blue is removed and a new standby of the new blue
(pg_basebackup) becomes green; the write endpoint stays on the server that
took writes, so a recording still running sees no outage from the reset.
A rig whose blue is down without a promotion is rebuilt on the same ports.
"lab play" returns once the rig is ready for the next play.

The state file (JSON: pid, control, write_dsn, read_dsn, dir) names the
control socket, a TCP socket on 127.0.0.1 that "lab play" talks to.

Example:
  switchwatch lab up --state /tmp/rig.json
  switchwatch record --write-dsn "$(jq -r .write_dsn /tmp/rig.json)" --out runs/ \
      --switchover 'switchwatch lab play aurora --rig /tmp/rig.json' \
      --switchover-after 5s --until-recovered 5s
`

func runLabUp(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("lab up", "switchwatch lab up [flags]", labUpHelp, stdout)
	var opts lab.RigOptions
	var state string
	fs.IntVar(&opts.WritePort, "port", 0, "write endpoint port on 127.0.0.1 (default: a free port)")
	fs.IntVar(&opts.ReadPort, "read-port", 0, "read endpoint port on 127.0.0.1 (default: a free port)")
	fs.StringVar(&opts.ReaderTarget, "reader-target", lab.TargetGreen, "where the read endpoint forwards: green or blue")
	fs.StringVar(&opts.WorkDir, "work-dir", "", "where the rig's directories go (default: the system temporary directory)")
	fs.BoolVar(&opts.Keep, "keep", false, "keep the rig's directories when it stops")
	fs.StringVar(&state, "state", "", "where to write the state file for \"lab play --rig\" (default: switchwatch-lab-up-PID.json in the system temporary directory)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.usagef("unexpected argument %q (flags only)", fs.Arg(0))
	}
	if state == "" {
		state = filepath.Join(os.TempDir(), "switchwatch-lab-up-"+strconv.Itoa(os.Getpid())+".json")
	}
	srv, err := lab.Serve(ctx, opts, state, stdout)
	if err != nil {
		return fmt.Errorf("lab up: %w", err)
	}
	rig := srv.Rig()
	fmt.Fprintf(stdout, "write endpoint: %s\nread endpoint:  %s\nblue:  %s (log %s)\ngreen: %s (log %s)\nwork directory: %s\nstate file: %s\n"+
		"play a scenario: switchwatch lab play aurora --rig %s --run RUN_DIR\nCtrl-C stops everything.\n",
		rig.WriteDSN(), rig.ReadDSN(), rig.Blue.DSN(), rig.Blue.LogPath(), rig.Green.DSN(), rig.Green.LogPath(), rig.Dir, state, state)
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		return fmt.Errorf("lab up: stop the rig: %w", err)
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}
