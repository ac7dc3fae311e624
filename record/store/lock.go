package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// ErrRunActive is returned by Recover on a run that a live writer holds.
var ErrRunActive = errors.New("run is being recorded by a live process")

// LockFile is the name of a run folder's lock file: it holds no data, so
// a copy of the run that lacks it lacks nothing.
const LockFile = "_lock"

const lockFile = LockFile

// lockRun takes the run folder's exclusive lock without waiting. The kernel
// drops it when the process dies, so a crashed recorder never leaves a run
// locked, while a live one keeps Recover away from the journal it is writing.
func lockRun(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock run folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", dir, ErrRunActive)
		}
		return nil, fmt.Errorf("lock run folder %s: %w", dir, err)
	}
	return f, nil
}

// unlockRun releases the lock. The lock file stays: removing it would race
// with another process locking it.
func unlockRun(f *os.File) {
	if f != nil {
		f.Close()
	}
}

// RunActive reports whether a live process holds run folder dir (records
// into it, or recovers it) right now.
func RunActive(dir string) (bool, error) {
	f, err := lockRun(dir)
	if errors.Is(err, ErrRunActive) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	unlockRun(f)
	return false, nil
}

// LockDir takes the lock a run folder's writer takes, on any folder (an
// import's hidden folder): held until unlock is called or the process
// dies, so a folder whose lock can be taken belongs to no live process.
// It fails with ErrRunActive when a live process holds it.
func LockDir(dir string) (unlock func(), err error) {
	f, err := lockRun(dir)
	if err != nil {
		return nil, err
	}
	return func() { unlockRun(f) }, nil
}
