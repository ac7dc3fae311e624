package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// RunInfo is run.json: what a run is and how it was recorded. It is written
// when the run starts and rewritten when it ends; a run.json without End
// belongs to a run that was interrupted (or is still going).
type RunInfo struct {
	SchemaVersion int               `json:"schema_version"`
	RunID         string            `json:"run_id"`
	Tool          string            `json:"tool"`         // "switchwatch record", "switchwatch import pgbench", ...
	ToolVersion   string            `json:"tool_version"` // module version or VCS revision
	Host          string            `json:"host"`         // the machine that recorded
	Labels        map[string]string `json:"labels"`
	// Settings are the effective settings, DSNs with every password removed.
	Settings map[string]any `json:"settings"`
	Start    time.Time      `json:"start"`
	End      *time.Time     `json:"end,omitempty"`
	// Interrupted is set by Recover on a run that ended without closing.
	Interrupted bool `json:"interrupted,omitempty"`
	// Probes counts the rows written, by outcome, when the run closed.
	Probes map[string]int64 `json:"probes,omitempty"`
	// Verify says, when the lost-write check at the end of the recording
	// was not done, why: VerifySkipped or VerifyFailed ("switchwatch
	// verify" does it later). Empty: done (verify.json), or not asked for.
	Verify string `json:"verify,omitempty"`
	// Stopped says why the recording ended (the Stopped* values); empty
	// in runs written before it existed and by other tools.
	Stopped string `json:"stopped,omitempty"`
	// Warnings are what the recorder had to say about its own numbers,
	// such as most probe slots skipped.
	Warnings []string `json:"warnings,omitempty"`
}

// Values of RunInfo.Stopped.
const (
	StoppedDuration    = "duration"    // --duration passed
	StoppedInterrupted = "interrupted" // Ctrl-C (the context was cancelled)
	// StoppedRecovered: --until-recovered saw every stream healthy for
	// the asked time after an outage.
	StoppedRecovered = "recovered"
	// StoppedUnnoticed: --until-recovered saw every stream healthy for the
	// asked time after the --switchover command ended, and no outage:
	// clients never noticed the switchover.
	StoppedUnnoticed = "recovered_without_outage"
)

// Values of RunInfo.Verify.
const (
	VerifySkipped = "skipped"
	VerifyFailed  = "failed"
)

// WriteRunInfo writes run.json into runDir atomically (temporary file, sync,
// rename), so a reader never sees half of it.
func WriteRunInfo(runDir string, info *RunInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", RunInfoFile, err)
	}
	return writeFileAtomic(filepath.Join(runDir, RunInfoFile), append(data, '\n'))
}

// ReadRunInfo reads run.json from runDir.
func ReadRunInfo(runDir string) (*RunInfo, error) {
	path := filepath.Join(runDir, RunInfoFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return parseRunInfo(path, data)
}

// parseRunInfo is ReadRunInfo on the content of the file path.
func parseRunInfo(path string, data []byte) (*RunInfo, error) {
	var info RunInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if !readsVersion(info.SchemaVersion) {
		return &info, fmt.Errorf("%s: schema version %d, this switchwatch reads version %s", path, info.SchemaVersion, versionsRead())
	}
	return &info, nil
}

// writeFileAtomic writes data to a hidden temporary file beside path, syncs
// it and renames it over path.
func writeFileAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	tmp, err := os.CreateTemp(dir, tmpPrefix+base+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename into %s: %w", path, err)
	}
	return nil
}

// LabelPairs returns labels as "key=value" strings sorted by key: the one
// way labels are shown, so every output lists them alike.
func LabelPairs(labels map[string]string) []string {
	pairs := make([]string, 0, len(labels))
	for k, v := range labels {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	return pairs
}
