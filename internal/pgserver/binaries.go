package pgserver

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries is wrapped by FindBinaries when no PostgreSQL server
// installation can be found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found")

// Binaries are the server programs of one PostgreSQL installation. They all
// come from one directory so that initdb, postgres and pg_basebackup agree
// on the version.
type Binaries struct {
	Dir          string // the bin directory
	Postgres     string
	Initdb       string
	PgCtl        string
	PgBasebackup string // "" when this installation has none (then no standbys)
}

// BinDirEnv names an environment variable that, when set, is the only place
// FindBinaries looks.
const BinDirEnv = "SWITCHWATCH_PG_BINDIR"

// FindBinaries finds the PostgreSQL server programs: in $SWITCHWATCH_PG_BINDIR
// when set; else where "postgres" on PATH really lives (following symlinks,
// since distributions link only some programs onto PATH); else in
// "pg_config --bindir"; else in the newest /usr/lib/postgresql/*/bin.
func FindBinaries() (*Binaries, error) {
	if dir := os.Getenv(BinDirEnv); dir != "" {
		b, err := binariesIn(dir)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %w", BinDirEnv, dir, err)
		}
		return b, nil
	}
	var tried []string
	if p, err := exec.LookPath("postgres"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if b, err := binariesIn(dir); err == nil {
			return b, nil
		}
		tried = append(tried, dir)
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if b, err := binariesIn(dir); err == nil {
			return b, nil
		}
		tried = append(tried, dir)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest first: compare the version directory numerically (10 > 9.6).
	sort.Slice(dirs, func(i, j int) bool {
		return versionKey(dirs[i]) > versionKey(dirs[j])
	})
	for _, dir := range dirs {
		if b, err := binariesIn(dir); err == nil {
			return b, nil
		}
		tried = append(tried, dir)
	}
	if len(tried) == 0 {
		return nil, fmt.Errorf("%w: no postgres on PATH, no pg_config, nothing under /usr/lib/postgresql (set %s to a bin directory)", ErrNoBinaries, BinDirEnv)
	}
	return nil, fmt.Errorf("%w: none of %s has postgres, initdb and pg_ctl (set %s to a bin directory)", ErrNoBinaries, strings.Join(tried, ", "), BinDirEnv)
}

// versionKey turns /usr/lib/postgresql/15/bin or .../9.6/bin into a number
// that sorts by version.
func versionKey(binDir string) float64 {
	v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	if err != nil {
		return -1
	}
	return v
}

func binariesIn(dir string) (*Binaries, error) {
	b := &Binaries{Dir: dir}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"postgres", &b.Postgres}, {"initdb", &b.Initdb}, {"pg_ctl", &b.PgCtl}} {
		path := filepath.Join(dir, p.name)
		if !isExecutable(path) {
			return nil, fmt.Errorf("%w: %s has no %s", ErrNoBinaries, dir, p.name)
		}
		*p.dst = path
	}
	if path := filepath.Join(dir, "pg_basebackup"); isExecutable(path) {
		b.PgBasebackup = path
	}
	return b, nil
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}
