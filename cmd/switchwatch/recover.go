package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/switchwatch/switchwatch/importer"
	"github.com/switchwatch/switchwatch/record/store"
	"github.com/switchwatch/switchwatch/report"
)

const recoverHelp = `
A recording killed with kill -9 (or a crash, or a lost machine) leaves the
rows of its open segment in a hidden journal. recover turns every such
journal under PATH into a Parquet segment and marks the run as interrupted
in run.json, and removes the hidden .import-* folders that imports killed
midway left in PATH. A run in the staging folder of "--out s3://..."
is then uploaded, every file that is not there yet, run.json last, and its
local copy stays (a run cut short had no lost-write check). A bucket holds
no journals: PATH s3://BUCKET/PREFIX/ recovers its copy in the default
staging folder. "switchwatch record" does the same for a run folder it
reopens, and "switchwatch analyze" reads journals without changing
anything. Runs still being recorded are left alone.
`

func runRecover(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("recover", "switchwatch recover PATH...", recoverHelp, stdout)
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fs.usagef("want at least one PATH")
	}
	var failed int
	for _, arg := range fs.Args() {
		// A bucket holds no journal: recover its local copy.
		root, err := stagedCopyOf("recover", arg)
		if err != nil {
			return err
		}
		// What killed imports left: hidden folders no live import holds.
		removed, err := importer.CleanInterrupted(root)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", root, err)
			failed++
		}
		for _, d := range removed {
			fmt.Fprintf(stdout, "%s: removed, left by an interrupted import\n", d)
		}
		runs, err := store.FindRuns(root)
		if err != nil {
			return err
		}
		for _, dir := range runs {
			rec, err := store.Recover(dir)
			switch {
			case errors.Is(err, store.ErrRunActive):
				fmt.Fprintf(stderr, "%s: still being recorded, left alone\n", dir)
			case err != nil:
				fmt.Fprintf(stderr, "%s: %v\n", dir, err)
				failed++
			case rec.Segments > 0 || rec.Closed:
				fmt.Fprintf(stdout, "%s: recovered %s into %s (%s dropped)\n",
					dir, report.Count(int64(rec.Rows), "row", "rows"), report.Count(int64(rec.Segments), "segment", "segments"), report.Count(int64(rec.BadLines), "unreadable journal line", "unreadable journal lines"))
			}
			if err == nil {
				// A run of record --out s3:// (or import) whose upload
				// the crash cut short: upload the rest now.
				if err := uploadRecovered(ctx, stdout, dir); err != nil {
					fmt.Fprintf(stderr, "%s: %v\n", dir, err)
					failed++
				}
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("recover: %s", report.Count(int64(failed), "run could not be recovered", "runs could not be recovered"))
	}
	return nil
}
