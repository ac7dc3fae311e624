package report

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// edgeRuns: a run that never fails, a run with read probes only, and a
// run that starts failing and never recovers.
func edgeRuns() []*synth.Run {
	start := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	return []*synth.Run{
		{ID: "calm", Start: start, Kinds: []string{store.KindWrite, store.KindRead},
			Phases: []synth.Phase{{State: synth.Healthy, Duration: 10 * time.Second}}},
		{ID: "reads-only", Start: start.Add(time.Minute), Kinds: []string{store.KindRead},
			Phases: []synth.Phase{{State: synth.Healthy, Duration: 5 * time.Second}, {State: synth.Unavailable, Duration: 2 * time.Second}, {State: synth.Healthy, Duration: 5 * time.Second}}},
		{ID: "down-from-start", Start: start.Add(2 * time.Minute), Kinds: []string{store.KindWrite},
			Phases: []synth.Phase{{State: synth.Unavailable, Duration: 3 * time.Second}}},
	}
}

// TestEdgeRuns renders the report of unusual runs without error: every
// picture draws, and the Markdown says what is missing instead of zeros.
func TestEdgeRuns(t *testing.T) {
	sum := cachedSummary(t, "edge", edgeRuns)
	retry, _ := ParseRetry("exp:100ms,1s,5")
	rep, err := Build(sum, Options{Rate: 10, Retry: retry, Show: []string{"calm", "reads-only", "down-from-start"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Figures {
		for _, format := range Formats {
			if err := f.Render(io.Discard, format); err != nil {
				t.Errorf("%s.%s: %v", f.Name, format, err)
			}
		}
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"| calm | healthy | 0 s | 0 s | 0 s | 0 s | yes |",
		"| reads-only | healthy → unavailable 2.0 s → healthy | - | 2.0 s | 0 s | 2.0 s | yes |",
		"**1 of 3 runs did not recover**",
		"1 run without an outage is not in this picture",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
