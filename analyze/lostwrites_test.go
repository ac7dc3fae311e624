package analyze

import (
	"reflect"
	"testing"

	"github.com/switchwatch/switchwatch/record/store"
)

// TestLostWritesCarryTheirStream: the streams verify.json names for lost
// and committed-although-failed writes reach the summary; a shipped run's
// verify.json, written before them, gives none.
func TestLostWritesCarryTheirStream(t *testing.T) {
	if lw := triggerMetrics(t, copyRunWith(t)).LostWrites; lw == nil || lw.LostWrites != nil || lw.LostSeqs == nil {
		t.Errorf("shipped run: lost writes %+v, want the numbers without streams", lw)
	}
	dir := copyRunWith(t)
	v, err := store.ReadVerify(dir)
	if err != nil || v == nil {
		t.Fatalf("verify.json of %s: %v", dir, err)
	}
	v.AcknowledgedMissing, v.LostSeqs = 2, []int64{2, 2}
	v.Lost = []store.StreamSeq{{Stream: "write/new/write", Seq: 2}, {Stream: "write/pooled/write", Seq: 2}}
	v.FailedPresent, v.CommittedFailedSeqs = 1, []int64{5}
	v.CommittedFailed = []store.StreamSeq{{Stream: "write/new/write", Seq: 5}}
	if err := store.WriteVerify(dir, v); err != nil {
		t.Fatal(err)
	}
	lw := triggerMetrics(t, dir).LostWrites
	want := []StreamSeq{{Stream: "write/new/write", Seq: 2}, {Stream: "write/pooled/write", Seq: 2}}
	if lw == nil || !reflect.DeepEqual(lw.LostWrites, want) || !reflect.DeepEqual(lw.CommittedFailedWrites, []StreamSeq{{Stream: "write/new/write", Seq: 5}}) {
		t.Errorf("lost writes %+v, want %v and write/new/write 5 committed although failed", lw, want)
	}
}
