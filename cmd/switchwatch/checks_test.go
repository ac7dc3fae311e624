package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// TestAnalyzeChecksGateCI is issue 22's must-show: a threshold aurora
// breaks exits 4 and names aurora; one every run meets exits 0; the JUnit
// file parses and says which test case failed.
func TestAnalyzeChecksGateCI(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "checks.xml")
	_, stderr, err := runAnalyzeCmd(t, "--by", "scenario", "--no-runs", "--check", "write_downtime.median<5s", "--junit", junit, "../../testdata/runs")
	if code := exitCode(err); code != exitChecksFailed {
		t.Fatalf("exit %d (%v), want %d", code, err, exitChecksFailed)
	}
	var failLines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "FAIL") {
			failLines = append(failLines, l)
		}
	}
	if len(failLines) != 1 || !strings.Contains(failLines[0], "scenario=aurora") || !strings.Contains(failLines[0], "± 0.1 s (n=4), threshold < 5 s") {
		t.Errorf("failure lines %q, want one naming aurora with its value, resolution, n and threshold", failLines)
	}
	if !strings.Contains(stderr, "checks: 3 passed, 1 failed, 0 undecided, 0 unknown") {
		t.Errorf("stderr has no count of the verdicts:\n%s", stderr)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name      string    `xml:"name,attr"`
				Classname string    `xml:"classname,attr"`
				Failure   *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the JUnit file does not parse: %v\n%s", err, data)
	}
	if len(doc.Suites) != 1 || doc.Suites[0].Tests != 4 || doc.Suites[0].Failures != 1 {
		t.Fatalf("JUnit suites %+v, want one of 4 tests with 1 failure", doc.Suites)
	}
	for _, c := range doc.Suites[0].Cases {
		if failed := c.Failure != nil; failed != (c.Classname == "group scenario=aurora") {
			t.Errorf("test case %s %s: failed=%v", c.Classname, c.Name, failed)
		}
	}

	_, stderr, err = runAnalyzeCmd(t, "--by", "scenario", "--no-runs", "--check", "lost_writes.max==0", "../../testdata/runs")
	if err != nil {
		t.Errorf("lost_writes.max==0: %v, want exit 0\n%s", err, stderr)
	}
}

// TestAnalyzeCheckMistakesAreUsageErrors: a check that cannot be read, or
// that names a group no run is in, is a mistake on the command line (exit
// 2), never a gate that passes because it checked nothing.
func TestAnalyzeCheckMistakesAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--check", "write_downtime.median<5"},
		{"--check", "[scenario=oracle]write_downtime.median<5s", "--by", "scenario"},
		{"--junit", "x.xml"},
	} {
		_, _, err := runAnalyzeCmd(t, append(args, "../../testdata/runs")...)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

// TestRecordChecksTheRunItRecorded: record --check analyzes the run it
// just recorded and gates on it, one command for a rehearsal: a healthy
// recording passes failed_probes==0 and lost_writes==0 (the check ran),
// and fails failed_probes>0 with exit status 4.
func TestRecordChecksTheRunItRecorded(t *testing.T) {
	srv := pgserver.StartForTest(t, pgserver.Options{})
	for _, c := range []struct {
		check string
		code  int
	}{
		{"failed_probes==0", 0},
		{"failed_probes>0", exitChecksFailed},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), &stdout, &stderr, []string{"record", "--write-dsn", srv.DSN(), "--out", t.TempDir(),
			"--duration", "1s", "--conn", "pooled", "--quiet", "--check", c.check, "--check", "lost_writes==0"})
		if code := exitCode(err); code != c.code {
			t.Errorf("--check %s: exit %d (%v), want %d\nstdout:\n%s\nstderr:\n%s", c.check, code, err, c.code, stdout.String(), stderr.String())
		}
		if !strings.Contains(stderr.String(), "checks: ") {
			t.Errorf("--check %s: no verdict count on stderr:\n%s", c.check, stderr.String())
		}
	}
}
