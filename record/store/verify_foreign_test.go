package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyOfAnotherRunIsRefused: a verify.json that names another run
// (copied between folders) is an error naming both runs, never verdicts
// lent to this one; one that names its own run reads.
func TestVerifyOfAnotherRunIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), RunDirName("mine"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(id string) {
		if err := os.WriteFile(filepath.Join(dir, VerifyFile), []byte(`{"run_id":"`+id+`","acknowledged_missing":7}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("theirs")
	v, err := ReadVerify(dir)
	if v != nil || err == nil || !strings.Contains(err.Error(), `run "theirs", not of run "mine"`) {
		t.Fatalf("ReadVerify of another run's file = %+v, %v", v, err)
	}
	write("mine")
	if v, err := ReadVerify(dir); err != nil || v == nil || v.AcknowledgedMissing != 7 {
		t.Fatalf("ReadVerify of the run's own file = %+v, %v", v, err)
	}
}
