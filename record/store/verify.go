package store

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
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
	// Lost and CommittedFailed are the writes of LostSeqs and
	// CommittedFailedSeqs with the stream each belongs to (a sequence
	// number alone is ambiguous when several write streams ran: new and
	// pooled, or profiles), sorted by stream, then sequence number.
	// Absent from a verify.json written before they existed: read
	// LostSeqs and CommittedFailedSeqs there.
	Lost            []StreamSeq `json:"lost,omitempty"`
	CommittedFailed []StreamSeq `json:"committed_failed,omitempty"`
	// DuplicateKey counts failed write probes whose key is present in a run
	// whose id the table held rows of before it ran (a write was refused on
	// the duplicate key, SQLSTATE 23505): the row may be the earlier run's,
	// so its presence says nothing of the probe, which gets none of the four
	// verdicts. The earlier run's other rows count as Unexpected. The
	// recorder refuses a --run-id the probe table holds rows of when it can
	// check; this is for when it could not (the endpoint was down).
	DuplicateKey int64 `json:"duplicate_key,omitempty"`
	// Unexpected counts keys of this run found in the table that no write
	// probe row accounts for (rows lost from the record, or a bug).
	Unexpected int64 `json:"unexpected"`
}

// StreamSeq is one write probe: its stream (Probe.Stream, e.g.
// "write/pooled/write") and sequence number.
type StreamSeq struct {
	Stream string `json:"stream"`
	Seq    int64  `json:"seq"`
}

// SortStreamSeqs sorts writes by stream, then sequence number.
func SortStreamSeqs(s []StreamSeq) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Stream != s[j].Stream {
			return s[i].Stream < s[j].Stream
		}
		return s[i].Seq < s[j].Seq
	})
}

// WriteVerify writes verify.json into runDir atomically.
func WriteVerify(runDir string, v *Verify) error {
	return writeJSONAtomic(runDir, VerifyFile, v)
}

// ReadVerify reads verify.json from runDir. It returns (nil, nil) when the
// run has no lost-write check.
func ReadVerify(runDir string) (*Verify, error) {
	var v Verify
	if err := readJSON(JoinPath(runDir, VerifyFile), &v); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	// A verify.json copied from another run would lend this run its
	// verdicts (0 lost became 7): it must name the run of its folder.
	if id := RunIDFromDir(runDir); id != "" && v.RunID != id {
		return nil, fmt.Errorf("%s: the lost-write check of run %q, not of run %q: not applied", JoinPath(runDir, VerifyFile), v.RunID, id)
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
	if v.DuplicateKey > 0 {
		s += fmt.Sprintf(", %d failed with no verdict (the table held rows of this run id before it ran)", v.DuplicateKey)
	}
	if len(v.Lost) > 0 {
		s += "; lost: " + streamSeqList(v.Lost)
	}
	if len(v.CommittedFailed) > 0 {
		s += "; committed although failed: " + streamSeqList(v.CommittedFailed)
	}
	return s
}

// streamSeqList is writes sorted by stream as "STREAM seq 1, 2, 3; ...",
// at most 10 sequence numbers in all.
func streamSeqList(s []StreamSeq) string {
	const most = 10
	var b strings.Builder
	for i, w := range s {
		if i == most {
			fmt.Fprintf(&b, " and %d more", len(s)-most)
			break
		}
		switch {
		case i == 0:
			fmt.Fprintf(&b, "%s seq %d", w.Stream, w.Seq)
		case w.Stream != s[i-1].Stream:
			fmt.Fprintf(&b, "; %s seq %d", w.Stream, w.Seq)
		default:
			fmt.Fprintf(&b, ", %d", w.Seq)
		}
	}
	return b.String()
}
