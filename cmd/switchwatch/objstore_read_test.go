package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/internal/objstore"
	"github.com/switchwatch/switchwatch/internal/s3server"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestS3Reading reads from a real S3-compatible server what analyze and
// report read from a disk (one server for both: its start is the slow
// part).
func TestS3Reading(t *testing.T) {
	s3server.StartForTest(t, "runs")
	ctx := context.Background()
	c, err := objstore.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ReportReadsASummary", func(t *testing.T) { testReportFromS3(t, c) })
}

// uploadDir uploads the run folders below the local folder root to dest,
// as record --out s3:// would.
func uploadDir(t *testing.T, c *objstore.Client, root string, dest objstore.URL) {
	t.Helper()
	ctx := context.Background()
	runs, err := store.FindRuns(root)
	if err != nil || len(runs) == 0 {
		t.Fatalf("runs under %s: %v, %v", root, runs, err)
	}
	if f := c.NewUploader(ctx, root, dest).Finish(ctx, runs...); len(f) > 0 {
		t.Fatalf("upload: %v", f)
	}
}

// testReportFromS3: report given a summary.json in a bucket prints what
// it prints given the same file on disk, and names the group of an
// s3:// summary with its URL, "s3://" whole.
func testReportFromS3(t *testing.T, c *objstore.Client) {
	out := filepath.Join(t.TempDir(), "out")
	if _, stderr, code := invoke(t, "analyze", "--by", "scenario", "-o", out, copyRuns(t)); code != 0 {
		t.Fatalf("analyze -o: exit %d\n%s", code, stderr)
	}
	// summary.json is a file beside the run folders: upload it alone.
	up := c.NewUploader(context.Background(), out, objstore.URL{Bucket: "runs", Key: "q1/"})
	if f := up.UploadFiles(context.Background(), filepath.Join(out, "summary.json")); len(f) > 0 {
		t.Fatalf("upload summary.json: %v", f)
	}
	want, stderr, code := invoke(t, "report", filepath.Join(out, "summary.json"))
	if code != 0 {
		t.Fatalf("report of the local summary: exit %d\n%s", code, stderr)
	}
	got, stderr, code := invoke(t, "report", "s3://runs/q1/summary.json")
	if code != 0 {
		t.Fatalf("report s3://runs/q1/summary.json: exit %d\n%s", code, stderr)
	}
	if got != want || len(got) == 0 {
		t.Errorf("report of the summary in the bucket differs from the same file's on disk:\n%s\n---\n%s", got, want)
	}
	if !strings.Contains(stderr, "range requests") {
		t.Errorf("report from s3:// did not say how much it read: %s", stderr)
	}
	two, stderr, code := invoke(t, "report", "s3://runs/q1/summary.json", filepath.Join(out, "summary.json"))
	if code != 0 {
		t.Fatalf("report of two summaries: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(two, "s3://runs/q1") || oneSlash.MatchString(two) {
		t.Errorf("the bucket's summary is not named s3://runs/q1 in the comparison:\n%s", two)
	}
	if _, stderr, code := invoke(t, "report", "s3://runs/q1/nothing.json"); code == 0 || !strings.Contains(stderr, "s3://runs/q1/nothing.json") {
		t.Errorf("report of a missing object: exit %d, %s; want an error naming it", code, stderr)
	}
}

// oneSlash is an s3 URL that a file path's cleaning mangled: "s3:/b/k".
var oneSlash = regexp.MustCompile(`s3:/[^/]`)

var _ = os.Stat
