package analyze

import (
	"testing"
	"time"
)

// TestAnsweredEdge: between a success and an answered failure the edge lies
// midway between the answers, which on a new connection come a set-up
// after the intended starts; next to a timeout it stays midway between the
// intended starts (a timeout hangs from its start).
func TestAnsweredEdge(t *testing.T) {
	iv := int64(100 * time.Millisecond)
	setup := int64(30 * time.Millisecond)
	mk := func(states ...uint8) *stream {
		s := &stream{interval: iv, answers: true}
		for k, st := range states {
			x := row{seq: int64(k), intended: int64(k) * iv, start: int64(k) * iv}
			var o rowObs
			x.end = x.intended + setup + int64(time.Millisecond)
			switch st {
			case stOK:
				x.outcome, o.observed = outOK, x.intended+setup
			case stReadOnly:
				x.outcome = outError
			case stUnavailable:
				x.outcome, x.end = outTimeout, x.intended+int64(3*time.Second)
			}
			s.rows, s.obs, s.states = append(s.rows, x), append(s.obs, o), append(s.states, st)
		}
		return s
	}
	// ok (answered at 30 ms), read-only (answered at 131 ms): midway 80.5 ms
	if got, want := mk(stOK, stReadOnly).edge(1), (setup+iv+setup+int64(time.Millisecond))/2; got != want {
		t.Errorf("ok→read_only edge %v, want %v (midway between the answers)", time.Duration(got), time.Duration(want))
	}
	if got, want := mk(stReadOnly, stOK).edge(1), (setup+int64(time.Millisecond)+iv+setup)/2; got != want {
		t.Errorf("read_only→ok edge %v, want %v", time.Duration(got), time.Duration(want))
	}
	if got := mk(stOK, stUnavailable).edge(1); got != iv/2 {
		t.Errorf("ok→timeout edge %v, want %v (midway between intended starts)", time.Duration(got), time.Duration(iv/2))
	}
	if got := mk(stOK, stOK).edge(1); got != iv/2 {
		t.Errorf("ok→ok edge %v, want %v", time.Duration(got), time.Duration(iv/2))
	}
	// answers later than the next intended start keep the edge inside the
	// two intended starts
	s := mk(stOK, stReadOnly)
	s.rows[1].end = 5 * iv
	if got := s.edge(1); got != iv {
		t.Errorf("edge with a late answer %v, want it kept at the later intended start %v", time.Duration(got), time.Duration(iv))
	}
}

// TestAnsweredEdgeNeedsObserved: rows without Observed (schema version 1)
// keep edges midway between intended starts.
func TestAnsweredEdgeNeedsObserved(t *testing.T) {
	iv := int64(100 * time.Millisecond)
	s := &stream{interval: iv,
		rows:   []row{{seq: 0, intended: 0, end: 31e6, outcome: outOK}, {seq: 1, intended: iv, end: iv + 31e6, outcome: outError}},
		states: []uint8{stOK, stReadOnly}}
	if got := s.edge(1); got != iv/2 {
		t.Errorf("edge %v, want %v", time.Duration(got), time.Duration(iv/2))
	}
}

// TestAnsweredEdgeAfterAHang: a failure that came only after hanging
// longer than the stream's slow threshold (HAProxy holding a new
// connection on a stopping server and closing it 3 s later: "reset") saw
// the state from its start, like a timeout: the edge stays midway between
// the intended starts, where clamping a midpoint of answers would put it
// at the later start, half an interval late. A prompt failure keeps the
// midpoint of answers.
func TestAnsweredEdgeAfterAHang(t *testing.T) {
	iv := int64(200 * time.Millisecond)
	setup := int64(15 * time.Millisecond)
	mk := func(failLatency int64) *stream {
		s := &stream{interval: iv, answers: true, slowNS: int64(90 * time.Millisecond)}
		ok := row{seq: 0, intended: 0, start: 0, end: setup, latency: setup, outcome: outOK}
		bad := row{seq: 1, intended: iv, start: iv, end: iv + failLatency, latency: failLatency, outcome: outError}
		s.rows, s.states = []row{ok, bad}, []uint8{stOK, stUnavailable}
		s.obs = []rowObs{{observed: setup}, {}}
		return s
	}
	if got := mk(int64(3 * time.Second)).edge(1); got != iv/2 {
		t.Errorf("ok→reset after a 3 s hang: edge %v, want %v (midway between intended starts)", time.Duration(got), time.Duration(iv/2))
	}
	prompt := int64(20 * time.Millisecond)
	if got, want := mk(prompt).edge(1), (setup+iv+prompt)/2; got != want {
		t.Errorf("ok→prompt reset: edge %v, want %v (midway between the answers)", time.Duration(got), time.Duration(want))
	}
}
