package pgserver

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// RunAsUser is the operating-system user the server programs run as when
// this process is root (PostgreSQL refuses to run as root).
const RunAsUser = "postgres"

// runAs is who the server programs run as: nil means this process's user.
type runAs struct {
	uid, gid uint32
	name     string
}

// lookupRunAs returns the user to run server programs as, or nil when the
// process is not root and runs them itself.
func lookupRunAs() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(RunAsUser)
	if err != nil {
		return nil, fmt.Errorf("running as root, which PostgreSQL refuses, and cannot find the %q user to run it as: %w", RunAsUser, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: uid %q: %w", RunAsUser, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: gid %q: %w", RunAsUser, u.Gid, err)
	}
	return &runAs{uid: uint32(uid), gid: uint32(gid), name: u.Username}, nil
}

// command builds an exec.Cmd that runs as r (when set), in dir, with a
// minimal, predictable environment (C locale; no PG* variables of ours
// leaking into initdb or pg_basebackup).
func (r *runAs) command(dir, prog string, args ...string) *exec.Cmd {
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C", "TZ=UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if r != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: r.uid, Gid: r.gid}
		cmd.Env = append(cmd.Env, "HOME="+dir, "USER="+r.name)
	}
	return cmd
}

// chown gives path to r (no-op when r is nil).
func (r *runAs) chown(path string) error {
	if r == nil {
		return nil
	}
	if err := os.Chown(path, int(r.uid), int(r.gid)); err != nil {
		return fmt.Errorf("give %s to user %s: %w", path, r.name, err)
	}
	return nil
}

// MakeWorkDir creates a fresh directory under parent (os.TempDir() when
// empty) that the server programs can use: owned by the user they run as,
// with every ancestor traversable by that user. Lab and tests create their
// own work directory with it and put servers' directories inside.
func MakeWorkDir(parent, pattern string) (string, error) {
	r, err := lookupRunAs()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(parent, pattern)
	if err != nil {
		return "", fmt.Errorf("create work directory: %w", err)
	}
	if err := r.prepareDir(dir); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// prepareDir makes dir exist, belong to r, and be reachable by r.
func (r *runAs) prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := r.chown(dir); err != nil {
		return err
	}
	return r.checkTraversable(dir)
}

// checkTraversable reports, before initdb fails with a confusing message,
// that an ancestor of dir cannot be entered by r (a typical case is a
// t.TempDir(), mode 0700 and owned by root).
func (r *runAs) checkTraversable(dir string) error {
	if r == nil {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", dir, err)
	}
	for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("check %s: %w", p, err)
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if ok {
			mode := st.Mode().Perm()
			var can bool
			switch {
			case sys.Uid == r.uid:
				can = mode&0o100 != 0
			case sys.Gid == r.gid:
				can = mode&0o010 != 0
			default:
				can = mode&0o001 != 0
			}
			if !can {
				return fmt.Errorf("user %s cannot enter %s (mode %v, owner uid %d): PostgreSQL runs as %s, so its work directory %s must be reachable by it; put it elsewhere (for example under os.TempDir())", r.name, p, mode, sys.Uid, r.name, dir)
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// Command builds an exec.Cmd for another server program (PgBouncer, etcd,
// Patroni) the way this package runs its own: in dir, with the same
// minimal environment, as RunAsUser when this process is root.
func Command(dir, prog string, args ...string) (*exec.Cmd, error) {
	r, err := lookupRunAs()
	if err != nil {
		return nil, err
	}
	return r.command(dir, prog, args...), nil
}

// Chown gives path to the user the server programs run as (a no-op unless
// this process is root), so that they can read the files made for them.
func Chown(path string) error {
	r, err := lookupRunAs()
	if err != nil {
		return err
	}
	return r.chown(path)
}
