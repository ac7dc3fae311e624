package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBadFlagValuesExit2: every bad flag value, on every command, is a
// mistake on the command line (exit 2, one line naming it and a pointer to
// the help), found before anything is started: no rig is built, no
// endpoint dialled, no file read. The context is short so that a value
// that slipped through fails the test rather than record for long.
func TestBadFlagValuesExit2(t *testing.T) {
	dir := t.TempDir()
	dsn := "host=127.0.0.1 port=1 connect_timeout=1"
	rec := []string{"record", "--write-dsn", dsn, "--out", dir}
	labRun := []string{"lab", "run", "--scenario", "aurora", "--out", dir}
	runs := filepath.Join(analyzeTestdata, "runs")
	pgbench := []string{"import", "pgbench", "--out", dir, filepath.Join(dir, "none.log")}
	for _, c := range []struct {
		base []string
		bad  []string
		says string
	}{
		{rec, []string{"--interval", "-1s"}, "--interval"},
		{rec, []string{"--interval", "0s"}, "--interval"},
		{rec, []string{"--interval", "soon"}, "--interval"},
		{rec, []string{"--connect-timeout", "0s"}, "--connect-timeout"},
		{rec, []string{"--query-timeout", "-1s"}, "--query-timeout"},
		{rec, []string{"--pool-size", "0"}, "--pool-size"},
		{rec, []string{"--max-inflight", "-1"}, "--max-inflight"},
		{rec, []string{"--probes", "wirte"}, "wirte"},
		{rec, []string{"--conn", "poold"}, "poold"},
		{rec, []string{"--rate", "-1"}, "--rate"},
		{rec, []string{"--duration", "-5s"}, "--duration"},
		{rec, []string{"--label", "noequals"}, "--label"},
		{rec, []string{"--vantage", ""}, "--vantage"},
		{rec, []string{"--vantage", "zone\x1b[31ma"}, "--vantage"},
		{rec, []string{"--switchover-id", ""}, "--switchover-id"},
		{rec, []string{"--switchover-id", "sw\n1"}, "--switchover-id"},
		{rec, []string{"--client", "bad"}, "--client"},
		{rec, []string{"--metrics-addr", "nope"}, "--metrics-addr"},
		{[]string{"lab", "run", "--out", dir}, []string{"--scenario", "auroa"}, "auroa"},
		{labRun, []string{"--set", "nope=1"}, "nope"},
		{labRun, []string{"--runs", "0"}, "--runs"},
		{labRun, []string{"--read-via", "both"}, "--read-via"},
		{labRun, []string{"--reader-target", "red"}, "--reader-target"},
		{labRun, []string{"--probes", "wirte"}, "wirte"},
		{labRun, []string{"--interval", "-1s"}, "--interval"},
		{labRun, []string{"--pool-size", "0"}, "--pool-size"},
		{labRun, []string{"--vantages", "4"}, "--vantages 4"},
		{labRun, []string{"--vantages", "0"}, "--vantages 0"},
		{labRun, []string{"--vantages", "3"}, "dns scenario"},
		{labRun, []string{"--vantage-latency", "-1s"}, "--vantage-latency"},
		{labRun, []string{"--vantage-dns-cache", "0s"}, "--vantage-dns-cache"},
		{[]string{"lab", "up"}, []string{"--scenario", "auroa"}, "auroa"},
		{[]string{"lab", "play", "--rig", filepath.Join(dir, "state"), "--run", dir}, []string{"auroa"}, "auroa"},
		{[]string{"analyze", runs}, []string{"--format", "gif"}, "gif"},
		{[]string{"analyze", runs}, []string{"--retry", "often"}, "often"},
		{[]string{"analyze", runs}, []string{"--rate", "-1"}, "--rate"},
		{[]string{"analyze", runs}, []string{"--workers", "-1"}, "--workers"},
		{[]string{"analyze", runs}, []string{"--slow", "-1s"}, "--slow"},
		{[]string{"analyze", runs}, []string{"--stall", "-1s"}, "--stall"},
		{[]string{"analyze", runs}, []string{"--by", "strategy", "--baseline-group", "c"}, `"c"`},
		{[]string{"analyze", runs}, []string{"--compare", "some"}, "--compare"},
		{[]string{"analyze", runs}, []string{"--check", "write_downtime<<5s"}, "--check"},
		{[]string{"analyze", runs}, []string{"--json", "-", "--csv", "-"}, "stdout"},
		{pgbench, []string{"--kind", "update"}, "--kind"},
		{pgbench, []string{"--conn", "tcp"}, "--conn"},
		{pgbench, []string{"--seventh", "tries"}, "--seventh"},
		{pgbench, []string{"--vantage", ""}, "--vantage"},
		{pgbench, []string{"--switchover-id", "a\tb"}, "--switchover-id"},
		{pgbench, []string{"--rate", "-1"}, "--rate"},
		{pgbench, []string{"--aggregate-interval", "-1"}, "--aggregate-interval"},
		{[]string{"import", "jsonl", "--out", dir, filepath.Join(dir, "none.jsonl")}, []string{"--label", "x"}, "--label"},
		{[]string{"mark", dir, "switch"}, []string{"--at", "noon"}, "--at"},
		{[]string{"completion"}, []string{"tcsh"}, "tcsh"},
	} {
		args := append(append([]string{}, c.base...), c.bad...)
		t.Run(strings.Join(c.base[:min(2, len(c.base))], "_")+"_"+strings.Join(c.bad, "="), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			err := run(ctx, &stdout, &stderr, args)
			printError(&stderr, err)
			if code := exitCode(err); code != 2 || !strings.Contains(stderr.String(), c.says) || !strings.Contains(stderr.String(), "--help") {
				t.Errorf("switchwatch %s: exit %d, want 2 naming %q:\n%s", strings.Join(args, " "), code, c.says, stderr.String())
			}
		})
	}
}
