package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchwatch/switchwatch/internal/objstore"
	"github.com/switchwatch/switchwatch/internal/termtext"
	"github.com/switchwatch/switchwatch/record/store"
)

// s3Out is --out s3://bucket/prefix/ of record and import: the run is
// written to a local staging folder as to any --out DIR, and its complete
// files are uploaded from there.
type s3Out struct {
	staging string // --staging
	keep    bool   // --keep-staging
	dest    objstore.URL
	up      *objstore.Uploader

	uploaded *string // the run folder that finish uploaded whole
}

// addStagingFlag adds --staging and --keep-staging to a command with --out.
func addStagingFlag(fs *flagSet) *s3Out {
	o := &s3Out{}
	fs.StringVar(&o.staging, "staging", "", "with --out s3://BUCKET/PREFIX/: the local `DIR` that holds the run while it is recorded and uploaded (default: "+defaultStagingHint+")")
	fs.BoolVar(&o.keep, "keep-staging", false, "with --out s3://...: keep the run's local copy in the staging folder after its upload (default: removed once every file is confirmed in the bucket)")
	return o
}

const defaultStagingHint = "$XDG_CACHE_HOME/switchwatch/staging/BUCKET/PREFIX"

// stagingMarker, in a staging folder, names the destination of its runs,
// so that "switchwatch recover STAGING" uploads what it recovers. Hidden
// ("_") from Hive readers and from analyze.
const stagingMarker = "_upload.json"

// uploadedMarker, in a staged run folder, says every file of the run was
// uploaded: recover leaves such a run alone.
const uploadedMarker = "_uploaded"

// open turns --out s3://... into the local staging folder to write to,
// starts the uploader and returns the folder; any other out is returned
// as it is, and o stays inactive.
func (o *s3Out) open(ctx context.Context, fs *flagSet, out string) (string, error) {
	if !objstore.IsURL(out) {
		for _, f := range []string{"staging", "keep-staging"} {
			if fs.Changed(f) {
				return "", fs.usagef("--%s is for --out s3://BUCKET/PREFIX/ only", f)
			}
		}
		return out, nil
	}
	dest, err := objstore.ParseURL(out)
	if err != nil {
		return "", fs.usagef("--out: %v", err)
	}
	o.dest = dest.Dir()
	if o.staging == "" {
		if o.staging, err = defaultStaging(o.dest); err != nil {
			return "", fs.usagef("--out %s: %v: give --staging DIR", out, err)
		}
	}
	if err := writeStagingMarker(o.staging, o.dest); err != nil {
		return "", err
	}
	c, err := objstore.New(ctx)
	if err != nil {
		return "", err
	}
	// Uploads go on after a Ctrl-C that ended the recording: the run
	// is only useful in the bucket whole.
	o.up = c.NewUploader(context.WithoutCancel(ctx), o.staging, o.dest)
	return o.staging, nil
}

// defaultStaging is the staging folder of runs that go to u when no
// --staging is given: $XDG_CACHE_HOME/switchwatch/staging/BUCKET/PREFIX.
func defaultStaging(u objstore.URL) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for the staging copy (%v)", err)
	}
	return filepath.Join(cache, "switchwatch", "staging", u.Bucket, filepath.FromSlash(u.Key)), nil
}

// active reports whether the output goes to object storage.
func (o *s3Out) active() bool { return o != nil && o.up != nil }

// finish uploads what is left of the run folder dir (all of it after an
// import; after a recording, its last segment, events, verify.json and
// run.json) and says where the run is. Files that could not be uploaded
// are listed with the local file that holds each, and make it an error.
func (o *s3Out) finish(ctx context.Context, stdout io.Writer, dir string) error {
	if !o.active() {
		return nil
	}
	o.uploaded = nil
	failures := o.up.Finish(context.WithoutCancel(ctx), dir)
	err := reportUpload(stdout, dir, o.dest.Join(filepath.Base(dir)+"/"), o.up.Uploaded(), failures)
	if err == nil {
		o.uploaded = &dir
	}
	return err
}

// prune removes the staged copy of the run that finish uploaded whole,
// once the command is done with it (record's --check reads it), unless
// --keep-staging or keepWhy (why the copy is still wanted: a lost-write
// check not done) says otherwise. A run not all uploaded keeps its copy.
func (o *s3Out) prune(ctx context.Context, stdout io.Writer, keepWhy string) {
	if !o.active() || o.uploaded == nil {
		return
	}
	if o.keep {
		keepWhy = "--keep-staging"
	}
	pruneStaged(context.WithoutCancel(ctx), stdout, o.up, *o.uploaded, keepWhy)
}

// pruneStaged removes the staged copy dir of a run that reportUpload
// found all uploaded, once each of its files is confirmed in the bucket
// with its size, unless keepWhy gives a reason to keep it. A copy that
// cannot be confirmed stays, and the line says why: nothing is removed
// that the bucket does not hold.
func pruneStaged(ctx context.Context, stdout io.Writer, up *objstore.Uploader, dir, keepWhy string) {
	if keepWhy != "" {
		fmt.Fprintf(stdout, "the local copy stays in %s (%s)\n", dir, keepWhy)
		return
	}
	disposable := func(name string) bool { return name == store.LockFile || name == uploadedMarker }
	if err := up.Confirm(ctx, dir, disposable); err != nil {
		fmt.Fprintf(stdout, "the local copy stays in %s: not all of it is confirmed in the bucket: %v\n", dir, err)
		return
	}
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(stdout, "the local copy stays in %s: remove it: %v\n", dir, err)
		return
	}
	fmt.Fprintf(stdout, "removed the local copy %s: every file of it is in the bucket (--keep-staging keeps it)\n", dir)
}

// reportUpload prints the outcome of a run's upload and marks the run
// uploaded when all of it is.
func reportUpload(stdout io.Writer, dir string, dest objstore.URL, files int, failures []objstore.Failure) error {
	if len(failures) == 0 {
		fmt.Fprintf(stdout, "uploaded: %s (%d files)\n", dest, files)
		if err := os.WriteFile(filepath.Join(dir, uploadedMarker), nil, 0o644); err != nil {
			return fmt.Errorf("mark %s uploaded: %w", dir, err)
		}
		return nil
	}
	for _, f := range failures {
		fmt.Fprintln(stdout, "not uploaded:", f)
	}
	return fmt.Errorf("%d files of run %s not uploaded to %s, retries included; they are in %s, and \"switchwatch recover %s\" uploads them",
		len(failures), filepath.Base(dir), dest, dir, filepath.Dir(dir))
}

// writeStagingMarker creates the staging folder and records in it where
// its runs go.
func writeStagingMarker(staging string, dest objstore.URL) error {
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return fmt.Errorf("create staging folder: %w", err)
	}
	data, _ := json.Marshal(map[string]string{"destination": dest.String()})
	if err := os.WriteFile(filepath.Join(staging, stagingMarker), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s in staging folder: %w", stagingMarker, err)
	}
	return nil
}

// stagedDestination returns where the runs of the staging folder that
// holds run folder dir go, or ok false when dir is in no staging folder.
func stagedDestination(dir string) (objstore.URL, bool, error) {
	path := filepath.Join(filepath.Dir(dir), stagingMarker)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return objstore.URL{}, false, nil
	}
	if err != nil {
		return objstore.URL{}, false, err
	}
	var m struct{ Destination string }
	if err := json.Unmarshal(data, &m); err != nil {
		return objstore.URL{}, false, fmt.Errorf("%s: %w", path, err)
	}
	u, err := objstore.ParseURL(m.Destination)
	if err != nil {
		return objstore.URL{}, false, fmt.Errorf("%s: %w", path, err)
	}
	return u, true, nil
}

// uploadRecovered uploads a staged run that recover has just made whole
// (or that an earlier upload left incomplete). Runs outside a staging
// folder, and runs already uploaded, are left alone. The local copy
// stays: a run cut short had no lost-write check.
func uploadRecovered(ctx context.Context, stdout io.Writer, dir string) error {
	dest, ok, err := stagedDestination(dir)
	if err != nil || !ok {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, uploadedMarker)); err == nil {
		return nil
	}
	c, err := objstore.New(ctx)
	if err != nil {
		return err
	}
	root := filepath.Dir(dir)
	up := c.NewUploader(ctx, root, dest)
	failures := up.Finish(ctx, dir)
	if err := reportUpload(stdout, dir, dest.Join(filepath.Base(dir)+"/"), up.Uploaded(), failures); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "the local copy stays in %s (a recovered run: \"switchwatch verify\" on it checks lost writes and uploads the result; then remove it)\n", dir)
	return nil
}

// stagedCopyOf resolves the RUN_DIR or PATH argument arg of cmd (mark,
// verify, recover): a local path is itself. Those commands do not change
// object storage in place: for an s3:// path they work on the run's copy
// in the default staging folder, and upload what they write from there;
// without such a copy, they refuse, naming both places.
func stagedCopyOf(cmd, arg string) (string, error) {
	if !objstore.IsURL(arg) {
		return arg, nil
	}
	u, err := objstore.ParseURL(arg)
	if err != nil {
		return "", fmt.Errorf("%s: %w", cmd, err)
	}
	local, err := defaultStaging(u)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", cmd, u, err)
	}
	if st, err := os.Stat(local); err == nil && st.IsDir() {
		return local, nil
	}
	return "", fmt.Errorf("%s: %s is in object storage, which %s does not change in place: it works on the local copy in the staging folder and uploads what it writes, and there is none at %s (the default --staging): give the local folder of a run recorded with --staging DIR; the copy of a run all uploaded is removed unless it was recorded with --keep-staging",
		cmd, u, cmd, local)
}

// uploadRewritten uploads the files names, in this order (run.json last),
// that verify or mark has just written into the staged run folder dir, so
// that the bucket's copy of the run has them too. A run outside a staging
// folder is not in object storage; a run still being recorded is uploaded
// by its recorder when it ends; a run whose upload is not complete (a
// recorder killed) is uploaded whole by recover: those are left alone,
// and the line says so. Files that fail are named with the local file,
// and the run is no longer marked uploaded, so that recover uploads it.
func uploadRewritten(ctx context.Context, stdout io.Writer, dir string, names ...string) error {
	dest, ok, err := stagedDestination(dir)
	if err != nil || !ok {
		return err
	}
	runURL := dest.Join(filepath.Base(dir) + "/")
	if active, err := store.RunActive(dir); err != nil {
		return err
	} else if active {
		fmt.Fprintf(stdout, "not uploaded yet: the recorder uploads the run to %s when it ends\n", runURL)
		return nil
	}
	marker := filepath.Join(dir, uploadedMarker)
	if _, err := os.Stat(marker); err != nil {
		fmt.Fprintf(stdout, "not uploaded yet: the run's upload to %s is not complete; \"switchwatch recover %s\" uploads all of it\n", runURL, filepath.Dir(dir))
		return nil
	}
	c, err := objstore.New(ctx)
	if err != nil {
		return err
	}
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = filepath.Join(dir, n)
	}
	failures := c.NewUploader(ctx, filepath.Dir(dir), dest).UploadFiles(ctx, paths...)
	if len(failures) == 0 {
		fmt.Fprintf(stdout, "uploaded: %s (%s)\n", runURL, strings.Join(names, ", "))
		return nil
	}
	for _, f := range failures {
		fmt.Fprintln(stdout, "not uploaded:", f)
	}
	if err := os.Remove(marker); err != nil {
		return fmt.Errorf("%d files of run %s not uploaded to %s, and it cannot be marked so: %w", len(failures), filepath.Base(dir), runURL, err)
	}
	return fmt.Errorf("%d files of run %s not uploaded to %s, retries included; they are in %s, and \"switchwatch recover %s\" uploads them",
		len(failures), filepath.Base(dir), runURL, dir, filepath.Dir(dir))
}

// s3Inputs makes store's readers (and so analyze) read the s3:// inputs
// from object storage, when there are any, and returns the function that
// says on stderr how many range requests and bytes that took. An input is
// checked to be an s3://BUCKET/PREFIX URL here; analyze finds the runs
// below it.
func s3Inputs(ctx context.Context, stderr io.Writer, inputs []string) (func(), error) {
	var c *objstore.Client
	for _, in := range inputs {
		if !objstore.IsURL(in) {
			continue
		}
		if _, err := objstore.ParseURL(in); err != nil {
			return nil, err
		}
		if c == nil {
			var err error
			if c, err = objstore.New(ctx); err != nil {
				return nil, err
			}
			c.Progress = termtext.NewWriter(stderr) // keys are data: no terminal control in them
			c.Register(ctx)
		}
	}
	return func() {
		if c != nil {
			reqs, bytes := c.Gets()
			fmt.Fprintf(stderr, "object storage: %d range requests, %d bytes read\n", reqs, bytes)
		}
	}, nil
}
