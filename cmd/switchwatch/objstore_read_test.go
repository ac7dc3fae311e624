package main

import (
	"context"
	"net"
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
	t.Run("WarningsNameTheURL", func(t *testing.T) { testWarningsNameURLs(t, c) })
}

// testWarningsNameURLs: analyze of runs in a bucket, one of them with a
// damaged segment, another with a damaged verify.json, names each damaged
// file with its s3:// URL, never with the "s3:/" that a file path's
// cleaning makes of it; so does analyze of one run folder given as
// s3://.../run=ID/.
func testWarningsNameURLs(t *testing.T, c *objstore.Client) {
	root := copyRuns(t)
	runs, err := store.FindRuns(root)
	if err != nil || len(runs) < 3 {
		t.Fatalf("runs: %v, %v", runs, err)
	}
	segs, err := store.Segments(runs[0])
	if err != nil || len(segs) == 0 {
		t.Fatal(segs, err)
	}
	data, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(segs[0], data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(runs[1], store.VerifyFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	uploadDir(t, c, root, objstore.URL{Bucket: "runs", Key: "warn/"})
	stdout, stderr, code := invoke(t, "analyze", "s3://runs/warn/")
	t.Logf("analyze s3://runs/warn/: exit %d\n%s\n%s", code, stdout, stderr)
	all := stdout + stderr
	if m := oneSlash.FindString(all); m != "" {
		t.Errorf("analyze names a file of the bucket with %q:\n%s", m, all)
	}
	for _, local := range []string{segs[0], filepath.Join(runs[1], store.VerifyFile)} {
		rel, _ := filepath.Rel(root, local)
		want := "s3://runs/warn/" + filepath.ToSlash(rel)
		if !strings.Contains(all, want) {
			t.Errorf("analyze does not name the damaged %s:\n%s", want, all)
		}
	}
	one := "s3://runs/warn/" + filepath.Base(runs[1]) + "/"
	stdout, stderr, _ = invoke(t, "analyze", one)
	all = stdout + stderr
	if m := oneSlash.FindString(all); m != "" || !strings.Contains(all, one+store.VerifyFile) {
		t.Errorf("analyze %s does not name %s%s, or names %q:\n%s", one, one, store.VerifyFile, m, all)
	}
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
// s3:// summary with its URL, "s3://" whole; so does analyze --baseline.
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
	// analyze --baseline reads a stored summary from the bucket too.
	cmp, stderr, code := invoke(t, "analyze", "--baseline", "s3://runs/q1/summary.json", copyRuns(t))
	if code != 0 || !strings.Contains(cmp, "2 groups") || !strings.Contains(cmp, "s3://runs/q1") || oneSlash.MatchString(cmp) {
		t.Errorf("analyze --baseline s3://runs/q1/summary.json: exit %d\n%s\n%s", code, cmp, stderr)
	}
	if _, stderr, code := invoke(t, "report", "s3://runs/q1/nothing.json"); code == 0 || !strings.Contains(stderr, "s3://runs/q1/nothing.json") {
		t.Errorf("report of a missing object: exit %d, %s; want an error naming it", code, stderr)
	}
}

// oneSlash is an s3 URL that a file path's cleaning mangled: "s3:/b/k".
var oneSlash = regexp.MustCompile(`s3:/[^/]`)

// TestS3UploadFailureKeepsTheCopy: an import to object storage that is
// down (nothing listens at the endpoint) exits 1, names each file not
// uploaded with the local file that holds it, and removes nothing: the
// staged copy is whole. No server is needed; the retries' waits make it
// take about 7 s a file.
func TestS3UploadFailureKeepsTheCopy(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close()
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": down, "AWS_MAX_ATTEMPTS": "1", "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
	staging := t.TempDir()
	input := filepath.Join("..", "..", "testdata", "import", "jsonl", "basic", "requests.jsonl")
	stdout, stderr, code := invoke(t, "import", "jsonl", "--out", "s3://runs/down/", "--staging", staging, input)
	if code != 1 {
		t.Errorf("import to a server that is down: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	runs, err := store.FindRuns(staging)
	if err != nil || len(runs) != 1 {
		t.Fatalf("staged runs: %v, %v; want the one run kept", runs, err)
	}
	if strings.Contains(stdout, "removed the local copy") {
		t.Errorf("the copy of a run not uploaded was removed:\n%s", stdout)
	}
	files, err := store.Segments(runs[0])
	if err != nil || len(files) == 0 {
		t.Fatalf("segments of %s: %v, %v", runs[0], files, err)
	}
	for _, f := range append(files, filepath.Join(runs[0], store.RunInfoFile)) {
		rel, _ := filepath.Rel(staging, f)
		want := "not uploaded: s3://runs/down/" + filepath.ToSlash(rel) + " not uploaded (the data is in " + f + ")"
		if !strings.Contains(stdout, want) {
			t.Errorf("output does not say %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "switchwatch recover "+staging) {
		t.Errorf("the error does not say how to upload the rest:\n%s", stderr)
	}
}
