package regular

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRefusesAFIFOAtOnce: a FIFO no one writes to is refused without
// blocking; a regular file opens and reads; a folder is refused.
func TestRefusesAFIFOAtOnce(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "probes-000001.parquet")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadFile(fifo); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "a FIFO") || !strings.Contains(err.Error(), fifo) {
			t.Errorf("ReadFile(FIFO) = %v, want a not-a-regular-file error naming it", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadFile of a FIFO blocked")
	}
	if _, err := Open(dir); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Open(folder) = %v", err)
	}
	file := filepath.Join(dir, "run.json")
	if err := os.WriteFile(file, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(file); err != nil || string(b) != "{}" {
		t.Errorf("ReadFile(regular) = %q, %v", b, err)
	}
}
