package store

import (
	"fmt"
	"time"

	"github.com/switchwatch/switchwatch/internal/vocab"
)

// RunInfo is run.json: what a run is and how it was recorded. It is written
// when the run starts and rewritten when it ends; a run.json without End
// belongs to a run that was interrupted (or is still going).
type RunInfo struct {
	SchemaVersion int    `json:"schema_version"`
	RunID         string `json:"run_id"`
	Tool          string `json:"tool"`         // "switchwatch record", "switchwatch import pgbench", ...
	ToolVersion   string `json:"tool_version"` // module version or VCS revision
	Host          string `json:"host"`         // the machine that recorded
	// Vantage names where the run was recorded from (an availability
	// zone, a client subnet, a host): runs of one switchover from several
	// vantages are compared side by side. Empty in runs written before
	// it existed and by other tools; the recorder's default is Host.
	Vantage string `json:"vantage,omitempty"`
	// SwitchoverID names the switchover the run watched, the same in every
	// vantage's run of it (record --switchover-id); empty when not given.
	SwitchoverID string            `json:"switchover_id,omitempty"`
	Labels       map[string]string `json:"labels"`
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
	return writeJSONAtomic(runDir, RunInfoFile, info)
}

// ReadRunInfo reads run.json from runDir.
func ReadRunInfo(runDir string) (*RunInfo, error) {
	path := JoinPath(runDir, RunInfoFile)
	var info RunInfo
	if err := readJSON(path, &info); err != nil {
		return nil, err
	}
	return checkRunInfo(path, &info)
}

// parseRunInfo is ReadRunInfo on the content of the file path.
func parseRunInfo(path string, data []byte) (*RunInfo, error) {
	var info RunInfo
	if err := parseJSON(path, data, &info); err != nil {
		return nil, err
	}
	return checkRunInfo(path, &info)
}

// checkRunInfo refuses a run.json of a schema version this switchwatch
// does not read (returning it all the same).
func checkRunInfo(path string, info *RunInfo) (*RunInfo, error) {
	if !readsVersion(info.SchemaVersion) {
		return info, fmt.Errorf("%s: schema version %d, this switchwatch reads version %s", path, info.SchemaVersion, versionsRead())
	}
	return info, nil
}

// LabelPairs returns labels as "key=value" strings sorted by key
// (vocab.LabelPairs: the one way labels are shown).
func LabelPairs(labels map[string]string) []string { return vocab.LabelPairs(labels) }
