package report

import (
	"testing"

	"github.com/switchwatch/switchwatch/analyze/result"
)

// TestProfileHeadline: a profile that failed alone is said to be that
// profile's, and profiles that never failed are named as such.
func TestProfileHeadline(t *testing.T) {
	prof := func(name string, downNS int64) result.ProfileResult {
		return result.ProfileResult{Name: name, Metrics: result.Metrics{WriteDowntime: &result.Duration{NS: downNS, ResolutionNS: 1e8}}}
	}
	run := func(ps ...result.ProfileResult) *RunView {
		return &RunView{RunResult: &result.RunResult{Profiles: ps}}
	}
	for _, c := range []struct {
		name string
		runs []*RunView
		want string
	}{
		{"one profile failed", []*RunView{run(prof("pooled", 0), prof("multihost", 1e8))},
			"Only client profile multihost's writes failed (for 0.1 s); pooled never failed."},
		{"medians across runs", []*RunView{run(prof("pooled", 2e9), prof("new", 0)), run(prof("pooled", 4e9), prof("new", 0)), run(prof("pooled", 3e9), prof("new", 0))},
			"Only client profile pooled's writes failed (for a median of 3.0 s); new never failed."},
		{"none failed", []*RunView{run(prof("pooled", 0), prof("new", 0))}, "By client profile: no profile's writes failed."},
		{"no profiles", []*RunView{run()}, ""},
		{"names are escaped", []*RunView{run(prof("a*b", 1e8), prof("c", 2e8), prof("d", 0))},
			`By client profile, writes were unavailable: a\*b for 0.1 s; c for 0.2 s; d never failed.`},
	} {
		if got := profileHeadline(&GroupView{Runs: c.runs}); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
