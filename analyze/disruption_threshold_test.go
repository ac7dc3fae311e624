package analyze

import (
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// The disruption of a kind carries the smallest and the largest stall
// threshold of its streams, which differ (a pool's is lower than a new
// connection's), so that renderers can say the range.
func TestDisruptionThresholdRange(t *testing.T) {
	ms := int64(time.Millisecond)
	mk := func(conn string, stall int64) *stream {
		return &stream{kind: store.KindWrite, conn: conn, stallNS: stall,
			spans: []span{{start: 0, end: 1000 * ms, sev: sevHealthy}}}
	}
	streams := []*stream{mk(store.ConnNew, 1440*ms), mk(store.ConnPooled, 587*ms), {kind: store.KindRead, stallNS: 100 * ms}}
	d, ok := disruption(streams, func(s *stream) bool { return s.kind == store.KindWrite }, 100*ms)
	if !ok || d.StallThresholdNS != 1440*ms || d.StallThresholdMinNS != 587*ms {
		t.Errorf("thresholds %v..%v (%v), want 587ms..1.44s, the read stream's left out",
			time.Duration(d.StallThresholdMinNS), time.Duration(d.StallThresholdNS), ok)
	}
}
