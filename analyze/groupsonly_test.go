package analyze

import (
	"context"
	"reflect"
	"testing"
)

// TestGroupsOnlySameGroups: leaving out the columns only per-run details
// use (Options.GroupsOnly) changes nothing that is grouped or compared,
// on the shipped lab runs and on the runs with client profiles; and the
// details it leaves out are really missing (so the test would see a
// projection that reads them anyway, or one that drops too much).
func TestGroupsOnlySameGroups(t *testing.T) {
	for _, dir := range []string{"../testdata/runs", "../testdata/profile-runs"} {
		full, err := Analyze(context.Background(), []string{dir}, Options{By: []string{"scenario"}})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		part, err := Analyze(context.Background(), []string{dir}, Options{By: []string{"scenario"}, GroupsOnly: true})
		if err != nil {
			t.Fatalf("%s, GroupsOnly: %v", dir, err)
		}
		if !reflect.DeepEqual(full.Groups, part.Groups) || !reflect.DeepEqual(full.Comparisons, part.Comparisons) ||
			!reflect.DeepEqual(full.ProfileComparison, part.ProfileComparison) || full.Input.Rows != part.Input.Rows {
			t.Errorf("%s: GroupsOnly changed the groups, comparisons or profile comparison", dir)
		}
		offsets := 0
		for i := range full.Runs {
			if full.Runs[i].Metrics.ClockOffset != nil {
				offsets++
			}
			if part.Runs[i].Metrics.ClockOffset != nil {
				t.Errorf("%s: run %s has a clock offset under GroupsOnly, which reads no server_time", dir, part.Runs[i].RunID)
			}
			if !reflect.DeepEqual(full.Runs[i].Metrics.FailedByClass, part.Runs[i].Metrics.FailedByClass) ||
				!reflect.DeepEqual(full.Runs[i].Metrics.ServerChanges, part.Runs[i].Metrics.ServerChanges) ||
				!reflect.DeepEqual(full.Runs[i].Metrics.DNSChanges, part.Runs[i].Metrics.DNSChanges) {
				t.Errorf("%s: run %s: GroupsOnly changed failures, server or DNS changes", dir, part.Runs[i].RunID)
			}
		}
		if offsets == 0 {
			t.Errorf("%s: no run has a clock offset in the full analysis: the runs cannot show what GroupsOnly leaves out", dir)
		}
	}
}

// TestReadersAgreeOnLabRuns: the batch and the row view of store's
// reader give the same analysis of the shipped lab runs, whose rows carry
// every column of schema version 2.
func TestReadersAgreeOnLabRuns(t *testing.T) {
	fast, err := Analyze(context.Background(), []string{"../testdata/runs"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := Analyze(context.Background(), []string{"../testdata/runs"}, Options{generic: true})
	if err != nil {
		t.Fatal(err)
	}
	fast.GeneratedAt = slow.GeneratedAt
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("batch and row views disagree on the lab runs")
	}
}
