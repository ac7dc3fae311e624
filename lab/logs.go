package lab

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// LogsDir is the folder of a run that holds the rig's logs
// (RunOptions.KeepLogs).
const LogsDir = "logs"

// CopyLogs copies the logs of the rig's servers and PgBouncer into dir:
// blue.json and green.json (the logging collector's jsonlog), blue.log and
// green.log (each server's stderr: everything in a stderr rig, else what
// it logged before its collector started) and pgbouncer.log, each named
// after what wrote it, so "--events dir/blue.json" knows its node. A log
// that does not exist (a stderr rig has no jsonlog) is left out; the
// paths copied are returned. A Patroni rig's logs are not copied.
func (r *Rig) CopyLogs(dir string) ([]string, error) {
	type log struct{ from, to string }
	var logs []log
	for _, s := range []*pgserver.Server{r.Blue, r.Green} {
		if s == nil {
			continue
		}
		logs = append(logs,
			log{filepath.Join(s.CollectorLogDir(), "postgresql.json"), s.Name() + ".json"},
			log{s.LogPath(), s.Name() + ".log"})
	}
	if r.Bouncer != nil {
		logs = append(logs, log{r.Bouncer.LogPath(), "pgbouncer.log"})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	var copied []string
	var errs []error
	for _, l := range logs {
		to := filepath.Join(dir, l.to)
		err := copyFile(l.from, to)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("copy log %s to %s: %w", l.from, to, err))
			continue
		}
		copied = append(copied, to)
	}
	return copied, errors.Join(errs...)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
