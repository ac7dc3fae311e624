package record

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

// eventsOf runs a switchover command to its end and returns the events it
// logged and the notes it showed.
func runSwitchover(t *testing.T, command string, ctx context.Context) ([]store.Event, []string) {
	t.Helper()
	var (
		mu     sync.Mutex
		events []store.Event
		notes  []string
	)
	dir := t.TempDir()
	sw := &switchover{command: command, runDir: dir, clock: newClock(),
		log:  func(e store.Event) { mu.Lock(); events = append(events, e); mu.Unlock() },
		note: func(s string) { mu.Lock(); notes = append(notes, s); mu.Unlock() },
		why:  func() string { return killedInterrupted },
	}
	sw.run(ctx, time.Now())
	return events, notes
}

func TestSwitchoverEvents(t *testing.T) {
	// Output on both streams, a line with a terminal escape, a last line
	// without a newline, the run folder in the environment, exit status 3.
	events, notes := runSwitchover(t,
		`echo started; echo "oops" >&2; printf 'red \033[31mtext\n'; echo "dir=$SWITCHWATCH_RUN_DIR"; printf 'no newline'; exit 3`,
		context.Background())
	var out []string
	var cmd *store.Event
	for i, e := range events {
		if e.Source != "" && e.Source != event.SourceRecord {
			t.Errorf("event %s: source %q", e.Name, e.Source)
		}
		switch e.Name {
		case event.SwitchoverOutput:
			out = append(out, e.Attrs["stream"]+":"+e.Message)
		case event.SwitchoverCommand:
			cmd = &events[i]
		default:
			t.Errorf("unexpected event %s", e.Name)
		}
	}
	if cmd == nil {
		t.Fatalf("no %s event in %v", event.SwitchoverCommand, events)
	}
	if cmd.Attrs["exit_status"] != "3" || cmd.End == nil || cmd.End.Before(cmd.Time) || cmd.Attrs["killed"] != "" || !event.IsTrigger(cmd.Attrs) {
		t.Errorf("command event %+v: want exit_status 3, an end after the start, not killed, marked as the trigger", cmd)
	}
	joined := strings.Join(out, "|")
	for _, want := range []string{"stdout:started", "stderr:oops", "stdout:red \x1b[31mtext", "stdout:no newline", "stdout:dir=/"} {
		if !strings.Contains(joined, want) {
			t.Errorf("output events %q: no %q (stored raw)", joined, want)
		}
	}
	for _, n := range notes {
		if strings.ContainsRune(n, '\x1b') {
			t.Errorf("note %q shows a raw escape character", n)
		}
	}
}

func TestSwitchoverKilledOnInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	go func() {
		// Cancel once the command's child (in its process group) is up.
		for {
			if data, err := os.ReadFile(pidFile); err == nil && len(data) > 0 {
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	events, _ := runSwitchover(t, `sleep 60 & echo $! > `+pidFile+`; wait`, ctx)
	var cmd *store.Event
	for i := range events {
		if events[i].Name == event.SwitchoverCommand {
			cmd = &events[i]
		}
	}
	if cmd == nil || cmd.Attrs["killed"] != killedInterrupted || cmd.Attrs["signal"] == "" {
		t.Fatalf("command event %+v: want killed=interrupted and the signal", cmd)
	}
	// The background sleep was in the process group: it is gone too.
	data, _ := os.ReadFile(pidFile)
	pid := strings.TrimSpace(string(data))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat("/proc/" + pid); err != nil {
			break
		}
		if st, _ := os.ReadFile("/proc/" + pid + "/stat"); strings.Contains(string(st), ") Z ") {
			break // a zombie waiting for its reaper: dead
		}
		if time.Now().After(deadline) {
			t.Fatalf("the command's child %s still runs after the kill", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// probeAt is a probe of slot seq for the recovery watch.
func probeAt(seq int64, ok bool, latency time.Duration) *store.Probe {
	p := &store.Probe{Seq: seq, Intended: seq * int64(100*time.Millisecond), LatencyNS: int64(latency), Outcome: store.OutcomeOK}
	if !ok {
		p.Outcome, p.ErrorClass = store.OutcomeError, store.ClassShutdown
	}
	return p
}

func TestRecoveryWatch(t *testing.T) {
	ms := time.Millisecond
	s1, s2 := &stream{}, &stream{}
	fired := 0
	w := newRecoveryWatch(time.Second, true, []*stream{s1, s2}, func() { fired++ })
	w.commandStarted(5 * int64(100*ms))
	// Slots 0-9 healthy, 10-19 failing on s1, healthy again from 20.
	for seq := int64(0); seq < 40; seq++ {
		w.observe(s1, probeAt(seq, seq < 10 || seq >= 20, ms))
	}
	// s2 stays healthy but its slot 30 ends last: the watch waits for it.
	for seq := int64(0); seq < 40; seq++ {
		if seq != 30 {
			w.observe(s2, probeAt(seq, true, ms))
		}
	}
	if fired != 0 {
		t.Fatal("fired before the command ended")
	}
	w.commandEnded(15 * int64(100*ms))
	if fired != 0 {
		t.Fatal("fired while a slot of s2 was still in flight")
	}
	w.observe(s2, probeAt(30, true, 5*time.Second)) // ended late, and stalled
	if fired != 0 {
		t.Fatal("fired although s2's slot 30 stalled (5s above the 100ms floor)")
	}
	for seq := int64(40); seq < 60; seq++ {
		w.observe(s1, probeAt(seq, true, ms))
		w.observe(s2, probeAt(seq, true, ms))
	}
	ok, from, outage := w.result()
	if !ok || fired != 1 || !outage {
		t.Fatalf("fired %v (%d times), outage %v: want once, after an outage", ok, fired, outage)
	}
	if want := 31 * int64(100*ms); from != want {
		t.Errorf("recovered from %v, want %v (the slot after s2's stall)", time.Duration(from), time.Duration(want))
	}

	// A command clients never noticed: the run ends need after it.
	fired = 0
	w = newRecoveryWatch(time.Second, true, []*stream{s1}, func() { fired++ })
	w.commandStarted(1)
	w.commandEnded(2 * int64(100*ms))
	for seq := int64(0); seq < 30 && fired == 0; seq++ {
		w.observe(s1, probeAt(seq, true, ms))
	}
	if ok, from, outage := w.result(); !ok || outage || from != 2*int64(100*ms) {
		t.Errorf("unnoticed switchover: fired %v outage %v from %v; want fired, no outage, from the command's end", ok, outage, time.Duration(from))
	}

	// Without a command, healthy probes alone never end the run.
	fired = 0
	w = newRecoveryWatch(time.Second, false, []*stream{s1}, func() { fired++ })
	for seq := int64(0); seq < 100; seq++ {
		w.observe(s1, probeAt(seq, true, ms))
	}
	if fired != 0 {
		t.Error("fired without a command and without an outage")
	}
}
