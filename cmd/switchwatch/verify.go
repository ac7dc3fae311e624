package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

const verifyHelp = `
Reads back from the write endpoint the keys a run's write probes inserted and
gives each write probe a verdict: acknowledged and present, acknowledged but
MISSING (lost), failed but present (committed although the client saw an
error), failed and absent. Writes RUN_DIR/verify.json. The check refuses a
server in recovery, where missing keys could just be not replayed yet.

A run recorded with --out s3://... is checked in its local copy in the
staging folder (RUN_DIR is that folder, or the run's s3:// URL when it was
staged in the default place), and verify.json, then run.json, are uploaded
from there to the bucket.

The keys are read back from the table the run wrote to, as run.json says;
--table names it for a run.json that does not, and a --table that disagrees
with run.json is refused (every write would look lost) unless --force-table.
A run still being recorded is refused.
`

func runVerify(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("verify", "switchwatch verify --write-dsn DSN RUN_DIR", verifyHelp, stdout)
	var dsn string
	var opt record.VerifyOptions
	fs.StringVar(&dsn, "write-dsn", "", "DSN of the write endpoint (PG* variables fill the gaps)")
	fs.StringVar(&opt.Table, "table", "", "probe table (default: the run's, from run.json; else "+record.DefaultTable+")")
	fs.BoolVar(&opt.ForceTable, "force-table", false, "check --table even when run.json names another table")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fs.usagef("want exactly one RUN_DIR, got %d arguments", fs.NArg())
	}
	dir, err := stagedCopyOf("verify", fs.Arg(0))
	if err != nil {
		return err
	}
	v, err := record.VerifyWith(ctx, dir, dsn, opt)
	if errors.Is(err, record.ErrWrongTable) {
		return fs.usagef("%v", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, v)
	// A run of --out s3://: its bucket copy gets the verdict too.
	return uploadRewritten(ctx, stdout, dir, store.VerifyFile, store.RunInfoFile)
}
