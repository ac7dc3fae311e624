package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/switchwatch/switchwatch/internal/objstore"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/internal/s3server"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestS3RecordKillRecoverAnalyze is issue 23's must-show, against a real
// PostgreSQL and a real S3-compatible server (SeaweedFS): record to
// s3://, see closed segments reach the bucket while the run goes on,
// kill -9 the recorder, recover its staging folder (which uploads the
// rest), then analyze the run from s3:// and from the local copy: the
// same numbers.
func TestS3RecordKillRecoverAnalyze(t *testing.T) {
	pg := pgserver.StartForTest(t, pgserver.Options{Password: "s3-test-pw"})
	s3server.StartForTest(t, "runs") // sets AWS_ENDPOINT_URL and the keys for the children too
	ctx := context.Background()
	c, err := objstore.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Register(ctx)
	staging := t.TempDir()
	cmd := switchwatchCmd(ctx, "record", "--write-dsn", pg.DSN(), "--out", "s3://runs/fleet/", "--staging", staging,
		"--interval", "200ms", "--conn", "pooled", "--probes", "write,read", "--segment-every", "1s",
		"--label", "zone=a", "--quiet", "--run-id", "s3kill")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	remoteRun := "s3://runs/fleet/run=s3kill"
	waitForRemoteSegments(t, remoteRun, 2, &stderr)
	waitForJournalRows(t, filepath.Join(staging, "run=s3kill"), 2) // rows no segment holds yet
	// A mark while the run is recorded stays local until the run's last
	// files go (here: recover's upload).
	out, err := switchwatchCmd(ctx, "mark", filepath.Join(staging, "run=s3kill"), "mid-run").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "the recorder uploads the run to s3://runs/fleet/run=s3kill/ when it ends") {
		t.Errorf("mark during an s3:// recording: %v\n%s", err, out)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	// What the bucket holds after the kill: complete segments only, and
	// no run.json (it goes last).
	files, err := store.ListRunFiles(remoteRun)
	if err != nil {
		t.Fatal(err)
	}
	if len(files.Journals)+len(files.Superseded) > 0 {
		t.Errorf("journals uploaded: %v %v", files.Journals, files.Superseded)
	}
	if _, err := store.Stat(remoteRun + "/" + store.RunInfoFile); err == nil {
		t.Errorf("run.json in the bucket before the run was complete")
	}
	before := countRows(t, remoteRun)

	out, err = switchwatchCmd(ctx, "recover", staging).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "uploaded: s3://runs/fleet/run=s3kill/") {
		t.Fatalf("recover: %v\n%s", err, out)
	}
	t.Logf("recover:\n%s", out)
	local := filepath.Join(staging, "run=s3kill")
	after, localRows := countRows(t, remoteRun), countRows(t, local)
	if after != localRows || after <= before {
		t.Errorf("rows in the bucket: %d before recover, %d after; the local copy has %d", before, after, localRows)
	}
	info, err := store.ReadRunInfo(remoteRun)
	if err != nil || !info.Interrupted || info.End == nil {
		t.Errorf("run.json in the bucket after recover: %+v, %v; want it marked interrupted", info, err)
	}
	if !remoteHasMark(t, remoteRun+"/"+store.EventsFile, "mid-run") {
		t.Errorf("the mark made during the recording is not in the bucket's events.jsonl")
	}

	fromS3, s3Err := analyzeJSON(t, "s3://runs/fleet/")
	fromDisk, _ := analyzeJSON(t, staging)
	if !reflect.DeepEqual(fromS3, fromDisk) {
		a, _ := json.MarshalIndent(fromS3, "", " ")
		b, _ := json.MarshalIndent(fromDisk, "", " ")
		t.Errorf("analyze from s3:// and from the local copy differ:\ns3:\n%s\nlocal:\n%s", a, b)
	}
	if !strings.Contains(s3Err, "range requests") {
		t.Errorf("analyze from s3:// did not say how much it read: %s", s3Err)
	}
	t.Logf("%d rows; analyze from s3: %s", after, strings.TrimSpace(s3Err))

	// import --out s3:// (the same server): the whole run is uploaded,
	// then its staged copy removed; the same import to a local folder
	// has the same rows.
	impStaging := t.TempDir()
	input := filepath.Join("..", "..", "testdata", "import", "jsonl", "basic", "requests.jsonl")
	out, err = switchwatchCmd(ctx, "import", "jsonl", "--out", "s3://runs/imported/", "--staging", impStaging, input).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "uploaded: s3://runs/imported/run=") {
		t.Fatalf("import --out s3://: %v\n%s", err, out)
	}
	runs, err := store.FindRuns("s3://runs/imported/")
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs under s3://runs/imported/: %v, %v", runs, err)
	}
	if staged, _ := store.FindRuns(impStaging); len(staged) > 0 {
		t.Errorf("the staged copy %v is still there after the import's upload", staged)
	}
	localOut := t.TempDir()
	if out, err := switchwatchCmd(ctx, "import", "jsonl", "--out", localOut, input).CombinedOutput(); err != nil {
		t.Fatalf("import --out DIR: %v\n%s", err, out)
	}
	imported, err := store.FindRuns(localOut)
	if err != nil || len(imported) != 1 {
		t.Fatalf("runs under %s: %v, %v", localOut, imported, err)
	}
	if n, m := countRows(t, runs[0]), countRows(t, imported[0]); n != m || n == 0 {
		t.Errorf("imported run: %d rows in the bucket, %d in the same import to a local folder", n, m)
	}
}

// waitForRemoteSegments waits until the bucket has n segments of the run.
func waitForRemoteSegments(t *testing.T, run string, n int, log *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if files, err := store.ListRunFiles(run); err == nil && len(files.Segments) >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s has not %d segments after 60 s; recorder's output:\n%s", run, n, log)
}

// waitForJournalRows waits until the open journal of the local run dir
// holds n rows.
func waitForJournalRows(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if files, err := store.ListRunFiles(dir); err == nil && len(files.Journals) > 0 {
			if rows, _, _ := store.ReadJournal(files.Journals[len(files.Journals)-1]); len(rows) >= n {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the open journal of %s never held %d rows", dir, n)
}

func countRows(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := store.ReadRun(dir, func(*store.Probe) error { n++; return nil }, func(s store.SkippedFile) {
		t.Errorf("%s skipped: %s", s.Path, s.Reason)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// analyzeJSON runs analyze --json on path, grouped by the run's label (so
// that the group does not name the path), and returns the JSON without
// the fields that name the files it read, and analyze's stderr.
func analyzeJSON(t *testing.T, path string) (any, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "a.json")
	cmd := switchwatchCmd(context.Background(), "analyze", "--by", "zone", "--runs", "--json", file, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		t.Fatalf("analyze %s: %v\n%s%s", path, err, out, stderr.String())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return dropPaths(v), stderr.String()
}

// dropPaths removes the keys that name where a run was read from, and
// the time of the analysis.
func dropPaths(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "path" || k == "paths" || k == "dir" || k == "generated_at" {
				delete(x, k)
				continue
			}
			x[k] = dropPaths(e)
		}
	case []any:
		for i := range x {
			x[i] = dropPaths(x[i])
		}
	}
	return v
}

// TestS3StagingVerifyMark, against a real PostgreSQL and a real
// S3-compatible server: a run recorded to s3:// has its verify.json and
// run.json in the bucket and loses its local copy once all of it is
// confirmed there; with --keep-staging the copy stays, and mark and
// verify given the run's s3:// URL work on that copy and upload what they
// write; without a copy they refuse, naming the URL and the local path.
func TestS3StagingVerifyMark(t *testing.T) {
	pg := pgserver.StartForTest(t, pgserver.Options{Password: "s3-staging-pw"})
	srv := s3server.StartForTest(t, "runs")
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the default staging folder, for the children
	ctx := context.Background()
	c, err := objstore.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Register(ctx)
	stagingRoot, err := defaultStaging(objstore.URL{Bucket: "runs", Key: "v/"})
	if err != nil {
		t.Fatal(err)
	}
	record := func(id string, extra ...string) string {
		args := append([]string{"record", "--write-dsn", pg.DSN(), "--out", "s3://runs/v/", "--interval", "200ms",
			"--conn", "pooled", "--probes", "write", "--duration", "2s", "--quiet", "--run-id", id}, extra...)
		out, err := switchwatchCmd(ctx, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("record %s: %v\n%s", id, err, out)
		}
		return string(out)
	}

	// Default: uploaded, verify.json included, and the local copy gone,
	// after --check has read it.
	out := record("gone", "--check", "lost_writes==0")
	t.Logf("record:\n%s", out)
	local := filepath.Join(stagingRoot, "run=gone")
	if !strings.Contains(out, "uploaded: s3://runs/v/run=gone/") || !strings.Contains(out, "removed the local copy "+local) {
		t.Errorf("record's output does not say the run was uploaded and its copy removed:\n%s", out)
	}
	if _, err := os.Stat(local); err == nil {
		t.Errorf("%s is still there after a run all uploaded", local)
	}
	if !strings.Contains(out, "checks: 1 passed") || strings.Index(out, "checks: 1 passed") > strings.Index(out, "removed the local copy") {
		t.Errorf("record's --check did not run before the local copy was removed:\n%s", out)
	}
	v, err := store.ReadVerify("s3://runs/v/run=gone")
	if err != nil || v.RunID != "gone" {
		t.Errorf("verify.json in the bucket: %+v, %v", v, err)
	}
	if info, err := store.ReadRunInfo("s3://runs/v/run=gone"); err != nil || info.Verify != "" {
		t.Errorf("run.json in the bucket: %+v, %v", info, err)
	}
	out2, err := switchwatchCmd(ctx, "mark", "s3://runs/v/run=gone", "too late").CombinedOutput()
	t.Logf("mark without a copy:\n%s", out2)
	if err == nil || !strings.Contains(string(out2), "s3://runs/v/run=gone") || !strings.Contains(string(out2), local) {
		t.Errorf("mark on an s3:// run without a local copy: %v\n%s\nwant a refusal naming the URL and %s", err, out2, local)
	}

	// --keep-staging: the copy stays, and mark and verify upload from it.
	out = record("kept", "--keep-staging")
	local = filepath.Join(stagingRoot, "run=kept")
	if !strings.Contains(out, "the local copy stays in "+local+" (--keep-staging)") {
		t.Errorf("record --keep-staging does not say it kept %s:\n%s", local, out)
	}
	out2, err = switchwatchCmd(ctx, "mark", "s3://runs/v/run=kept", "after the run").CombinedOutput()
	if err != nil || !strings.Contains(string(out2), "uploaded: s3://runs/v/run=kept/ (events.jsonl)") {
		t.Fatalf("mark s3://runs/v/run=kept: %v\n%s", err, out2)
	}
	if !remoteHasMark(t, "s3://runs/v/run=kept/"+store.EventsFile, "after the run") {
		t.Errorf("the bucket's events.jsonl has no mark \"after the run\"")
	}
	// verify uploads verify.json and run.json anew: take them out first.
	for _, k := range []string{"v/run=kept/verify.json", "v/run=kept/run.json"} {
		if _, err := srv.Client().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("runs"), Key: aws.String(k)}); err != nil {
			t.Fatal(err)
		}
	}
	out2, err = switchwatchCmd(ctx, "verify", "--write-dsn", pg.DSN(), "s3://runs/v/run=kept").CombinedOutput()
	if err != nil || !strings.Contains(string(out2), "uploaded: s3://runs/v/run=kept/ (verify.json, run.json)") {
		t.Fatalf("verify s3://runs/v/run=kept: %v\n%s", err, out2)
	}
	if _, err := store.ReadVerify("s3://runs/v/run=kept"); err != nil {
		t.Errorf("verify.json not back in the bucket: %v", err)
	}
	if _, err := store.ReadRunInfo("s3://runs/v/run=kept"); err != nil {
		t.Errorf("run.json not back in the bucket: %v", err)
	}

	said := out + string(out2)

	// recover of a prefix without a local copy refuses, naming both.
	out2, err = switchwatchCmd(ctx, "recover", "s3://runs/elsewhere/").CombinedOutput()
	if err == nil || !strings.Contains(string(out2), "s3://runs/elsewhere/") || !strings.Contains(string(out2), filepath.Join("staging", "runs", "elsewhere")) {
		t.Errorf("recover s3://runs/elsewhere/: %v\n%s\nwant a refusal naming the URL and the staging path", err, out2)
	}
	noSecret(t, srv.SecretKey, said+string(out2), local, "s3://runs/v/run=gone", "s3://runs/v/run=kept")
}

// noSecret fails t when secret is in text, or in a file of one of the
// run folders dirs (local or in the bucket): the credentials come from
// the environment and must reach no output, run.json's settings least.
func noSecret(t *testing.T, secret, text string, dirs ...string) {
	t.Helper()
	if strings.Contains(text, secret) {
		t.Errorf("the secret access key is in the commands' output")
	}
	files := 0
	for _, dir := range dirs {
		entries, err := objstoreOrLocalDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range entries {
			f, err := store.OpenFile(store.JoinPath(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			files++
			if strings.Contains(string(data), secret) {
				t.Errorf("the secret access key is in %s", store.JoinPath(dir, name))
			}
		}
	}
	if files < 6 {
		t.Errorf("looked for the secret in %d files only", files)
	}
}

// objstoreOrLocalDir lists the files of the run folder dir, local or in
// the bucket, through store (which lists both).
func objstoreOrLocalDir(dir string) ([]string, error) {
	var names []string
	files, err := store.ListRunFiles(dir)
	if err != nil {
		return nil, err
	}
	for _, s := range files.Segments {
		names = append(names, filepath.Base(s))
	}
	for _, n := range []string{store.RunInfoFile, store.VerifyFile, store.EventsFile} {
		if _, err := store.Stat(store.JoinPath(dir, n)); err == nil {
			names = append(names, n)
		}
	}
	return names, nil
}

// remoteHasMark reports whether the events file at path has a user event
// named label.
func remoteHasMark(t *testing.T, path, label string) bool {
	t.Helper()
	f, err := store.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(data), label)
}
