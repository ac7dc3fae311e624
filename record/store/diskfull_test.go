package store

import (
	"os/exec"
	"testing"
	"time"
)

// TestFullDiskCountsWhatWasSaved fills a tiny tmpfs through a Writer: the
// counts it reports after Close (the recorder's summary and run.json) must
// be the rows a reader finds in the folder, not the rows it was handed.
func TestFullDiskCountsWhatWasSaved(t *testing.T) {
	out := t.TempDir()
	if b, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", out).CombinedOutput(); err != nil {
		t.Skipf("skipping: cannot mount a small tmpfs to fill (needs root): %v %s", err, b)
	}
	t.Cleanup(func() { exec.Command("umount", out).Run() })
	w, err := CreateRun(out, &RunInfo{RunID: "full", Start: time.Now().UTC()},
		WriterOptions{SegmentRows: 500, FlushEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rows := sampleProbes("full", 200_000)
	accepted := 0
	for i := range rows {
		if w.Write(&rows[i]) != nil {
			break
		}
		accepted++
		if i%100 == 0 {
			time.Sleep(time.Millisecond) // let the flush loop hit the full disk too
		}
	}
	if w.Close() == nil {
		t.Fatal("writing 200,000 rows onto 96 KiB succeeded")
	}
	var counted int64
	for _, n := range w.Counts() {
		counted += n
	}
	var read int64
	if err := ReadRun(w.Dir(), func(*Probe) error { read++; return nil }, func(SkippedFile) {}); err != nil {
		t.Fatal(err)
	}
	t.Logf("accepted %d rows, counted %d, the folder holds %d", accepted, counted, read)
	if counted != read {
		t.Errorf("Counts after a full disk say %d rows, the run folder holds %d", counted, read)
	}
}
