package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func completionScript(t *testing.T, shell string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), &out, &out, []string{"completion", shell}); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestCompletionBash sources the script in bash, as a user's .bashrc
// would, and completes a few command lines with it.
func TestCompletionBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	file := filepath.Join(t.TempDir(), "switchwatch.bash")
	if err := os.WriteFile(file, []byte(completionScript(t, "bash")), 0o644); err != nil {
		t.Fatal(err)
	}
	complete := func(words ...string) string {
		t.Helper()
		script := `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _switchwatch; echo "${COMPREPLY[*]}"`
		out, err := exec.Command(bash, append([]string{"-c", script, "bash", file}, words...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", words, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	out, err := exec.Command(bash, "-c", `source "$1"; complete -p switchwatch`, "bash", file).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "complete -o default -F _switchwatch switchwatch" {
		t.Fatalf("complete -p switchwatch: %v\n%s", err, out)
	}
	for _, c := range []struct {
		words []string
		want  string
	}{
		{[]string{"switchwatch", ""}, "record mark verify recover lab analyze report import postmortem completion version help"},
		{[]string{"switchwatch", "lab", "r"}, "run"},
		{[]string{"switchwatch", "analyze", "--base"}, "--baseline --baseline-group"},
		{[]string{"switchwatch", "analyze", "testdata/runs", "--by", "scenario", "--cs"}, "--csv"},
		{[]string{"switchwatch", "lab", "run", "--scen"}, "--scenario --scenario-file"},
		{[]string{"switchwatch", "import", "pgbench", "--agg"}, "--aggregate-interval"},
		// a flag's value and an argument complete as files (nothing here)
		{[]string{"switchwatch", "analyze", "--by", ""}, ""},
		{[]string{"switchwatch", "analyze", "--runs", "--no-r"}, "--no-report --no-runs"},
	} {
		if got := complete(c.words...); got != c.want {
			t.Errorf("%q: %q, want %q", c.words, got, c.want)
		}
	}
}

// TestCompletionScripts: zsh's is bash's through bashcompinit; fish's
// has a line per command and flag, under the right command; zsh and fish
// parse them where they are installed. A shell that is not known is a
// usage error.
func TestCompletionScripts(t *testing.T) {
	zsh := completionScript(t, "zsh")
	if !strings.HasPrefix(zsh, "#compdef switchwatch\n") || !strings.Contains(zsh, "bashcompinit") || !strings.Contains(zsh, completionScript(t, "bash")) {
		t.Errorf("zsh:\n%s", zsh)
	}
	fish := completionScript(t, "fish")
	for _, want := range []string{
		"complete -c switchwatch -n '__fish_use_subcommand' -a analyze -d 'turn recorded runs into outage phases, metrics and statistics'\n",
		"complete -c switchwatch -n '__fish_seen_subcommand_from lab' -a run -d 'record runs of a scenario'\n",
		"complete -c switchwatch -n '__fish_seen_subcommand_from analyze' -l baseline-group -r -F -d ",
		"complete -c switchwatch -n '__fish_seen_subcommand_from analyze' -l out -s o -r -F -d ",
		"complete -c switchwatch -n '__fish_seen_subcommand_from analyze' -l runs -d ",
		"complete -c switchwatch -n '__fish_seen_subcommand_from lab; and __fish_seen_subcommand_from run' -l scenario -r -F -d ",
	} {
		if !strings.Contains(fish, want) {
			t.Errorf("fish lacks %q", want)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(fish), "\n") {
		if !strings.HasPrefix(line, "#") && (!strings.HasPrefix(line, "complete -c switchwatch ") || strings.Count(strings.ReplaceAll(line, `\'`, ""), "'")%2 != 0) {
			t.Errorf("fish line: %s", line)
		}
	}
	for shell, script := range map[string]string{"zsh": zsh, "fish": fish} {
		if sh, err := exec.LookPath(shell); err == nil {
			file := filepath.Join(t.TempDir(), "c")
			os.WriteFile(file, []byte(script), 0o644)
			if out, err := exec.Command(sh, "-n", file).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", shell, err, out)
			}
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		if err := run(context.Background(), &bytes.Buffer{}, &bytes.Buffer{}, args); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}
