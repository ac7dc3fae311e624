package objstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/switchwatch/switchwatch/record/store"
)

// Uploader copies the complete files of run folders under a local staging
// folder to the same relative keys under a destination prefix. Each file
// is one PUT: the bucket shows an object only once all of it is there, so
// the prefix never holds a partial file. Files are uploaded from the disk
// and never removed there: a file that could not be uploaded is still in
// the staging folder, which Failures names.
type Uploader struct {
	c    *Client
	dest URL
	root string

	// Tries is how often one file is tried (default 4), each try being
	// the SDK's own retried request, with Backoff doubling between tries
	// (default 1 s).
	Tries   int
	Backoff time.Duration

	queue chan string
	done  chan struct{}

	mu       sync.Mutex
	sent     map[string]stamp // local path → what was uploaded
	finished bool             // Finish closed the queue
}

// stamp tells whether a local file changed since it was uploaded
// (run.json is rewritten at the end of a run).
type stamp struct {
	size int64
	mod  time.Time
}

// Failure is a file that could not be uploaded.
type Failure struct {
	Local string // the file in the staging folder, which still holds the data
	URL   URL    // where it should have gone
	Err   error
}

func (f Failure) String() string {
	return fmt.Sprintf("%s not uploaded (the data is in %s): %v", f.URL, f.Local, f.Err)
}

// NewUploader returns an Uploader of the files below root to dest. It
// uploads what Queue gives it in the background until Finish.
func (c *Client) NewUploader(ctx context.Context, root string, dest URL) *Uploader {
	u := &Uploader{
		c: c, dest: dest.Dir(), root: root, Tries: 4, Backoff: time.Second,
		queue: make(chan string, 1024), done: make(chan struct{}),
		sent: map[string]stamp{},
	}
	go func() {
		defer close(u.done)
		for p := range u.queue {
			u.upload(ctx, p)
		}
	}()
	return u
}

// Queue asks for the upload of the complete file at path, in the
// background. It never blocks: a file it cannot queue is uploaded by
// SyncRun, which the end of a run calls anyway (store.WriterOptions'
// OnSegment calls it under the writer's lock).
func (u *Uploader) Queue(path string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.finished {
		return
	}
	select {
	case u.queue <- path:
	default:
	}
}

// SyncRun uploads, in this order, every closed segment of the run folder
// dir not uploaded yet, then its events.jsonl, verify.json and run.json,
// so that a run's run.json in the bucket is the last of its files to
// appear. Journals and hidden files stay local: they are not complete.
// Earlier failures are tried again. It returns the files that could not
// be uploaded.
func (u *Uploader) SyncRun(ctx context.Context, dir string) []Failure {
	paths, err := runFiles(dir)
	if err != nil {
		return []Failure{{Local: dir, URL: u.urlOf(dir), Err: err}}
	}
	return u.UploadFiles(ctx, paths...)
}

// runFiles are the files of the run folder dir that belong in the bucket,
// in the order they go there: closed segments, then events.jsonl,
// verify.json and run.json, those of the three that exist.
func runFiles(dir string) ([]string, error) {
	files, err := store.ListRunFiles(dir)
	if err != nil {
		return nil, err
	}
	paths := files.Segments
	for _, name := range []string{store.EventsFile, store.VerifyFile, store.RunInfoFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			paths = append(paths, filepath.Join(dir, name))
		}
	}
	return paths, nil
}

// UploadFiles uploads the complete files at paths, in this order, each
// unless it was uploaded as it is now, and returns those that could not
// be: what verify and mark rewrite in a run already uploaded (verify.json,
// then run.json; events.jsonl).
func (u *Uploader) UploadFiles(ctx context.Context, paths ...string) []Failure {
	var failures []Failure
	for _, p := range paths {
		if err := u.upload(ctx, p); err != nil {
			failures = append(failures, Failure{Local: p, URL: u.urlOf(p), Err: err})
		}
	}
	return failures
}

// Confirm checks, with one HEAD request a file, that every file of the
// run folder dir is in the bucket with its local size, so that the local
// copy can go. A hidden file ("_" or ".": a journal, a temporary) is
// never uploaded, so it fails the check unless disposable says it holds
// no data (a lock, a marker); so does a folder.
func (u *Uploader) Confirm(ctx context.Context, dir string, disposable func(name string) bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		hidden := strings.HasPrefix(e.Name(), "_") || strings.HasPrefix(e.Name(), ".")
		switch {
		case hidden && disposable(e.Name()):
			continue
		case hidden || !e.Type().IsRegular():
			return fmt.Errorf("%s is never uploaded (a journal, a temporary or a folder)", p)
		}
		st, err := e.Info()
		if err != nil {
			return err
		}
		dst := u.urlOf(p)
		h, err := u.c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &dst.Bucket, Key: &dst.Key})
		if err != nil {
			return fmt.Errorf("%s: %w", p, pathError("confirm", dst, err))
		}
		if n := aws.ToInt64(h.ContentLength); n != st.Size() {
			return fmt.Errorf("%s holds %d bytes, its local copy %s %d", dst, n, p, st.Size())
		}
	}
	return nil
}

// Finish waits for the queued uploads, then syncs each run folder in dirs
// (SyncRun), and returns every file that is still not uploaded.
func (u *Uploader) Finish(ctx context.Context, dirs ...string) []Failure {
	u.mu.Lock()
	if !u.finished {
		u.finished = true
		close(u.queue)
	}
	u.mu.Unlock()
	<-u.done
	var failures []Failure
	for _, d := range dirs {
		failures = append(failures, u.SyncRun(ctx, d)...)
	}
	return failures
}

// urlOf is the destination of the local path p below root.
func (u *Uploader) urlOf(p string) URL {
	rel, err := filepath.Rel(u.root, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(p)
	}
	return u.dest.Join(filepath.ToSlash(rel))
}

// upload puts the file at p, unless it was uploaded as it is now, with
// Tries tries.
func (u *Uploader) upload(ctx context.Context, p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	now := stamp{size: st.Size(), mod: st.ModTime()}
	u.mu.Lock()
	done := u.sent[p] == now
	u.mu.Unlock()
	if done {
		return nil
	}
	wait := u.Backoff
	for try := 1; ; try++ {
		err = u.put(ctx, p, st.Size())
		if err == nil || try >= u.Tries || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait *= 2
	}
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sent[p] = now
	return nil
}

// put is one PUT of the file at p.
func (u *Uploader) put(ctx context.Context, p string, size int64) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	dst := u.urlOf(p)
	_, err = u.c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &dst.Bucket, Key: &dst.Key, Body: f, ContentLength: &size})
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return fmt.Errorf("upload %s to %s: %w", p, dst, err)
	}
	return nil
}

// Uploaded returns how many files have been uploaded so far.
func (u *Uploader) Uploaded() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.sent)
}
