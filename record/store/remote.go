package store

import (
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/switchwatch/switchwatch/internal/regular"
)

// File is what the readers of this package need of an open file: an
// *os.File is one, and so is an object in object storage read with range
// requests (internal/objstore).
type File interface {
	io.Reader
	io.ReaderAt
	io.Closer
	Stat() (fs.FileInfo, error)
}

// Remote is a storage other than the local disk that run folders can be
// read from, by path: "s3://bucket/prefix/run=x/run.json". It is
// registered by the command (RegisterRemote), so that this package stays
// free of any storage SDK. The readers build paths with JoinPath, which
// keeps "s3://" whole; a Remote accepts "s3:/" too, which is what
// filepath.Join makes of it.
type Remote interface {
	Open(path string) (File, error)
	ReadDir(path string) ([]fs.DirEntry, error)
	Stat(path string) (fs.FileInfo, error)
}

var remotes struct {
	sync.RWMutex
	by map[string]Remote // by scheme
}

// RegisterRemote makes the readers of this package (segments, run.json,
// verify.json, events, the list of a run folder's files) read paths that
// start with scheme + "://" from r. Writers stay local: runs are recorded
// on disk and uploaded whole files at a time (see record's --out s3://).
func RegisterRemote(scheme string, r Remote) {
	remotes.Lock()
	defer remotes.Unlock()
	if remotes.by == nil {
		remotes.by = map[string]Remote{}
	}
	remotes.by[scheme] = r
}

// remoteFor returns the Remote that holds path, or nil for a local path.
func remoteFor(path string) Remote {
	i := strings.Index(path, ":/")
	if i <= 0 {
		return nil
	}
	remotes.RLock()
	defer remotes.RUnlock()
	return remotes.by[path[:i]]
}

// JoinPath is filepath.Join for local and remote paths: below a remote
// folder it joins with "/" and keeps the scheme's "://", which
// filepath.Join cleans to ":/" (a message would name "s3:/bucket/key").
func JoinPath(dir string, elem ...string) string {
	if remoteFor(dir) == nil {
		return filepath.Join(append([]string{dir}, elem...)...)
	}
	return CleanPath(strings.Join(append([]string{dir}, elem...), "/"))
}

// CleanPath is filepath.Clean for local and remote paths: a remote one
// is "scheme://" and the cleaned rest, without a trailing "/", whether
// it came with "://" or with the ":/" of a file path's cleaning.
func CleanPath(p string) string {
	if remoteFor(p) == nil {
		return filepath.Clean(p)
	}
	i := strings.Index(p, ":/")
	rest := path.Clean(strings.TrimLeft(p[i+1:], "/"))
	return p[:i] + "://" + strings.TrimPrefix(rest, ".")
}

// IsRemote reports whether path is read from a registered Remote.
func IsRemote(path string) bool { return remoteFor(path) != nil }

// OpenFile opens path for reading: from its Remote, or as a regular local
// file (internal/regular: a FIFO never blocks the open).
func OpenFile(path string) (File, error) {
	if r := remoteFor(path); r != nil {
		return r.Open(path)
	}
	return regular.Open(path)
}

// Stat is os.Stat for local and remote paths.
func Stat(path string) (fs.FileInfo, error) {
	if r := remoteFor(path); r != nil {
		return r.Stat(path)
	}
	return os.Stat(path)
}

// readDir is os.ReadDir for local and remote paths.
func readDir(path string) ([]fs.DirEntry, error) {
	if r := remoteFor(path); r != nil {
		return r.ReadDir(path)
	}
	return os.ReadDir(path)
}

// readFile is regular.ReadFile for local and remote paths.
func readFile(path string) ([]byte, error) {
	f, err := OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
