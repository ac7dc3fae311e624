package main

import (
	"context"
	"fmt"
	"io"

	"github.com/switchwatch/switchwatch/lab"
)

func runLabUp(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("lab up", "switchwatch lab up [flags]", `
Starts a rig (blue, its standby green, the write and read endpoints), prints
the DSNs, and keeps it up until Ctrl-C; then stops everything and removes
its directories (unless --keep). Use it to try "switchwatch record" or your
own client against the endpoints by hand.`, stdout)
	var opts lab.RigOptions
	fs.IntVar(&opts.WritePort, "port", 0, "write endpoint port on 127.0.0.1 (default: a free port)")
	fs.IntVar(&opts.ReadPort, "read-port", 0, "read endpoint port on 127.0.0.1 (default: a free port)")
	fs.StringVar(&opts.ReaderTarget, "reader-target", lab.TargetGreen, "where the read endpoint forwards: green or blue")
	fs.StringVar(&opts.WorkDir, "work-dir", "", "where the rig's directories go (default: the system temporary directory)")
	fs.BoolVar(&opts.Keep, "keep", false, "keep the rig's directories when it stops")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.usagef("unexpected argument %q (flags only)", fs.Arg(0))
	}
	rig, err := lab.NewRig(ctx, opts)
	if err != nil {
		return fmt.Errorf("lab up: %w", err)
	}
	fmt.Fprintf(stdout, "write endpoint: %s\nread endpoint:  %s\nblue:  %s (log %s)\ngreen: %s (log %s)\nwork directory: %s\nCtrl-C stops everything.\n",
		rig.WriteDSN(), rig.ReadDSN(), rig.Blue.DSN(), rig.Blue.LogPath(), rig.Green.DSN(), rig.Green.LogPath(), rig.Dir)
	<-ctx.Done()
	if err := rig.Close(); err != nil {
		return fmt.Errorf("lab up: stop the rig: %w", err)
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}
