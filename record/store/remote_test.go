package store

import (
	"io/fs"
	"testing"
)

// noRemote is a Remote that holds nothing: JoinPath and CleanPath only
// need a scheme to be registered.
type noRemote struct{}

func (noRemote) Open(string) (File, error)             { return nil, fs.ErrNotExist }
func (noRemote) ReadDir(string) ([]fs.DirEntry, error) { return nil, fs.ErrNotExist }
func (noRemote) Stat(string) (fs.FileInfo, error)      { return nil, fs.ErrNotExist }

// TestJoinAndCleanRemotePaths: a remote path keeps its "://" where
// filepath.Join and Clean would leave "s3:/", which is what messages
// named damaged files with; local paths are joined and cleaned as ever.
func TestJoinAndCleanRemotePaths(t *testing.T) {
	RegisterRemote("pathtest", noRemote{})
	for _, c := range []struct{ got, want string }{
		{JoinPath("pathtest://b/p/run=x", RunInfoFile), "pathtest://b/p/run=x/run.json"},
		{JoinPath("pathtest://b/p/run=x/", "probes-000001.parquet"), "pathtest://b/p/run=x/probes-000001.parquet"},
		{JoinPath("pathtest:/b/p", "run=x", VerifyFile), "pathtest://b/p/run=x/verify.json"},
		{CleanPath("pathtest://b/p/run=x/"), "pathtest://b/p/run=x"},
		{CleanPath("pathtest:/b/p/../q"), "pathtest://b/q"},
		{CleanPath("pathtest://b"), "pathtest://b"},
		{JoinPath("runs/run=x/", RunInfoFile), "runs/run=x/run.json"},
		{CleanPath("runs//run=x/"), "runs/run=x"},
		{JoinPath("unregistered://b/k", "f"), "unregistered:/b/k/f"}, // not a Remote: a local path
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
