package store

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"
)

// Verify is verify.json: the lost-write check of a run. Every write probe
// that ran falls in exactly one of four verdicts; the two that matter in a
// post-mortem (lost, committed although failed) list their sequence numbers,
// the two expected ones are counted. A write probe's verdict is therefore:
// acknowledged (outcome ok) and in LostSeqs → lost, else present; failed and
// in CommittedFailedSeqs → committed although failed, else absent.
type Verify struct {
	RunID     string    `json:"run_id"`
	CheckedAt time.Time `json:"checked_at"`
	// Endpoint is the write DSN the keys were read back from, without password.
	Endpoint string `json:"endpoint"`
	// ServerAddr is the server that answered the read-back.
	ServerAddr string `json:"server_addr,omitempty"`

	AcknowledgedPresent int64   `json:"acknowledged_present"`
	AcknowledgedMissing int64   `json:"acknowledged_missing"` // lost writes
	FailedPresent       int64   `json:"failed_present"`       // committed although the client saw an error
	FailedAbsent        int64   `json:"failed_absent"`
	LostSeqs            []int64 `json:"lost_seqs"`
	CommittedFailedSeqs []int64 `json:"committed_failed_seqs"`
	// Unexpected counts keys of this run found in the table that no write
	// probe row accounts for (rows lost from the record, or a bug).
	Unexpected int64 `json:"unexpected"`
}

// WriteVerify writes verify.json into runDir atomically.
func WriteVerify(runDir string, v *Verify) error {
	return writeJSONAtomic(runDir, VerifyFile, v)
}

// ReadVerify reads verify.json from runDir. It returns (nil, nil) when the
// run has no lost-write check.
func ReadVerify(runDir string) (*Verify, error) {
	var v Verify
	if err := readJSON(filepath.Join(runDir, VerifyFile), &v); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	return &v, nil
}

// String is the check's verdicts in one line, as the commands print them.
func (v *Verify) String() string {
	s := fmt.Sprintf("%d acknowledged and present, %d LOST, %d committed although failed, %d failed and absent",
		v.AcknowledgedPresent, v.AcknowledgedMissing, v.FailedPresent, v.FailedAbsent)
	if v.Unexpected > 0 {
		s += fmt.Sprintf(", %d unexpected", v.Unexpected)
	}
	return s
}
