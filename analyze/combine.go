package analyze

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Named is a stored summary and the name of its group when summaries are
// compared ("last-quarter", from its path).
type Named struct {
	Name string
	Sum  *Summary
}

// SummaryName is the name of a summary's group given its file's path:
// the folder of a file named summary.json ("q1/summary.json" is "q1"),
// else the file's name without ".json".
func SummaryName(path string) string {
	clean := filepath.Clean(path)
	if filepath.Base(clean) == "summary.json" {
		if d := filepath.Dir(clean); d != "." {
			return filepath.ToSlash(d)
		}
	}
	return strings.TrimSuffix(filepath.Base(clean), ".json")
}

// Combine puts the runs of several summaries into one, each summary a
// group named by its Name (grouped by ByPath, as `analyze old/ new/`
// groups by path), computes the groups' statistics from the runs
// (Summarize) and compares every group with the first: "this switchover
// against the last four". The runs keep what their summaries hold,
// Series included. Accuracy and checks are not combined; the profile
// comparison is made again over all runs.
func Combine(named []Named) (*Summary, error) {
	if len(named) == 0 {
		return nil, errors.New("combine: no summaries")
	}
	seen := map[string]bool{}
	out := &Summary{
		Version: SummaryVersion, Schema: SummarySchema, Tool: "switchwatch report",
		By: []string{ByPath}, Metrics: MetricInfos(), Notes: notes(),
		Input: Input{Skipped: []SkippedFile{}},
	}
	var paths []string
	for _, n := range named {
		if seen[n.Name] {
			return nil, fmt.Errorf("combine: two summaries named %q: give them apart", n.Name)
		}
		seen[n.Name] = true
		s := n.Sum
		out.ToolVersion = s.ToolVersion
		if s.GeneratedAt.After(out.GeneratedAt) {
			out.GeneratedAt = s.GeneratedAt
		}
		out.Input.Paths = append(out.Input.Paths, n.Name)
		out.Input.Runs += s.Input.Runs
		out.Input.Files += s.Input.Files
		out.Input.Rows += s.Input.Rows
		out.Input.Skipped = append(out.Input.Skipped, s.Input.Skipped...)
		out.Input.Excluded = append(out.Input.Excluded, s.Input.Excluded...)
		for _, w := range s.Warnings {
			out.Warnings = append(out.Warnings, n.Name+": "+w)
		}
		if s.Accuracy != nil {
			out.Warnings = append(out.Warnings, n.Name+": its accuracy against ground truth is not combined (see that summary)")
		}
		for _, r := range s.Runs {
			out.Runs = append(out.Runs, r)
			paths = append(paths, n.Name)
		}
	}
	if len(out.Runs) == 0 {
		return nil, errors.New("combine: the summaries hold no runs")
	}
	out.Groups = groupRuns(out.Runs, paths, out.By)
	Summarize(out)
	out.Switchovers = switchovers(out.Runs) // each host's summary of its own vantage, put side by side
	ps, err := compareProfiles(out.Runs, "")
	if err != nil {
		return nil, fmt.Errorf("combine: %w", err)
	}
	out.ProfileComparison = ps
	return out, nil
}
