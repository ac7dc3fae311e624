package report

import (
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/analyze"
)

// TestLostWritesNameTheirStream: the lost-writes table lists each lost
// write with its stream when the run's verify.json names them (two write
// streams share sequence numbers), and the bare numbers otherwise.
func TestLostWritesNameTheirStream(t *testing.T) {
	sum := goldenSummary(t, "fixture", fixtureRuns)
	named, bare := &sum.Runs[0].Metrics, &sum.Runs[1].Metrics
	named.LostWrites = &analyze.LostWrites{Lost: 3, LostSeqs: []int64{2, 2, 4}, CommittedFailedSeqs: []int64{},
		LostWrites: []analyze.StreamSeq{{Stream: "write/new/write", Seq: 2}, {Stream: "write/pooled/write", Seq: 2}, {Stream: "write/pooled/write", Seq: 4}}}
	bare.LostWrites = &analyze.LostWrites{Lost: 2, LostSeqs: []int64{7, 9}, CommittedFailedSeqs: []int64{}}
	rep, err := Build(sum, Options{})
	if err != nil {
		t.Fatal(err)
	}
	md := string(markdown(t, rep))
	if !strings.Contains(md, "| write/new/write: 2; write/pooled/write: 2, 4 |") || !strings.Contains(md, "| 7, 9 |") {
		t.Errorf("lost-writes table does not name the streams (or drops the bare numbers):\n%s", md)
	}
}
