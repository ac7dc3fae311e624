package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/analyze"
	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/lab"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestHandsFreeSwitchoverOnLabRig: "lab up" keeps a rig up (in-process);
// "record --switchover 'switchwatch lab play aurora ...' --until-recovered
// 5s" runs the real switchwatch binary (this test binary as main) as its
// command and stops by itself; its run holds the command's events and the
// lab's ground truth, and "analyze --truth" finds every boundary the truth
// expects. A second play on the same rig (after its reset) works too.
func TestHandsFreeSwitchoverOnLabRig(t *testing.T) {
	if _, err := pgserver.FindBinaries(); err != nil {
		pgserver.SkipOrFail(t, err)
	}
	state := filepath.Join(t.TempDir(), "rig.json")
	ctx, stopLab := context.WithCancel(context.Background())
	var labOut, labErr syncBuffer
	labDone := make(chan error, 1)
	go func() { labDone <- run(ctx, &labOut, &labErr, []string{"lab", "up", "--state", state}) }()
	defer func() {
		stopLab()
		if err := <-labDone; err != nil {
			t.Errorf("lab up: %v\n%s", err, labErr.String())
		}
		if _, err := os.Stat(state); err == nil {
			t.Errorf("lab up left its state file %s", state)
		}
	}()
	deadline := time.Now().Add(120 * time.Second)
	var st *lab.UpState
	// lab up writes the state file before it prints the rig and the
	// file's name, so wait for both: reading the output as soon as the
	// file appears raced the print (it failed once in CI).
	for {
		var err error
		if st, err = lab.ReadUpState(state); err == nil && strings.Contains(labOut.String(), "state file: "+state) {
			break
		}
		select {
		case err := <-labDone:
			t.Fatalf("lab up ended: %v\n%s%s", err, labOut.String(), labErr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			if st == nil {
				t.Fatal("lab up wrote no state file in 120 s")
			}
			t.Fatalf("lab up does not print its state file:\n%s", labOut.String())
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	play := "SWITCHWATCH_AS_MAIN=1 '" + self + "' lab play aurora --rig '" + state + "' --set blackhole=2s --set read_only=2s"
	for i, id := range []string{"handsfree-1", "handsfree-2"} {
		out := t.TempDir()
		// 200 ms, as the lab's end-to-end tests: at 50 ms the two
		// new-connection streams asked 40 connections a second, more
		// than a 2-core machine's servers finish SCRAM logins for (about
		// 25 a second measured with pgbench -C); the connects that piled
		// up in the blackhole then timed out for good after it.
		stdout, stderr, code := invoke(t, "record", "--write-dsn", st.WriteDSN, "--out", out, "--run-id", id,
			"--interval", "200ms", "--conn", "new,pooled", "--quiet",
			"--switchover", play, "--switchover-after", "3s", "--until-recovered", "5s", "--duration", "3m")
		if code != 0 {
			t.Fatalf("play %d: record exit %d\nstdout: %s\nstderr: %s\nlab: %s", i+1, code, stdout, stderr, labOut.String())
		}
		if !strings.Contains(stdout, "stopped: recovered (every stream healthy for 5s") {
			t.Errorf("play %d: record does not say it stopped on recovery:\n%s", i+1, stdout)
		}
		dir := filepath.Join(out, store.RunDirName(id))
		info, err := store.ReadRunInfo(dir)
		if err != nil || info.Stopped != store.StoppedRecovered {
			t.Fatalf("play %d: run.json %+v, %v: want stopped=%s", i+1, info, err, store.StoppedRecovered)
		}
		if d := info.End.Sub(info.Start); d > 2*time.Minute {
			t.Errorf("play %d: the recording lasted %v: it did not stop by itself", i+1, d)
		}
		events, _, err := store.ReadEvents(filepath.Join(dir, store.EventsFile))
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]store.Event{}
		outputs := 0
		for _, e := range events {
			names[e.Name] = e
			if e.Name == event.SwitchoverOutput {
				outputs++
			}
		}
		cmd, ok := names[event.SwitchoverCommand]
		if !ok || cmd.Attrs["exit_status"] != "0" || cmd.Source != event.SourceRecord || cmd.End == nil {
			t.Errorf("play %d: command event %+v: want exit_status 0 from source record", i+1, cmd)
		}
		for _, want := range []string{event.BlueReadOnly, event.EndpointBlackhole, event.GreenPromoted, event.Scenario, event.Recovered} {
			if _, ok := names[want]; !ok {
				t.Errorf("play %d: no %s event in %s", i+1, want, dir)
			}
		}
		if names[event.Scenario].Source != event.SourceLab {
			t.Errorf("play %d: the scenario event's source is %q, want lab", i+1, names[event.Scenario].Source)
		}
		if outputs == 0 {
			t.Errorf("play %d: lab play's output lines are not events", i+1)
		}
		if cmd.End != nil && names[event.Scenario].End != nil && names[event.Scenario].End.After(*cmd.End) {
			t.Errorf("play %d: the scenario ended after the command that played it", i+1)
		}
		checkTruthPasses(t, dir)
	}
}

// checkTruthPasses runs "analyze --truth" on a run and checks that every
// boundary the truth expects lies within its tolerance (the lab's
// blue_read_only and edges sharing an interval with the one before are
// not expected to show alone, as in analyze's lab tests).
func checkTruthPasses(t *testing.T, dir string) {
	t.Helper()
	js := filepath.Join(t.TempDir(), "s.json")
	stdout, stderr, code := invoke(t, "analyze", "--runs", "--truth", "--json", js, dir)
	if code != 0 {
		t.Fatalf("analyze --truth: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "event "+event.SwitchoverCommand) {
		t.Errorf("analyze does not show the command's event:\n%s", stdout)
	}
	sum := readSummary(t, js)
	checked := 0
	var prev analyze.BoundaryError
	for _, b := range sum.Accuracy.Boundaries {
		if !b.Expected {
			continue
		}
		shared := prev.RunID == b.RunID && b.EventTime.Sub(prev.EventTime) <= time.Duration(b.ResolutionNS)
		prev = b
		if b.Event == event.BlueReadOnly || shared {
			continue
		}
		checked++
		if !b.Within {
			t.Errorf("%s %s: nearest boundary %+.3fs away, not within its tolerance", b.Event, b.Edge, float64(b.ErrorNS)/1e9)
		}
	}
	if checked == 0 {
		t.Errorf("analyze --truth checked no event edge:\n%s", stdout)
	}
}
