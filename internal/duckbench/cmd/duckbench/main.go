// Command duckbench compares switchwatch with DuckDB on the same files
// (package duckbench): analyze, import jsonl and import pgbench, each side
// a whole process, alternating, medians with peak RSS, and the machine's
// cores and load average beside them.
//
//	npm install --prefix ~/.cache/switchwatch-duckdb @duckdb/node-api@1.5.6-r.1
//	SWITCHWATCH_DUCKDB_NODE=~/.cache/switchwatch-duckdb go run ./internal/duckbench/cmd/duckbench
//	... go run ./internal/duckbench/cmd/duckbench --short     # what CI runs, about a minute
//
// It builds switchwatch from this tree once (go build) unless
// --switchwatch names a binary. Datasets go into --dir (default a
// temporary folder, removed at the end) and are reused from there when
// the sizes match.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/switchwatch/switchwatch/internal/duckbench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "duckbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("duckbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg duckbench.Config
	short := fs.Bool("short", false, "the CI size: 1 M probe rows, 200,000 lines of each log, each side run once, no large analyze")
	fs.Int64Var(&cfg.Rows, "rows", 10_000_000, "synthetic probe rows for analyze (500,000 per run)")
	fs.Int64Var(&cfg.LargeRows, "large-rows", 0, "also analyze this many synthetic probe rows, switchwatch alone (e.g. 100000000: 1 GB of files, made once into --dir; 0: not)")
	fs.IntVar(&cfg.JSONLLines, "jsonl-lines", 10_000_000, "lines of the JSON lines request log")
	fs.IntVar(&cfg.PgbenchLines, "pgbench-lines", 10_000_000, "pgbench transactions in all")
	fs.IntVar(&cfg.PgbenchFiles, "pgbench-files", 4, "pgbench thread log files")
	fs.IntVar(&cfg.Repeat, "repeat", 3, "runs of each side per task (the median is reported)")
	tasks := fs.String("tasks", strings.Join(duckbench.TaskNames, ","), "tasks to measure, comma-separated")
	fs.StringVar(&cfg.Dir, "dir", "", "work folder for datasets (kept, reused when the sizes match) and outputs (default: a temporary folder, removed)")
	fs.StringVar(&cfg.Switchwatch, "switchwatch", "", "switchwatch binary to measure (default: go build ./cmd/switchwatch of this tree)")
	fs.StringVar(&cfg.DuckDBNode, "duckdb-node", os.Getenv("SWITCHWATCH_DUCKDB_NODE"), "folder of DuckDB's Node.js package (npm install --prefix DIR @duckdb/node-api); default $SWITCHWATCH_DUCKDB_NODE")
	fs.StringVar(&cfg.Node, "node", "node", "node binary")
	recordTo := fs.String("record", "", "also write the command and its table into FILE between its duckbench markers (docs/performance.md holds the figures of record)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: duckbench [flags]\n\nCompares switchwatch with DuckDB on the same generated files (analyze, import\njsonl, import pgbench) and prints one table with the machine's cores and load.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *short {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["rows"] {
			cfg.Rows = 1_000_000
		}
		if !set["jsonl-lines"] {
			cfg.JSONLLines = 200_000
		}
		if !set["pgbench-lines"] {
			cfg.PgbenchLines = 200_000
		}
		if !set["repeat"] {
			cfg.Repeat = 1
		}
		if !set["large-rows"] {
			cfg.LargeRows = 0
		}
	}
	if cfg.Repeat < 1 || cfg.Rows < 1 || cfg.LargeRows < 0 || cfg.JSONLLines < 1 || cfg.PgbenchLines < cfg.PgbenchFiles || cfg.PgbenchFiles < 1 {
		return errors.New("--repeat, --rows, --jsonl-lines and --pgbench-files must be at least 1, --pgbench-lines at least --pgbench-files")
	}
	cfg.Tasks = strings.Split(*tasks, ",")
	cfg.Progress = stderr
	if err := duckbench.CheckDuckDB(cfg.Node, cfg.DuckDBNode); err != nil {
		return err
	}
	if cfg.Dir == "" {
		tmp, err := os.MkdirTemp("", "duckbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		cfg.Dir = tmp
	} else if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return err
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return err
	}
	cfg.Dir = dir
	if cfg.Switchwatch == "" {
		bin, version, err := build(ctx, cfg.Dir)
		if err != nil {
			return err
		}
		cfg.Switchwatch, cfg.Version = bin, version
	} else {
		cfg.Version = cfg.Switchwatch
	}
	rep, err := duckbench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := rep.Write(&out); err != nil {
		return err
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return err
	}
	if *recordTo != "" {
		return record(*recordTo, commandLine(args), out.Bytes())
	}
	return nil
}

// commandLine is how to run this again with args, leaving out the
// machine's own paths (--record, --dir, --duckdb-node).
func commandLine(args []string) string {
	keep := []string{"go run ./internal/duckbench/cmd/duckbench"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(strings.SplitN(a, "=", 2)[0], "-")
		if name == "record" || name == "dir" || name == "duckdb-node" {
			if !strings.Contains(a, "=") {
				i++ // its value
			}
			continue
		}
		keep = append(keep, a)
	}
	return strings.Join(keep, " ")
}

// build builds switchwatch from the module this is run in and says what
// it was built from (git describe, marked -dirty when the tree is).
func build(ctx context.Context, dir string) (bin, version string, err error) {
	mod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(mod)))
	bin = filepath.Join(dir, "switchwatch")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/switchwatch")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build ./cmd/switchwatch in %s: %w\n%s", root, err, out)
	}
	version = "(built from " + root + ")"
	g := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty")
	g.Dir = root
	if out, err := g.Output(); err == nil {
		br := exec.CommandContext(ctx, "git", "rev-parse", "--abbrev-ref", "HEAD")
		br.Dir = root
		b, _ := br.Output()
		version = strings.TrimSpace(string(b)) + " " + strings.TrimSpace(string(out))
	}
	return bin, version, nil
}
