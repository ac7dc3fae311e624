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

	"github.com/switchwatch/switchwatch/internal/objstore"
)

// s3Out is --out s3://bucket/prefix/ of record and import: the run is
// written to a local staging folder as to any --out DIR, and its complete
// files are uploaded from there.
type s3Out struct {
	staging string // --staging
	dest    objstore.URL
	up      *objstore.Uploader
}

// addStagingFlag adds --staging to a command with --out.
func addStagingFlag(fs *flagSet) *s3Out {
	o := &s3Out{}
	fs.StringVar(&o.staging, "staging", "", "with --out s3://BUCKET/PREFIX/: the local `DIR` that holds the run while it is recorded and keeps it after (default: "+defaultStagingHint+")")
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
		if fs.Changed("staging") {
			return "", fs.usagef("--staging is for --out s3://BUCKET/PREFIX/ only")
		}
		return out, nil
	}
	dest, err := objstore.ParseURL(out)
	if err != nil {
		return "", fs.usagef("--out: %v", err)
	}
	o.dest = dest.Dir()
	if o.staging == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fs.usagef("--out %s: no cache folder for the staging copy (%v): give --staging DIR", out, err)
		}
		o.staging = filepath.Join(cache, "switchwatch", "staging", o.dest.Bucket, filepath.FromSlash(o.dest.Key))
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
	failures := o.up.Finish(context.WithoutCancel(ctx), dir)
	return reportUpload(stdout, dir, o.dest.Join(filepath.Base(dir)+"/"), o.up.Uploaded(), failures)
}

// reportUpload prints the outcome of a run's upload and marks the run
// uploaded when all of it is.
func reportUpload(stdout io.Writer, dir string, dest objstore.URL, files int, failures []objstore.Failure) error {
	if len(failures) == 0 {
		fmt.Fprintf(stdout, "uploaded: %s (%d files; the local copy stays in %s)\n", dest, files, dir)
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
// folder, and runs already uploaded, are left alone.
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
	return reportUpload(stdout, dir, dest.Join(filepath.Base(dir)+"/"), up.Uploaded(), failures)
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
