package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/internal/objstore"
	"github.com/switchwatch/switchwatch/internal/termtext"
	"github.com/switchwatch/switchwatch/record/store"
	"github.com/switchwatch/switchwatch/report"
)

const reportHelp = `
Renders stored summaries (the summary.json that "switchwatch analyze -o DIR"
writes) without the runs they came from: the run folders may be gone.

With one SUMMARY it prints the analysis's tables, and with -o DIR writes
DIR/report.md and its pictures as "analyze -o" did (the runs drawn in
detail are those whose probes the summary carries: the median and worst
runs, and those named by analyze --show).

With several, each summary is a group named by its path ("q1/summary.json"
is "q1"), and the groups are compared as "analyze old/ new/" compares
paths, benchstat style: "this switchover against the last four",

  switchwatch report q1/summary.json q2/summary.json q3/summary.json today/summary.json

--baseline-group names the group the others are compared with (default the
first), --compare all compares every pair.

A SUMMARY may be in object storage, s3://BUCKET/KEY/summary.json (the group
"s3://BUCKET/KEY"), read as analyze reads s3:// runs: credentials and
endpoint from the AWS SDK's chain.
`

func runReport(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("report", "switchwatch report [flags] SUMMARY.json...", reportHelp, stdout)
	var (
		outDir  = fs.StringP("out", "o", "", "write report.md and its pictures to `DIR`")
		runs    = fs.Bool("runs", false, "print every run's section (phases, streams, metrics, events) before the group tables")
		jsonOut = fs.String("json", "", "with several summaries, write their combined summary to `FILE` (- for stdout, instead of the table)")
		baseGrp = fs.String("baseline-group", "", "compare every group with the group `KEY` (default the first)")
		cmpMode = fs.String("compare", "baseline", "`MODE` of comparison: baseline (every group against the baseline group) or all (every pair of groups)")
	)
	ropts := addReportFlags(fs.FlagSet)
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fs.usagef("no SUMMARY given")
	}
	if err := ropts.check(); err != nil {
		return fs.usagef("%w", err)
	}
	if err := checkCompareFlags(fs, *cmpMode, *baseGrp); err != nil {
		return err
	}
	s3Done, err := s3Inputs(ctx, stderr, fs.Args())
	if err != nil {
		return fs.usagef("%v", err)
	}
	sum, err := loadSummaries(fs.Args())
	s3Done()
	if err != nil {
		return err
	}
	if *baseGrp != "" || *cmpMode == "all" {
		if err := analyze.CompareGroups(sum, *baseGrp, *cmpMode == "all"); err != nil {
			return fs.usagef("--baseline-group: %w", err)
		}
	}
	if *jsonOut != "-" {
		if err := report.WriteText(termtext.NewWriter(stdout), sum, report.TextOptions{Runs: *runs}); err != nil {
			return err
		}
	}
	if *jsonOut != "" {
		if err := analyzeWriteFile(*jsonOut, stdout, func(w io.Writer) error { return analyze.WriteJSON(w, sum) }); err != nil {
			return err
		}
	}
	if *outDir != "" {
		return writeReport(ctx, *outDir, oneBaseline(sum), ropts, stderr)
	}
	return nil
}

// loadSummaries reads the summaries at paths: one as it is, several
// combined, each a group (analyze.Combine).
func loadSummaries(paths []string) (*analyze.Summary, error) {
	var named []analyze.Named
	for _, p := range paths {
		s, err := readSummaryFile(p)
		if err != nil {
			return nil, err
		}
		named = append(named, analyze.Named{Name: summaryName(p), Sum: s})
	}
	if len(named) == 1 {
		return named[0].Sum, nil
	}
	return analyze.Combine(named)
}

// summaryName is analyze.SummaryName, which names a local path, for an
// s3:// one too: "s3://b/q1/summary.json" is "s3://b/q1" (a file path's
// cleaning would make it "s3:/b/q1").
func summaryName(p string) string {
	u, err := objstore.ParseURL(p)
	if err != nil {
		return analyze.SummaryName(p)
	}
	if key := path.Clean("/" + u.Key); path.Base(key) == "summary.json" {
		u.Key = strings.TrimPrefix(path.Dir(key), "/")
		return strings.TrimSuffix(u.String(), "/")
	}
	return strings.TrimSuffix(path.Base(u.Key), ".json")
}

// readSummary reads the summary at path: a regular file, or an object
// in object storage (s3://, registered by s3Inputs).
func readSummaryFile(path string) (*analyze.Summary, error) {
	f, err := store.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("read summary: %w", err)
	}
	defer f.Close()
	s, err := analyze.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("read summary %s: %w", path, err)
	}
	return s, nil
}
