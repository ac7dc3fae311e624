package store

import (
	"reflect"
	"testing"
	"time"
)

// TestVerifyStreamsRoundTrip: verify.json's lost writes name their stream
// (Lost, CommittedFailed) beside the sequence numbers it always had, and a
// verify.json written before them still reads, without them.
func TestVerifyStreamsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	v := &Verify{RunID: "r", CheckedAt: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), AcknowledgedMissing: 2,
		LostSeqs: []int64{3, 3}, CommittedFailedSeqs: []int64{},
		Lost: []StreamSeq{{"write/new/write", 3}, {"write/pooled/write", 3}}, DuplicateKey: 1}
	if err := WriteVerify(dir, v); err != nil {
		t.Fatal(err)
	}
	got, err := ReadVerify(dir)
	if err != nil || !reflect.DeepEqual(got, v) {
		t.Errorf("read back %+v, %v; want %+v", got, err, v)
	}
	old, err := ReadVerify("../../testdata/runs/run=20261202T003121Z-464017")
	if err != nil || old == nil || old.AcknowledgedPresent != 261 || old.Lost != nil || old.LostSeqs == nil {
		t.Errorf("a verify.json from before the streams: %+v, %v", old, err)
	}
}
