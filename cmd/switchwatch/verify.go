package main

import (
	"context"
	"fmt"
	"io"

	"github.com/switchwatch/switchwatch/record"
)

const verifyHelp = `
Reads back from the write endpoint the keys a run's write probes inserted and
gives each write probe a verdict: acknowledged and present, acknowledged but
MISSING (lost), failed but present (committed although the client saw an
error), failed and absent. Writes RUN_DIR/verify.json. The check refuses a
server in recovery, where missing keys could just be not replayed yet.
`

func runVerify(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("verify", "switchwatch verify --write-dsn DSN RUN_DIR", verifyHelp, stdout)
	var dsn, table string
	fs.StringVar(&dsn, "write-dsn", "", "DSN of the write endpoint (PG* variables fill the gaps)")
	fs.StringVar(&table, "table", record.DefaultTable, "probe table")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fs.usagef("want exactly one RUN_DIR, got %d arguments", fs.NArg())
	}
	v, err := record.Verify(ctx, fs.Arg(0), dsn, table)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, v)
	return nil
}
