package analyze

import (
	"testing"

	"github.com/switchwatch/switchwatch/record/store"
)

func TestClassify(t *testing.T) {
	const slow = 1000
	cases := []struct {
		outcome, class string
		latency        int64
		want           State
	}{
		{store.OutcomeOK, "", 10, StateOK},
		{store.OutcomeOK, "", 1000, StateOK},
		{store.OutcomeOK, "", 1001, StateSlow},
		{store.OutcomeSkipped, store.ClassInflightLimit, 0, StateSkipped},
		{store.OutcomeError, store.ClassReadOnly, 5, StateReadOnly},
		{store.OutcomeTimeout, "", 3e9, StateUnavailable},
		{store.OutcomeError, store.ClassAuth, 5, StateError},
		{store.OutcomeError, store.ClassTLS, 5, StateError},
		{store.OutcomeError, store.ClassOther, 5, StateError},
		{store.OutcomeError, "a class from the future", 5, StateError},
		{"unknown outcome", "", 5, StateError},
	}
	for _, c := range []string{store.ClassConnectTimeout, store.ClassQueryTimeout, store.ClassRefused, store.ClassReset,
		store.ClassDNS, store.ClassShutdown, store.ClassTooManyConnections} {
		cases = append(cases, struct {
			outcome, class string
			latency        int64
			want           State
		}{store.OutcomeError, c, 5, StateUnavailable})
	}
	for _, c := range cases {
		p := store.Probe{Outcome: c.outcome, ErrorClass: c.class, LatencyNS: c.latency}
		if got := Classify(&p, slow); got != c.want {
			t.Errorf("%s/%s latency %d: %s, want %s", c.outcome, c.class, c.latency, got, c.want)
		}
	}
}
