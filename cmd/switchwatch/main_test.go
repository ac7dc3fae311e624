package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
)

// TestMain lets a test run this very binary as the switchwatch command
// (SWITCHWATCH_AS_MAIN=1), so process-level tests — signals, kill -9 — use
// the real main without a separate build step.
func TestMain(m *testing.M) {
	if os.Getenv("SWITCHWATCH_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// command returns an exec.Cmd that runs switchwatch with args.
func switchwatchCmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SWITCHWATCH_AS_MAIN=1")
	return cmd
}
