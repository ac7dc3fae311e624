package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/analyze/check"
	"github.com/switchwatch/switchwatch/internal/termtext"
	"github.com/switchwatch/switchwatch/report"
)

// exitChecksFailed is the exit status when a --check did not pass: apart
// from 1 (the work failed), so that a pipeline can tell a switchover that
// got worse from a rehearsal that could not run.
const exitChecksFailed = 4

// checkFlags are the threshold flags of analyze (and of record with
// --until-recovered).
type checkFlags struct {
	exprs []string
	file  string
	junit string
}

func addCheckFlags(fs *pflag.FlagSet) *checkFlags {
	cf := &checkFlags{}
	fs.StringArrayVar(&cf.exprs, "check", nil, "a threshold that must hold, `EXPR` = [SUBJECT]METRIC[.STAT] OP VALUE (repeatable), e.g. 'write_downtime.median<5s', 'lost_writes.max==0'; with a STAT (min, median, mean, p95, max) per group, without per run; exit status 4 when one does not pass")
	fs.StringVar(&cf.file, "checks", "", "read --check expressions from `FILE`, one per line (# comments)")
	fs.StringVar(&cf.junit, "junit", "", "write the checks' verdicts as JUnit XML to `FILE`, for a CI system to display")
	return cf
}

// parse reads every expression; a mistake is a usage error.
func (cf *checkFlags) parse() ([]check.Check, error) {
	var out []check.Check
	if cf.file != "" {
		cs, err := check.ParseFile(cf.file)
		if err != nil {
			return nil, fmt.Errorf("--checks: %w", err)
		}
		out = cs
	}
	for _, e := range cf.exprs {
		c, err := check.Parse(e)
		if err != nil {
			return nil, fmt.Errorf("--check: %w", err)
		}
		out = append(out, c)
	}
	if cf.junit != "" && len(out) == 0 {
		return nil, fmt.Errorf("--junit needs --check or --checks")
	}
	return out, nil
}

// checksFailed is the error of a run whose checks did not all pass.
type checksFailed struct{ failed, total int }

func (e checksFailed) Error() string {
	return fmt.Sprintf("%d of %d checks did not pass", e.failed, e.total)
}
func (e checksFailed) ExitCode() int { return exitChecksFailed }

// finish prints the verdicts on stderr (stdout may carry JSON), writes
// the JUnit file, and returns checksFailed when any check did not pass.
func (cf *checkFlags) finish(results []analyze.CheckResult, stdout, stderr io.Writer) error {
	if len(results) == 0 {
		return nil
	}
	if err := report.WriteChecks(termtext.NewWriter(stderr), results, false); err != nil {
		return err
	}
	if cf.junit != "" {
		if err := analyzeWriteFile(cf.junit, stdout, func(w io.Writer) error { return report.WriteJUnit(w, results) }); err != nil {
			return err
		}
	}
	failed := 0
	for i := range results {
		if !results[i].Passed() {
			failed++
		}
	}
	if failed > 0 {
		return checksFailed{failed, len(results)}
	}
	return nil
}
