package lab

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// TestGridOffset: the lab's wait beyond the lead-in is a fraction of the
// interval, spread over the whole interval, so first steps do not land on
// probe slots.
func TestGridOffset(t *testing.T) {
	iv := 100 * time.Millisecond
	for _, c := range []struct {
		r    float64
		want time.Duration
	}{{0, 0}, {0.25, 25 * time.Millisecond}, {0.5, 50 * time.Millisecond}, {0.9999999999999, iv - 1}} {
		if got := gridOffset(iv, func() float64 { return c.r }); got != c.want {
			t.Errorf("gridOffset(%v, %v) = %v, want %v", iv, c.r, got, c.want)
		}
	}
	if got := gridOffset(0, rand.Float64); got != 0 {
		t.Errorf("gridOffset(0) = %v, want 0", got)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	lo, hi := iv, time.Duration(-1)
	for range 1000 {
		d := gridOffset(iv, rnd.Float64)
		if d < 0 || d >= iv {
			t.Fatalf("offset %v outside [0, %v)", d, iv)
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo > iv/10 || hi < iv*9/10 {
		t.Errorf("1000 offsets span %v..%v: want them spread over the interval", lo, hi)
	}
}

// TestScenarioEventAttrs: the lab's own attributes (the lead-in offset)
// reach the scenario event beside the scenario's parameters.
func TestScenarioEventAttrs(t *testing.T) {
	sink := &memSink{}
	sc := &Scenario{Name: "empty", Params: map[string]string{"for": "1s"}}
	if err := runScenario(context.Background(), nil, sc, sink, map[string]string{AttrLeadInOffset: "37ms"}); err != nil {
		t.Fatal(err)
	}
	evs := sink.byName(EvScenario)
	if len(evs) != 1 {
		t.Fatalf("scenario events %d, want 1", len(evs))
	}
	if a := evs[0].Attrs; a[AttrLeadInOffset] != "37ms" || a["for"] != "1s" {
		t.Errorf("scenario event attrs %v: want lead_in_offset=37ms and the scenario's for=1s", a)
	}
}
