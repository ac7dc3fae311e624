package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/analyze"
)

// invoke runs switchwatch with args as main would: its stdout, its stderr
// (with what main prints of the error) and its exit code.
func invoke(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errw bytes.Buffer
	err := run(context.Background(), &out, &errw, args)
	printError(&errw, err)
	return out.String(), errw.String(), exitCode(err)
}

// readSummary reads the summary JSON file path that analyze wrote.
func readSummary(t *testing.T, path string) *analyze.Summary {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sum, err := analyze.ReadJSON(f)
	if err != nil {
		t.Fatalf("summary JSON %s does not decode: %v", path, err)
	}
	return sum
}

func TestExitCode(t *testing.T) {
	usage := &usageError{cmd: "switchwatch record", err: errors.New("record: unknown flag: --write-dns")}
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errHelp, 0},
		{usage, 2},
		{fmt.Errorf("while parsing: %w", usage), 2},
		{errors.New("connect: connection refused"), 1},
		{context.Canceled, 1},
	} {
		if got := exitCode(c.err); got != c.want {
			t.Errorf("exitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// leaves lists every leaf command of the table by its path ("lab run").
func leaves(prefix string, cs []*command) []string {
	var out []string
	for _, c := range cs {
		if c.children != nil {
			out = append(out, leaves(prefix+c.name+" ", c.children)...)
		} else {
			out = append(out, prefix+c.name)
		}
	}
	return out
}

// TestHelpEveryCommand: --help, -h and "help CMD" print that command's
// help on stdout and exit 0, for every leaf of the command table.
func TestHelpEveryCommand(t *testing.T) {
	for _, path := range leaves("", commands) {
		words := strings.Fields(path)
		want := "Usage: switchwatch " + path
		for _, args := range [][]string{
			append(words, "--help"),
			append(words, "-h"),
			append([]string{"help"}, words...),
		} {
			stdout, stderr, code := invoke(t, args...)
			if code != 0 || stderr != "" || !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, "--help") {
				t.Errorf("switchwatch %s: exit %d, stderr %q, stdout starts %q; want exit 0 and %q on stdout",
					strings.Join(args, " "), code, stderr, firstLine(stdout), want)
			}
		}
	}
	// a group's help and its own "help CMD"
	for _, args := range [][]string{{"lab", "--help"}, {"help", "lab"}, {"import", "-h"}, {"lab", "help"}} {
		stdout, stderr, code := invoke(t, args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "Usage: switchwatch "+args[0]+" <command>") && !strings.HasPrefix(stdout, "Usage: switchwatch "+args[1]+" <command>") {
			t.Errorf("switchwatch %v: exit %d, stderr %q, stdout %q", args, code, stderr, firstLine(stdout))
		}
	}
	stdout, _, code := invoke(t, "lab", "help", "list")
	if code != 0 || !strings.HasPrefix(stdout, "Usage: switchwatch lab list") {
		t.Errorf("lab help list: exit %d, %q", code, firstLine(stdout))
	}
	// recover has no flags of its own: the list is not empty
	stdout, _, _ = invoke(t, "recover", "--help")
	if !strings.HasSuffix(stdout, "print this help\n") {
		t.Errorf("recover --help ends with %q", stdout[max(0, len(stdout)-40):])
	}
}

func TestTopLevelHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		stdout, stderr, code := invoke(t, args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "\n  analyze ") || !strings.Contains(stdout, "Exit status: 0") {
			t.Errorf("switchwatch %v: exit %d, stderr %q, stdout:\n%s", args, code, stderr, stdout)
		}
	}
	stdout, stderr, code := invoke(t)
	if code != 2 || stdout != "" || !strings.Contains(stderr, "\n  record ") {
		t.Errorf("no arguments: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	stdout, _, code = invoke(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "switchwatch ") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

// TestUsageErrorsAreShort: a mistake on the command line exits 2 with one
// line naming it and one pointing to the command's help.
func TestUsageErrorsAreShort(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"record", "--write-dns", "x"}, "--write-dns"},
		{[]string{"analyze", "--by"}, "--by"},
		{[]string{"analyze", "--slow", "fast", "x"}, "--slow"},
		{[]string{"analyze"}, "no PATH"},
		{[]string{"verify", "a", "b"}, "RUN_DIR"},
		{[]string{"lab", "list", "extra"}, `"extra"`},
		{[]string{"lab", "run", "--runs", "2"}, "no scenario"},
		{[]string{"lab", "run", "--scenario", "dns", "--out", "OUT", "--client", "name=jvm,dns_cache=soon"}, "dns_cache"},
		{[]string{"lab", "run", "--scenario", "dns", "--out", "OUT", "--client", "name=new,conn=new"}, "built-in"},
		{[]string{"lab", "jump"}, `"jump"`},
		{[]string{"lab", "play", "aurora", "--scenario-file", "f.yaml", "--rig", "r.json", "--events", "e.jsonl"}, "not both"},
		{[]string{"lab", "play", "--rig", "r.json", "--events", "e.jsonl"}, "--scenario-file"},
		{[]string{"import", "pgbench", "x.log"}, "--out"},
		{[]string{"bogus"}, `"bogus"`},
		{[]string{"analyze", "-by", "strategy", "x"}, "two dashes: --by"},
		// settings record itself refuses, before touching anything
		{[]string{"record", "--write-dsn", "host=127.0.0.1", "--out", "OUT", "--rate", "5", "--interval", "1s"}, "--rate"},
		{[]string{"record", "--write-dsn", "host=127.0.0.1", "--out", "OUT", "--interval", "0"}, "--interval"},
		{[]string{"record", "--write-dsn", "host=127.0.0.1", "--out", "OUT", "--probes", "writ"}, `"writ"`},
		{[]string{"record", "--write-dsn", "host=127.0.0.1", "--out", "OUT", "--dns-server", "nowhere"}, "--dns-server"},
		{[]string{"record", "--write-dsn", "port=notanumber", "--out", "OUT"}, "--write-dsn"},
	} {
		stdout, stderr, code := invoke(t, c.args...)
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if code != 2 || stdout != "" || len(lines) != 2 || !strings.Contains(lines[0], c.want) || !strings.Contains(lines[1], "--help") {
			t.Errorf("switchwatch %s: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and two lines naming %s and --help",
				strings.Join(c.args, " "), code, stdout, stderr, c.want)
		}
	}
	// a runtime failure exits 1
	if _, stderr, code := invoke(t, "analyze", "/does/not/exist"); code != 1 || !strings.Contains(stderr, "/does/not/exist") {
		t.Errorf("missing input: exit %d, %s", code, stderr)
	}
}

// TestFlagsAfterArguments: flags may follow the positional arguments, as
// with git or kubectl; "--" ends the flags.
func TestFlagsAfterArguments(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x")
	stdout, stderr, code := invoke(t, "analyze", "../../testdata/runs", "-o", out, "--by", "scenario")
	if code != 0 {
		t.Fatalf("analyze testdata/runs -o DIR: exit %d\n%s", code, stderr)
	}
	for _, f := range []string{"summary.json", "phases.parquet", "report.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("-o after the path: %v", err)
		}
	}
	if !strings.Contains(stdout, "4 groups by scenario: aurora (4 runs)") {
		t.Errorf("--by after the path not applied:\n%s", firstLine(stdout))
	}
	// after "--", "--by" is a path
	_, stderr, code = invoke(t, "analyze", "--", "--by")
	if code != 1 || !strings.Contains(stderr, "input --by") {
		t.Errorf(`analyze -- --by: exit %d, %s; want "--by" read as a path`, code, stderr)
	}
	// verify RUN --write-dsn DSN parses: the failure is the check's, not the command line's
	_, stderr, code = invoke(t, "verify", filepath.Join(t.TempDir(), "run=none"), "--write-dsn", "host=127.0.0.1 port=1 connect_timeout=1")
	if code != 1 || strings.Contains(stderr, "RUN_DIR") || strings.Contains(stderr, "--help") {
		t.Errorf("verify RUN --write-dsn DSN: exit %d, %s", code, stderr)
	}
}

// TestAnalyzeComparesPaths: several paths without --by are compared with
// each other, benchstat style, and the summary says so.
func TestAnalyzeComparesPaths(t *testing.T) {
	a, b := "../../testdata/runs", filepath.Join(analyzeTestdata, "runs")
	js := filepath.Join(t.TempDir(), "s.json")
	stdout, stderr, code := invoke(t, "analyze", "--no-runs", "--json", js, a, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"2 groups by path: " + a + " (16 runs), " + b + " (4 runs); compared with", "\nwrites ", " runs n=16  analyze/runs n=4 "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the comparison lacks %q:\n%s", want, stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^write_downtime\s+s\s+\S.*\s(~|[-+][0-9.]+%?)( \(p=.*\))?$`).MatchString(stdout) {
		t.Errorf("no row of write_downtime with a comparison for %s:\n%s", b, stdout)
	}
	sum := readSummary(t, js)
	if len(sum.By) != 1 || sum.By[0] != analyze.ByPath || len(sum.Groups) != 2 || sum.Groups[1].Labels[analyze.ByPath] != b || len(sum.Comparisons) == 0 || sum.Comparisons[0].Group != b {
		t.Errorf("summary: by %v, groups %d, comparisons %d", sum.By, len(sum.Groups), len(sum.Comparisons))
	}
	// the report puts each run in its path's group too
	out := t.TempDir()
	if _, stderr, code := invoke(t, "analyze", "--format", "svg", "-o", out, a, b); code != 0 {
		t.Fatalf("-o: exit %d: %s", code, stderr)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if want := "in 2 groups by path: " + a + " (16); " + b + " (4)"; err != nil || !strings.Contains(string(md), want) {
		t.Errorf("report.md lacks %q (%v)", want, err)
	}
	// --by path asks for it with one path too; one path alone is one group
	stdout, _, _ = invoke(t, "analyze", "--no-runs", "--by", "path", b)
	if !strings.Contains(stdout, "1 group by path: "+b+" (4 runs)") {
		t.Errorf("--by path:\n%s", stdout)
	}
	stdout, _, _ = invoke(t, "analyze", "--no-runs", b)
	if strings.Contains(stdout, "group") || !regexp.MustCompile(`(?m)^writes +all$`).MatchString(stdout) {
		t.Errorf("one path: one column, all, and no groups line:\n%s", stdout)
	}
}

// TestAnalyzeUnknownLabel: a --by label that no run has is a usage error
// listing the labels there are, not one group "scenaro=".
func TestAnalyzeUnknownLabel(t *testing.T) {
	stdout, stderr, code := invoke(t, "analyze", "--by", "scenaro", filepath.Join(analyzeTestdata, "runs"))
	if code != 2 || stdout != "" || !strings.Contains(stderr, `"scenaro"`) || !strings.Contains(stderr, "scenario, strategy") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
