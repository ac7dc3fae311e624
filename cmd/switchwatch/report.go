package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/spf13/pflag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/report"
)

// This file gives the analyze command its report: addReportFlags adds the
// report's flags to analyze's FlagSet, writeReport writes DIR/report.md
// and its pictures.

// reportOptions are the report's flags.
type reportOptions struct {
	rate    float64
	retry   *report.RetryPolicy
	show    []string
	formats listFlag
	// off skips the report (--report=false).
	off bool
}

// addReportFlags adds --rate, --retry, --show and --format to fs.
func addReportFlags(fs *pflag.FlagSet) *reportOptions {
	o := &reportOptions{formats: listFlag{"png", "svg"}}
	fs.Float64Var(&o.rate, "rate", 0, "the application's `REQUESTS` per second: the report states the expected failed requests per switchover")
	fs.Func("retry", "replay every run against the retry `POLICY`: "+report.RetryUsage+"; needs --rate", func(s string) error {
		p, err := report.ParseRetry(s)
		if err != nil {
			return err
		}
		o.retry = p
		return nil
	})
	fs.Func("show", "draw this `RUN` (run id) in detail besides the median and the worst run; repeat or separate by commas", func(s string) error {
		for _, id := range strings.Split(s, ",") {
			if id = strings.TrimSpace(id); id != "" {
				o.show = append(o.show, id)
			}
		}
		return nil
	})
	fs.Var(&o.formats, "format", "picture `FORMATS` of the report, comma-separated: png, svg (the Markdown shows the first)")
	return o
}

// addNoReportFlag adds --no-report, analyze's way to skip the report.
func (o *reportOptions) addNoReportFlag(fs *pflag.FlagSet) {
	fs.BoolVar(&o.off, "no-report", false, "with -o, do not write report.md and its pictures")
}

// check validates the options together.
func (o *reportOptions) check() error {
	if o.rate < 0 {
		return fmt.Errorf("--rate %v: must be positive", o.rate)
	}
	if o.retry != nil && o.rate == 0 {
		return errors.New("--retry needs --rate (the application's requests per second)")
	}
	for _, f := range o.formats {
		if f != "png" && f != "svg" {
			return fmt.Errorf("--format %s: want png or svg", f)
		}
	}
	return nil
}

// ReportFile is the Markdown report's name in the output folder.
const reportFile = "report.md"

// writeReport writes dir/report.md and its pictures beside it. A picture
// that cannot be drawn (a run folder gone since the analysis) is reported
// on stderr and in the Markdown, and the rest is written.
func writeReport(ctx context.Context, dir string, sum *analyze.Summary, opts *reportOptions, stderr io.Writer) error {
	if opts == nil {
		opts = &reportOptions{formats: listFlag{"png", "svg"}}
	}
	if opts.off {
		return nil
	}
	if err := opts.check(); err != nil {
		return err
	}
	rep, err := report.Build(sum, report.Options{Rate: opts.rate, Retry: opts.retry, Show: opts.show, Formats: opts.formats})
	if err != nil {
		return err
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create report folder: %w", err)
	}
	// Pictures, a few at once; each figure's formats in turn.
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fatal error
		next  = make(chan *report.Figure)
	)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range next {
				for _, format := range opts.formats {
					err := writeFigure(filepath.Join(dir, f.Name+"."+format), f, format)
					if err == nil {
						continue
					}
					mu.Lock()
					var drawErr *drawError
					if errors.As(err, &drawErr) {
						f.Err = drawErr.err
						fmt.Fprintf(stderr, "warning: picture %s: %v\n", f.Name, drawErr.err)
					} else if fatal == nil {
						fatal = err
					}
					mu.Unlock()
					break
				}
			}
		}()
	}
	for _, f := range rep.Figures {
		if ctx.Err() != nil {
			break
		}
		next <- f
	}
	close(next)
	wg.Wait()
	if fatal != nil {
		return fatal
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	path := filepath.Join(dir, reportFile)
	if err := writeFileWith(path, func(w io.Writer) error { return report.WriteMarkdown(w, rep) }); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s and %s\n", path, report.Count(int64(len(rep.Figures)*len(opts.formats)), "picture", "pictures"))
	return nil
}

// drawError is a picture that could not be drawn (as opposed to a file
// that could not be written).
type drawError struct{ err error }

func (e *drawError) Error() string { return e.err.Error() }

func writeFigure(path string, f *report.Figure, format string) error {
	err := writeFileWith(path, func(w io.Writer) error {
		if err := f.Render(w, format); err != nil {
			return &drawError{err}
		}
		return nil
	})
	var de *drawError
	if errors.As(err, &de) {
		os.Remove(path)
	}
	return err
}

// writeFileWith creates path, writes it through fn and closes it, checking
// every error; a failed file is removed.
func writeFileWith(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := fn(f); err != nil {
		f.Close()
		os.Remove(path)
		var de *drawError
		if errors.As(err, &de) {
			return err
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}
