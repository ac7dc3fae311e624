package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAnalyzeOnAFIFOEndsWithinASecondOfSIGTERM is issue 20's must-show: a
// FIFO named like a segment, run.json or an events file made analyze block
// forever, deaf to Ctrl-C and SIGTERM. Now such a file is refused at once
// with its name (and the rest read); in any case the process is gone
// within a second of SIGTERM.
func TestAnalyzeOnAFIFOEndsWithinASecondOfSIGTERM(t *testing.T) {
	for _, name := range []string{"probes-000001.parquet", "run.json", "events.jsonl"} {
		t.Run(name, func(t *testing.T) {
			runDir := filepath.Join(t.TempDir(), "run=fifo")
			if err := os.MkdirAll(runDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if name != "probes-000001.parquet" {
				// a readable segment beside the FIFO: the rest is read
				src, err := filepath.Glob("../../testdata/runs/run=*/probes-000001.parquet")
				if err != nil || len(src) == 0 {
					t.Fatalf("no shipped segment to copy: %v", err)
				}
				data, err := os.ReadFile(src[0])
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(runDir, "probes-000001.parquet"), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			fifo := filepath.Join(runDir, name)
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Skipf("no FIFO here: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := switchwatchCmd(ctx, "analyze", "--runs", runDir)
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { cmd.Wait(); close(exited) }()
			// Refused at once, the command ends by itself; were the open
			// to block, SIGTERM must still end it within a second. The
			// wait before the signal is long enough for a test binary
			// built with -race to start on a loaded machine.
			signalled := false
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				signalled = true
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(time.Second):
					cmd.Process.Kill()
					<-exited
					t.Fatalf("analyze with a FIFO %s still ran a second after SIGTERM:\n%s", name, out.String())
				}
			}
			if !signalled && (!strings.Contains(out.String(), "not a regular file (a FIFO)") || !strings.Contains(out.String(), name)) {
				t.Errorf("analyze does not say the FIFO %s is not a regular file:\n%s", name, out.String())
			}
		})
	}
}
