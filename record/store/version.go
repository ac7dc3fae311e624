package store

import (
	"runtime/debug"
	"strings"
)

// Build is what Go's build information says about the running binary.
type Build struct {
	// Module is the main module's version: a tag (v1.2.0), a pseudo-version
	// carrying the revision (v0.0.0-20261201221924-0d7e4cb52b00+dirty), or
	// "" for a build without VCS information ("(devel)").
	Module string
	// Revision, Time and Modified are the VCS stamp (vcs.revision,
	// vcs.time, vcs.modified); Revision is "" without one: go build
	// -buildvcs=false, a build outside a repository, or one in a linked git
	// worktree, which Go does not stamp (golang/go#58218).
	Revision string
	Time     string
	Modified bool
}

// ReadBuild reads the running binary's build information.
func ReadBuild() Build {
	var b Build
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		b.Module = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// shortRev is a revision as git abbreviates it, "+dirty" for a modified
// tree.
func (b Build) shortRev() string {
	r := b.Revision
	if len(r) > 12 {
		r = r[:12]
	}
	if r != "" && b.Modified {
		r += "+dirty"
	}
	return r
}

// String is the version in one word: the module version, else the short
// revision, else "devel".
func (b Build) String() string {
	switch {
	case b.Module != "":
		return b.Module
	case b.Revision != "":
		return b.shortRev()
	}
	return "devel"
}

// Long is the version with its VCS stamp, for "switchwatch version": the
// module version, then the revision (+dirty) and its time when the module
// version does not already end in them; or "devel" and why there is no
// stamp.
func (b Build) Long() string {
	if b.Revision == "" {
		if b.Module != "" {
			return b.Module
		}
		return "devel (no VCS stamp: built with -buildvcs=false, outside a git checkout, or in a linked git worktree, which Go does not stamp)"
	}
	s := b.String()
	rev := b.shortRev()
	if !strings.HasSuffix(strings.TrimSuffix(s, "+dirty"), strings.TrimSuffix(rev, "+dirty")) {
		s += " (revision " + rev
		if b.Time != "" {
			s += ", " + b.Time
		}
		s += ")"
	} else if b.Time != "" {
		s += " (" + b.Time + ")"
	}
	return s
}

// Version is the version of the switchwatch module that is running: the
// module version when built from a tagged module or a stamped checkout,
// else the VCS revision (with "+dirty" for a modified tree), else "devel".
func Version() string { return ReadBuild().String() }
