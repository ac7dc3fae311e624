package lab

import (
	"context"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestLabUnfencedOldPrimary is issue 22's must-show: green is promoted and
// the endpoint moved to it while blue, never fenced, keeps taking writes
// on the pooled connections already open to it. The analysis counts the
// writes blue acknowledged after green had answered one, names blue, and
// the lost-write check (which reads green) finds them missing.
func TestLabUnfencedOldPrimary(t *testing.T) {
	r := runLabWith(t, "unfenced", nil, func(c *record.Config) {
		c.Kinds = []string{store.KindWrite}
		c.Conns = []string{store.ConnNew, store.ConnPooled}
	})
	promoted := r.one(t, ActGreenPromoted)
	toGreen := r.one(t, ActEndpointToGreen)
	blueAddr, greenAddr := "", toGreen.Attrs["addr"]
	for _, p := range r.where(func(p *store.Probe) bool { return ok(p) && at(p.End).Before(promoted.Time) }) {
		blueAddr = p.ServerAddr
	}
	if blueAddr == "" || greenAddr == "" {
		t.Fatalf("blue's address %q (from the writes before the promotion), green's %q (from %s)", blueAddr, greenAddr, ActEndpointToGreen)
	}

	sum, err := analyze.Analyze(context.Background(), []string{r.dir}, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := sum.Runs[0].Metrics
	op := m.OldPrimaryWrites
	if op == nil || op.Count == 0 {
		t.Fatalf("old_primary_writes %+v, want writes acknowledged by blue after green took over", op)
	}
	if len(op.Servers) != 1 || op.Servers[0].Writes != op.Count {
		t.Fatalf("old-primary servers %+v, want blue alone with all %d writes", op.Servers, op.Count)
	}
	old := op.Servers[0]
	if !strings.HasPrefix(old.Server, blueAddr+"@") || !strings.HasPrefix(op.Holder, greenAddr+"@") {
		t.Errorf("old primary %s (want blue, %s), holder %s (want green, %s)", old.Server, blueAddr, op.Holder, greenAddr)
	}
	if old.Streams[0] != "write/pooled/write" || len(old.Streams) != 1 {
		t.Errorf("old-primary writes on streams %v, want the pooled writes alone", old.Streams)
	}
	if op.First == nil || op.First.Before(op.HolderSince) || op.HolderSince.Before(toGreen.Time) {
		t.Errorf("first old-primary write %v, green's first write %v, endpoint to green %v: want green's after the move and blue's after green's",
			op.First, op.HolderSince, toGreen.Time)
	}
	// What the probes saw, counted independently: pooled writes answered
	// by blue after green's first acknowledged write.
	seen := int64(len(r.where(func(p *store.Probe) bool {
		return ok(p) && p.Kind == store.KindWrite && p.ServerAddr == blueAddr && p.Observed > op.HolderSince.UnixNano()
	})))
	if seen != op.Count {
		t.Errorf("old_primary_writes %d, the rows show %d writes blue acknowledged after green's first", op.Count, seen)
	}
	if r.verify == nil {
		t.Fatal("no lost-write check")
	}
	if r.verify.AcknowledgedMissing < op.Count {
		t.Errorf("the lost-write check found %d acknowledged writes missing on green, fewer than the %d old-primary writes", r.verify.AcknowledgedMissing, op.Count)
	}
	t.Logf("unfenced: %d writes acknowledged by blue (%s) after green (%s) took over, %v..%v; %d acknowledged writes lost",
		op.Count, old.Server, op.Holder, op.First, op.Last, r.verify.AcknowledgedMissing)
}
