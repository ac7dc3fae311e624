package objstore_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/objstore"
	"github.com/switchwatch/switchwatch/internal/s3server"
	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestObjectStorage runs against one real S3-compatible server (its start
// is the slow part): a run written by store's Writer is uploaded segment
// by segment as they close, then read back from the bucket by store's own
// readers; the reading of two columns fetches a fraction of a segment;
// and an upload that cannot succeed is reported with the local file.
func TestObjectStorage(t *testing.T) {
	s3server.StartForTest(t, "runs")
	ctx := context.Background()
	c, err := objstore.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Register(ctx)
	t.Run("UploadAsSegmentsClose", func(t *testing.T) { testUploadAsSegmentsClose(t, c) })
	t.Run("RangeReadsOnlyTheColumnsAsked", func(t *testing.T) { testRangeReads(t, c) })
	t.Run("FailedUploadNamesTheLocalFile", testFailedUpload)
	t.Run("ConfirmRefusesWhatIsNotInTheBucket", func(t *testing.T) { testConfirm(t, c) })
	t.Run("ListingSaysHowItGoes", func(t *testing.T) { testListingProgress(t, c) })
}

// testListingProgress: with a Progress writer, FindRuns's listings of a
// bucket say how far they got (every page here; every 2 s by default).
func testListingProgress(t *testing.T, c *objstore.Client) {
	var buf bytes.Buffer
	c.Progress, c.ProgressEvery = &buf, -1
	defer func() { c.Progress, c.ProgressEvery = nil, 0 }() // the default is timed: not asserted here
	runs, err := store.FindRuns("s3://runs/")
	if err != nil || len(runs) == 0 {
		t.Fatalf("FindRuns(s3://runs/) = %v, %v", runs, err)
	}
	if !strings.Contains(buf.String(), "object storage: listing s3://runs/") || !strings.Contains(buf.String(), "entries so far") {
		t.Errorf("no progress line from the listing of s3://runs/:\n%s", buf.String())
	}
}

// testConfirm: a run all uploaded is confirmed; a journal, a file the
// bucket lacks and a file whose bucket copy differs in size each make
// Confirm refuse, naming the file, so that no local copy of data the
// bucket does not hold is removed.
func testConfirm(t *testing.T, c *objstore.Client) {
	ctx := context.Background()
	staging := t.TempDir()
	dir, _, err := (&synth.Run{ID: "confirm", Phases: []synth.Phase{{State: synth.Healthy, Duration: 5 * time.Second}}}).Write(staging, synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	up := c.NewUploader(ctx, staging, objstore.URL{Bucket: "runs", Key: "confirm/"})
	if f := up.Finish(ctx, dir); len(f) > 0 {
		t.Fatalf("upload failures: %v", f)
	}
	lockOnly := func(name string) bool { return name == store.LockFile }
	if err := up.Confirm(ctx, dir, lockOnly); err != nil {
		t.Fatalf("a run all uploaded is not confirmed: %v", err)
	}
	segs, err := store.Segments(dir)
	if err != nil || len(segs) == 0 {
		t.Fatal(segs, err)
	}
	for _, c := range []struct {
		what string
		path string
		data []byte
	}{
		{"a journal", filepath.Join(dir, store.JournalName(99)), []byte("{}\n")},
		{"a file not uploaded", filepath.Join(dir, "notes.txt"), []byte("x")},
		{"a file that changed", segs[0], []byte("longer than the segment was: " + strings.Repeat("x", 100_000))},
	} {
		old, readErr := os.ReadFile(c.path)
		if err := os.WriteFile(c.path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		err := up.Confirm(ctx, dir, lockOnly)
		if err == nil || !strings.Contains(err.Error(), c.path) {
			t.Errorf("Confirm with %s: %v; want an error naming %s", c.what, err, c.path)
		}
		if readErr == nil {
			err = os.WriteFile(c.path, old, 0o644)
		} else {
			err = os.Remove(c.path)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := up.Confirm(ctx, dir, lockOnly); err != nil {
		t.Errorf("the run restored is not confirmed: %v", err)
	}
}

func testUploadAsSegmentsClose(t *testing.T, c *objstore.Client) {
	ctx := context.Background()
	staging := t.TempDir()
	dest := objstore.URL{Bucket: "runs", Key: "fleet/zone-a/"}
	up := c.NewUploader(ctx, staging, dest)
	info := &store.RunInfo{RunID: "up1", Tool: "test", Start: time.Now().UTC(), Labels: map[string]string{"zone": "a"}}
	w, err := store.CreateRun(staging, info, store.WriterOptions{SegmentRows: 100, OnSegment: up.Queue})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := (&synth.Run{ID: "up1", Phases: []synth.Phase{{State: synth.Healthy, Duration: 30 * time.Second}}}).Probes()
	for i := range rows {
		if err := w.Write(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	// Segments closed while the run goes on are in the bucket before
	// the run ends (the queue is worked in the background).
	runURL := dest.Join("run=up1/").String()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if files, err := store.ListRunFiles(runURL); err == nil && len(files.Segments) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no closed segment in %s 30 s after it closed", runURL)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := store.ReadRunInfo(runURL); err == nil {
		t.Errorf("run.json is in the bucket before the run ended: it must come last")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(staging, store.RunDirName("up1"))
	if f := up.Finish(ctx, dir); len(f) > 0 {
		t.Fatalf("upload failures: %v", f)
	}

	runs, err := store.FindRuns("s3://runs/fleet/")
	if err != nil || len(runs) != 1 || store.RunIDFromDir(runs[0]) != "up1" {
		t.Fatalf("FindRuns(s3://runs/fleet/) = %v, %v; want the one run", runs, err)
	}
	got, err := store.ReadRunInfo(runs[0])
	if err != nil || got.Labels["zone"] != "a" {
		t.Fatalf("run.json from the bucket: %+v, %v", got, err)
	}
	local, remote := readAll(t, dir), readAll(t, runs[0])
	if len(local) != len(rows) || !reflect.DeepEqual(local, remote) {
		t.Errorf("the bucket's run has %d rows, the local one %d (of %d written), or they differ", len(remote), len(local), len(rows))
	}
	// Only complete files: no journal, no temporary, no lock.
	entries, err := objstore.Remote{C: c, Ctx: ctx}.ReadDir(runURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "_") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("hidden file %s uploaded", e.Name())
		}
	}
}

func readAll(t *testing.T, dir string) []store.Probe {
	t.Helper()
	var rows []store.Probe
	err := store.ReadRun(dir, func(p *store.Probe) error { rows = append(rows, p.Clone()); return nil },
		func(s store.SkippedFile) { t.Errorf("%s skipped: %s", s.Path, s.Reason) })
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// testRangeReads reads a segment of 100,000 rows from the bucket twice
// through store's ProbeReader: two columns, then all of them, counting
// the GETs and their bytes. Projection must show: the two columns cost a
// small part of what all cost, which is about the file.
func testRangeReads(t *testing.T, c *objstore.Client) {
	ctx := context.Background()
	staging := t.TempDir()
	run := &synth.Run{ID: "big", Conns: []string{"new", "pooled"}, Interval: 10 * time.Millisecond,
		Phases: []synth.Phase{{State: synth.Healthy, Duration: 200 * time.Second}, {State: synth.Unavailable, Duration: 10 * time.Second}, {State: synth.Healthy, Duration: 40 * time.Second}}}
	dir, _, err := run.Write(staging, synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	up := c.NewUploader(ctx, staging, objstore.URL{Bucket: "runs", Key: "big/"})
	if f := up.Finish(ctx, dir); len(f) > 0 {
		t.Fatalf("upload failures: %v", f)
	}
	segs, err := store.Segments(dir)
	if err != nil || len(segs) == 0 {
		t.Fatal(segs, err)
	}
	st, err := os.Stat(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	remote := "s3://runs/big/run=big/" + filepath.Base(segs[0])
	read := func(cols []string) (rows, reqs, bytes int64) {
		r0, b0 := c.Gets()
		r := store.NewProbeReader(remote, store.ReadOptions{Columns: cols})
		defer r.Close()
		for r.NextBatch() {
			rows += int64(r.Batch().Len)
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		r1, b1 := c.Gets()
		return rows, r1 - r0, b1 - b0
	}
	nTwo, reqTwo, bytesTwo := read([]string{store.ColKind, store.ColIntended})
	nAll, reqAll, bytesAll := read(nil)
	t.Logf("segment of %d bytes, %d rows: 2 columns took %d GETs, %d bytes (%.1f %%); all columns %d GETs, %d bytes",
		st.Size(), nAll, reqTwo, bytesTwo, 100*float64(bytesTwo)/float64(st.Size()), reqAll, bytesAll)
	if nTwo != nAll || nAll < 50_000 {
		t.Fatalf("read %d rows with two columns, %d with all: want the same, and a segment of tens of thousands", nTwo, nAll)
	}
	if bytesAll < st.Size()/2 {
		t.Errorf("all columns fetched %d bytes of a %d-byte file: the counts miss reads", bytesAll, st.Size())
	}
	if bytesTwo*3 > bytesAll {
		t.Errorf("two columns fetched %d bytes, all columns %d: no projection (want under a third)", bytesTwo, bytesAll)
	}
}

// testFailedUpload uploads to an endpoint where nothing listens (a server
// that is down): every file fails, each named with its local copy.
func testFailedUpload(t *testing.T) {
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close()
	t.Setenv("AWS_ENDPOINT_URL", down)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	c, err := objstore.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	staging := t.TempDir()
	dir, _, err := (&synth.Run{ID: "nobucket", Phases: []synth.Phase{{State: synth.Healthy, Duration: 2 * time.Second}}}).Write(staging, synth.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	up := c.NewUploader(ctx, staging, objstore.URL{Bucket: "runs", Key: "x/"})
	up.Tries, up.Backoff = 2, 10*time.Millisecond
	failures := up.Finish(ctx, dir)
	if len(failures) == 0 {
		t.Fatal("uploads to a server that is down reported no failure")
	}
	var sawRunInfo bool
	for _, f := range failures {
		if _, err := os.Stat(f.Local); err != nil {
			t.Errorf("failure names %s, which is not there: %v", f.Local, err)
		}
		if secret := os.Getenv("AWS_SECRET_ACCESS_KEY"); secret == "" || strings.Contains(f.String(), secret) {
			t.Errorf("failure %q names the secret access key (or the test has none: %q)", f, secret)
		}
		if !strings.Contains(f.String(), f.Local) || !strings.Contains(f.String(), "s3://runs/x/run=nobucket/") {
			t.Errorf("failure %q does not name the local file and the destination", f)
		}
		sawRunInfo = sawRunInfo || filepath.Base(f.Local) == store.RunInfoFile
	}
	if !sawRunInfo {
		t.Errorf("run.json not among the failures %v", failures)
	}
}
