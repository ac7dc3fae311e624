package record_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record"
)

// TestFullDiskIsAClearError fills a tiny tmpfs while recording: the run
// must stop with an error that names the path, not panic or hang.
func TestFullDiskIsAClearError(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("skipping: cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	srv := sharedServer(t)
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		_, err = record.Run(context.Background(), record.Config{
			WriteDSN: srv.DSN(), Interval: 2 * time.Millisecond, Duration: 60 * time.Second, Out: dir,
			Kinds: []string{"connect"}, Conns: []string{"pooled"}, NoVerify: true,
		})
	}()
	select {
	case <-done:
	case <-time.After(45 * time.Second):
		t.Fatal("recording onto a full disk did not stop")
	}
	if err == nil {
		t.Fatal("recording onto a full disk succeeded")
	}
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), "no space left on device") || !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q: want it to say the disk is full and name %s", err, dir)
	}
	if _, statErr := os.Stat(filepath.Join(dir)); statErr != nil {
		t.Error(statErr)
	}
}

func TestUnwritableOutIsAClearError(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, []byte("x"), 0o644)
	out := filepath.Join(blocker, "runs")
	// No server is needed: the output folder is checked before connecting.
	_, err := record.Run(context.Background(), record.Config{WriteDSN: "host=127.0.0.1 port=1", Out: out})
	if err == nil || !strings.Contains(err.Error(), out) {
		t.Fatalf("err = %v, want an error naming %s", err, out)
	}
}
