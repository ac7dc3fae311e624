package main

import (
	"context"
	"io"

	"github.com/switchwatch/switchwatch/record/store"
)

func version() string { return store.ReadBuild().Long() }

func runVersion(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("version", "switchwatch version", "Prints the version of switchwatch.", stdout)
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.usagef("unexpected argument %q", fs.Arg(0))
	}
	_, err := io.WriteString(stdout, "switchwatch "+version()+"\n")
	return err
}
