package analyze

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestRestartedLabel: the same server back after a restart (same address
// and system identifier, new postmaster start) is "healthy (restarted)",
// not a new server.
func TestRestartedLabel(t *testing.T) {
	r := simple("restart",
		synth.Phase{State: synth.Healthy, Duration: 5 * time.Second},
		synth.Phase{State: synth.Unavailable, Duration: 2 * time.Second, Class: store.ClassRefused},
		// synth's servers wrap around: server 4 is server 0's address
		// with a start 4 h later
		synth.Phase{State: synth.Healthy, Duration: 5 * time.Second, Server: 4})
	sum, _ := analyzeOne(t, r, Options{})
	ph := sum.Runs[0].Phases
	last := ph[len(ph)-1]
	if last.Label != "healthy (restarted)" || !last.Restarted || !last.NewServer {
		t.Errorf("last phase %+v: want healthy (restarted)", last)
	}
	r = simple("switch", r.Phases[0], r.Phases[1], synth.Phase{State: synth.Healthy, Duration: 5 * time.Second, Server: 1})
	sum, _ = analyzeOne(t, r, Options{})
	ph = sum.Runs[0].Phases
	if last := ph[len(ph)-1]; last.Label != "healthy (new server)" || last.Restarted {
		t.Errorf("last phase %+v: want healthy (new server)", last)
	}
}

// TestRestartOf: another system identifier or timeline at the same address
// is another server, not a restart.
func TestRestartOf(t *testing.T) {
	syms := newSymtab()
	addr, other := syms.intern("10.0.0.1:5432"), syms.intern("10.0.0.2:5432")
	sysA, sysB := syms.intern("111"), syms.intern("222")
	a := syms.ident(addr, 1, sysA, 1)
	for _, c := range []struct {
		name string
		b    uint32
		want bool
	}{
		{"restart", syms.ident(addr, 2, sysA, 1), true},
		{"restart, timeline unknown", syms.ident(addr, 3, sysA, 0), true},
		{"another system", syms.ident(addr, 4, sysB, 1), false},
		{"promoted (new timeline)", syms.ident(addr, 5, sysA, 2), false},
		{"another address", syms.ident(other, 6, sysA, 1), false},
		{"the same", syms.ident(addr, 1, sysA, 1), false},
	} {
		if got := syms.restartOf(a, c.b); got != c.want {
			t.Errorf("%s: restartOf = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestEventInsideOutage: an event that comes while an outage is already
// under way says since when, not "first error 0 s after it"; the event
// that starts the outage does not.
func TestEventInsideOutage(t *testing.T) {
	sum, _ := analyzeOne(t, aurora("inside"), Options{})
	evs := map[string]EventOffset{}
	for _, e := range sum.Runs[0].Metrics.Events {
		evs[e.Name] = e
	}
	un, ro := evs["fault_unavailable"], evs["fault_read_only"]
	if un.OutageSince != nil {
		t.Errorf("fault_unavailable starts the outage, but OutageSince = %v", un.OutageSince)
	}
	if ro.OutageSince == nil {
		t.Fatalf("fault_read_only came 4.1 s into the outage, OutageSince = %v", ro.OutageSince)
	}
	if d := ro.OutageSince.Sub(un.Time); d < -100*time.Millisecond || d > 100*time.Millisecond {
		t.Errorf("outage since %v, want about fault_unavailable's %v", ro.OutageSince, un.Time)
	}
}

// TestEventLabelAsWritten: a user's label keeps its spelling for people
// while the name it is matched by is made from it.
func TestEventLabelAsWritten(t *testing.T) {
	dir, _, err := aurora("label").Write(t.TempDir(), synth.WriteOptions{NoEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	log, err := store.CreateEventLog(filepath.Join(dir, store.EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 14, 9, 0, 20, 0, time.UTC)
	if err := log.Log(store.UserEvent(at, "pg_ctl stop -m fast")); err != nil {
		t.Fatal(err)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	sum, err := Analyze(context.Background(), []string{dir}, Options{Trigger: "pg_ctl_stop_m_fast"})
	if err != nil {
		t.Fatal(err)
	}
	evs := sum.Runs[0].Metrics.Events
	if len(evs) != 1 || evs[0].Name != "pg_ctl_stop_m_fast" || evs[0].Label != "pg_ctl stop -m fast" || evs[0].Called() != "pg_ctl stop -m fast" || !evs[0].Trigger {
		t.Errorf("events %+v: want name pg_ctl_stop_m_fast (the trigger), label %q", evs, "pg_ctl stop -m fast")
	}
}
