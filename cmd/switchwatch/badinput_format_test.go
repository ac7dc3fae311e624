package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/switchwatch/switchwatch/internal/synth"
	"github.com/switchwatch/switchwatch/record/store"
)

// The bad-input cases of files another tool or another version wrote
// (issue 20): they join badInputs, so TestBadInputs runs them with the
// rest.
func init() { badInputs = append(badInputs, formatInputs...) }

// segmentV1 is a probe segment of schema version 1: no profile column
// and none of the observation columns version 2 added.
type segmentV1 struct {
	RunID         string `parquet:"run_id,dict"`
	Kind          string `parquet:"kind,dict"`
	Conn          string `parquet:"conn,dict"`
	Endpoint      string `parquet:"endpoint,dict"`
	Seq           int64  `parquet:"seq"`
	Intended      int64  `parquet:"intended,timestamp(nanosecond)"`
	Start         int64  `parquet:"start,optional,timestamp(nanosecond)"`
	ConnectDone   int64  `parquet:"connect_done,optional,timestamp(nanosecond)"`
	End           int64  `parquet:"end,optional,timestamp(nanosecond)"`
	LatencyNS     int64  `parquet:"latency_ns"`
	Outcome       string `parquet:"outcome,dict"`
	ErrorClass    string `parquet:"error_class,optional,dict"`
	SQLState      string `parquet:"sqlstate,optional,dict"`
	Error         string `parquet:"error,optional,dict"`
	ResolvedAddrs string `parquet:"resolved_addrs,optional,dict"`
	ServerAddr    string `parquet:"server_addr,optional,dict"`
	ServerStart   int64  `parquet:"server_start,optional,timestamp(nanosecond)"`
	SystemID      string `parquet:"system_id,optional,dict"`
	InRecovery    *bool  `parquet:"in_recovery,optional"`
	SeenSeq       *int64 `parquet:"seen_seq,optional"`
}

func toV1(p *store.Probe) segmentV1 {
	return segmentV1{p.RunID, p.Kind, p.Conn, p.Endpoint, p.Seq, p.Intended, p.Start, p.ConnectDone, p.End, p.LatencyNS,
		p.Outcome, p.ErrorClass, p.SQLState, p.Error, p.ResolvedAddrs, p.ServerAddr, p.ServerStart, p.SystemID, p.InRecovery, p.SeenSeq}
}

// segmentMillis is a probe segment whose intended start is stored in
// milliseconds, as the Parquet schema says.
type segmentMillis struct {
	RunID      string `parquet:"run_id,dict"`
	Kind       string `parquet:"kind,dict"`
	Conn       string `parquet:"conn,dict"`
	Endpoint   string `parquet:"endpoint,dict"`
	Seq        int64  `parquet:"seq"`
	Intended   int64  `parquet:"intended,timestamp(millisecond)"`
	Start      int64  `parquet:"start,optional,timestamp(nanosecond)"`
	End        int64  `parquet:"end,optional,timestamp(nanosecond)"`
	LatencyNS  int64  `parquet:"latency_ns"`
	Outcome    string `parquet:"outcome,dict"`
	ErrorClass string `parquet:"error_class,optional,dict"`
	ServerAddr string `parquet:"server_addr,optional,dict"`
}

// writeSegmentVersion writes rows as a Parquet file at path that says it
// is of schema version v.
func writeSegmentVersion[T any](t *testing.T, path string, rows []T, v string) {
	t.Helper()
	if err := parquet.WriteFile(path, rows, parquet.KeyValueMetadata(store.MetaSchemaVersion, v)); err != nil {
		t.Fatal(err)
	}
}

// rewriteOutageRun writes outageRun(id)'s run.json under dir and hands
// its rows (with the profile the recorder writes) to write, which writes
// the run's segments into the run folder it is given.
func rewriteOutageRun(t *testing.T, dir, id string, write func(run string, rows []store.Probe)) {
	t.Helper()
	r := outageRun(id)
	rows, truth := r.Probes()
	run, err := r.WriteRows(dir, nil, truth, synth.WriteOptions{NoEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rows[i].Profile = rows[i].Conn // as the recorder writes it since version 2
	}
	write(run, rows)
}

// changeRows writes outageRun(id) with change applied to every row.
func changeRows(id string, change func(p *store.Probe)) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		rewriteOutageRun(t, dir, id, func(run string, rows []store.Probe) {
			for i := range rows {
				change(&rows[i])
			}
			if err := store.WriteProbesFile(filepath.Join(run, store.SegmentName(1)), rows); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// keepRows writes outageRun(id) with only the rows keep keeps.
func keepRows(id string, keep func(p *store.Probe) bool) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		rewriteOutageRun(t, dir, id, func(run string, rows []store.Probe) {
			var kept []store.Probe
			for _, p := range rows {
				if keep(&p) {
					kept = append(kept, p)
				}
			}
			if err := store.WriteProbesFile(filepath.Join(run, store.SegmentName(1)), kept); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// segmentNoClass is a segment of another tool that lacks error_class.
type segmentNoClass struct {
	RunID       string `parquet:"run_id,dict"`
	Kind        string `parquet:"kind,dict"`
	Conn        string `parquet:"conn,dict"`
	Endpoint    string `parquet:"endpoint,dict"`
	Seq         int64  `parquet:"seq"`
	Intended    int64  `parquet:"intended,timestamp(nanosecond)"`
	Start       int64  `parquet:"start,optional,timestamp(nanosecond)"`
	End         int64  `parquet:"end,optional,timestamp(nanosecond)"`
	LatencyNS   int64  `parquet:"latency_ns"`
	Outcome     string `parquet:"outcome,dict"`
	ServerAddr  string `parquet:"server_addr,optional,dict"`
	ServerStart int64  `parquet:"server_start,optional,timestamp(nanosecond)"`
}

// segmentNoServer is a segment of another tool without the server
// columns (server_addr, server_start, system_id, in_recovery).
type segmentNoServer struct {
	RunID      string `parquet:"run_id,dict"`
	Kind       string `parquet:"kind,dict"`
	Conn       string `parquet:"conn,dict"`
	Endpoint   string `parquet:"endpoint,dict"`
	Seq        int64  `parquet:"seq"`
	Intended   int64  `parquet:"intended,timestamp(nanosecond)"`
	Start      int64  `parquet:"start,optional,timestamp(nanosecond)"`
	End        int64  `parquet:"end,optional,timestamp(nanosecond)"`
	LatencyNS  int64  `parquet:"latency_ns"`
	Outcome    string `parquet:"outcome,dict"`
	ErrorClass string `parquet:"error_class,optional,dict"`
}

// segmentNoServerProfiles is segmentNoServer with the profile column,
// so that the run has client profiles to analyze one by one.
type segmentNoServerProfiles struct {
	RunID      string `parquet:"run_id,dict"`
	Kind       string `parquet:"kind,dict"`
	Conn       string `parquet:"conn,dict"`
	Profile    string `parquet:"profile,optional,dict"`
	Endpoint   string `parquet:"endpoint,dict"`
	Seq        int64  `parquet:"seq"`
	Intended   int64  `parquet:"intended,timestamp(nanosecond)"`
	Start      int64  `parquet:"start,optional,timestamp(nanosecond)"`
	End        int64  `parquet:"end,optional,timestamp(nanosecond)"`
	LatencyNS  int64  `parquet:"latency_ns"`
	Outcome    string `parquet:"outcome,dict"`
	ErrorClass string `parquet:"error_class,optional,dict"`
}

// readOnlyRun is a switchover with 2 s unavailable, then 3 s read-only:
// error_class tells the two apart, server_addr the change of server.
func readOnlyRun(id string) *synth.Run {
	return &synth.Run{
		ID: id, Interval: 50 * time.Millisecond, Start: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC),
		Phases: []synth.Phase{
			{State: synth.Healthy, Duration: 5 * time.Second},
			{State: synth.Unavailable, Duration: 2 * time.Second},
			{State: synth.ReadOnly, Duration: 3 * time.Second, Server: 1},
			{State: synth.Healthy, Duration: 5 * time.Second, Server: 1},
		},
		Seed: 7,
	}
}

// writeReadOnlyRun writes readOnlyRun(id) under dir, its rows through
// convert into one segment.
func writeReadOnlyRun[T any](t *testing.T, dir, id string, convert func(*store.Probe) T) {
	t.Helper()
	r := readOnlyRun(id)
	rows, truth := r.Probes()
	run, err := r.WriteRows(dir, nil, truth, synth.WriteOptions{NoEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]T, len(rows))
	for i := range rows {
		out[i] = convert(&rows[i])
	}
	writeSegmentVersion(t, filepath.Join(run, store.SegmentName(1)), out, "2")
}

var formatInputs = []badInput{
	// item 1: another version's or another tool's files
	{
		name: "segments of schema versions 1 and 2 in one run",
		setup: func(t *testing.T, dir string) {
			rewriteOutageRun(t, dir, "mixed", func(run string, rows []store.Probe) {
				mid := rows[0].Intended + int64(6e9)
				var v1 []segmentV1
				var v2 []store.Probe
				for i := range rows {
					if rows[i].Intended < mid {
						v1 = append(v1, toV1(&rows[i]))
					} else {
						v2 = append(v2, rows[i])
					}
				}
				writeSegmentVersion(t, filepath.Join(run, store.SegmentName(1)), v1, "1")
				if err := store.WriteProbesFile(filepath.Join(run, store.SegmentName(2)), v2); err != nil {
					t.Fatal(err)
				}
			})
		},
		args:    []string{"analyze", "DIR"},
		out:     []string{"probes in 2 streams", "write down 3.15 s"},
		notOut:  []string{"NOT RECOVERED"},
		numbers: outageNumbers,
	},
	{
		name: "intended in milliseconds",
		setup: func(t *testing.T, dir string) {
			rewriteOutageRun(t, dir, "ms", func(run string, rows []store.Probe) {
				ms := make([]segmentMillis, len(rows))
				for i, p := range rows {
					ms[i] = segmentMillis{p.RunID, p.Kind, p.Conn, p.Endpoint, p.Seq, p.Intended / 1e6, p.Start, p.End, p.LatencyNS, p.Outcome, p.ErrorClass, p.ServerAddr}
				}
				writeSegmentVersion(t, filepath.Join(run, store.SegmentName(1)), ms, "2")
			})
		},
		args:    []string{"analyze", "DIR"},
		out:     []string{"write down 3.15 s"},
		numbers: outageNumbers,
	},
	{
		name: "outcome OK in capitals",
		setup: changeRows("caps", func(p *store.Probe) {
			if p.Outcome == store.OutcomeOK {
				p.Outcome = "OK"
			}
		}),
		args: []string{"analyze", "DIR"},
		code: 1,
		out:  []string{`DIR/run=caps/probes-000001.parquet: outcome "OK" is none of ok, error, timeout, skipped`},
	},
	{
		name: "kind WRITE in capitals",
		setup: changeRows("caps", func(p *store.Probe) {
			if p.Kind == store.KindWrite {
				p.Kind = "WRITE"
			}
		}),
		args: []string{"analyze", "DIR"},
		code: 1,
		out:  []string{`DIR/run=caps/probes-000001.parquet: kind "WRITE" is none of write, read, connect`},
	},
	{
		name: "outcome failed",
		setup: changeRows("failed", func(p *store.Probe) {
			if p.Outcome == store.OutcomeError {
				p.Outcome = "failed"
			}
		}),
		args: []string{"analyze", "DIR"},
		code: 1,
		out:  []string{`DIR/run=failed/probes-000001.parquet: outcome "failed" is none of ok, error, timeout, skipped`},
	},
	// item 4: values no recorder writes
	{
		name: "negative latencies and a latency of 2^63-1",
		setup: changeRows("lat", func(p *store.Probe) {
			switch {
			case p.Kind == store.KindWrite && p.Seq >= 10 && p.Seq < 20:
				p.LatencyNS = -5
			case p.Kind == store.KindWrite && (p.Seq == 30 || p.Seq == 31):
				p.LatencyNS = math.MaxInt64
			}
		}),
		args: []string{"analyze", "DIR"},
		out: []string{
			"12 rows with a latency or time no recorder measures dropped (counted as missing), the first write/new/write seq 10: latency_ns -5 is negative",
			"stalled 0 s",
			"write down unknown (at least 3.15 s",
		},
		// the dropped rows are slots without data: write_downtime is
		// unknown, its known part the clean outage, and the group has no
		// value for it
		numbers: map[string]float64{"runs": 1, "rows": 526 - 12, "run.known_write_downtime_s": 3.15, "group.write_downtime.n": 0,
			"group.unavailable_time.n": 1, "group.unavailable_time.median_s": 3.15},
	},
	{
		// one stream stamped by a clock of 1970 made an outage of 56 years
		// (unavailable 6.3 s, NOT RECOVERED, outage_time 1766016003 s)
		name: "one stream dated 1970",
		setup: changeRows("old", func(p *store.Probe) {
			if p.Kind == store.KindRead {
				p.Intended -= int64(56 * 365 * 24 * time.Hour)
				if p.Start != 0 {
					p.Start -= int64(56 * 365 * 24 * time.Hour)
					p.End -= int64(56 * 365 * 24 * time.Hour)
				}
			}
		}),
		args: []string{"analyze", "--runs", "DIR"},
		out: []string{
			"263 rows with a latency or time no recorder measures dropped (counted as missing), the first read/new/read seq 0: intended 11872800000000000 is not a time between the years 2000 and 2200",
			"263 probes in 1 stream",
			"1 outage window, recovered",
		},
		numbers: with("rows", 263),
	},
	// item 2: repeated and conflicting rows
	{
		name: "a second segment repeats the failed rows as ok",
		setup: func(t *testing.T, dir string) {
			rewriteOutageRun(t, dir, "dup", func(run string, rows []store.Probe) {
				var again []store.Probe
				for _, p := range rows {
					if p.Outcome != store.OutcomeOK {
						p.Outcome, p.ErrorClass, p.Error = store.OutcomeOK, "", ""
						again = append(again, p)
					}
				}
				for i, seg := range [][]store.Probe{rows, again} {
					if err := store.WriteProbesFile(filepath.Join(run, store.SegmentName(i+1)), seg); err != nil {
						t.Fatal(err)
					}
				}
			})
		},
		args: []string{"analyze", "DIR"},
		// the first version is kept, and the conflict named, never silent
		out:     []string{"warning: stream write/new/write: 63 duplicate rows disagree with the row kept (first at seq 100: kept error/refused, dropped ok); the run holds two versions of the same probes"},
		numbers: with("rows", 526+126),
	},
	// item 3: missing rows are unknown, not healthy
	{
		name:  "every failed row missing",
		setup: keepRows("hole", func(p *store.Probe) bool { return p.Outcome == store.OutcomeOK }),
		args:  []string{"analyze", "--runs", "DIR"},
		out:   []string{"write down unknown (at least 0 s", "no data 3.1"},
		numbers: map[string]float64{"runs": 1, "rows": 526 - 126, "run.known_write_downtime_s": 0, "group.write_downtime.n": 0,
			"run.unavailable_s": 0},
	},
	{
		name: "a run cut off mid-outage",
		setup: keepRows("cut", func(p *store.Probe) bool {
			return p.Intended < outageRun("cut").Start.Add(6*time.Second).UnixNano()
		}),
		args: []string{"analyze", "--runs", "DIR"},
		out:  []string{"NOT RECOVERED by the end of the run"},
		// the outage ends with the last row's slot (5.975 s + one
		// interval), not at a recovery the data never showed
		numbers: map[string]float64{"runs": 1, "run.write_downtime_s": 1.025, "run.unavailable_s": 1.025},
	},
	// item 6: a degraded recorder
	{
		name: "a recorder that started every probe 40 ms late",
		setup: changeRows("late", func(p *store.Probe) {
			if p.Start != 0 {
				p.Start += 40e6
				p.End += 40e6
			}
		}),
		args: []string{"analyze", "DIR"},
		out:  []string{"warning: RECORDER DEGRADED: probes started a median 40.1ms late (more than half the 50ms interval)"},
		// still the clean outage: lateness is flagged, not guessed away
		numbers: with("run.degraded", 1),
	},
	{
		name: "a steady state of 1.15 s",
		setup: changeRows("slow", func(p *store.Probe) {
			if p.Outcome == store.OutcomeOK {
				p.LatencyNS = 1150e6
				p.End = p.Start + p.LatencyNS
			}
		}),
		args: []string{"analyze", "DIR"},
		out: []string{
			"RECORDER DEGRADED: the steady state is itself slow: read/new/read's median latency 1.15s before any failure (the derived thresholds are cut to 1s slow, 2s stalled)",
			"slow above 1 s, stalled above 2 s",
		},
		numbers: with("run.degraded", 1),
	},
	// item 2: optional columns absent
	{
		name: "a segment without error_class",
		setup: func(t *testing.T, dir string) {
			writeReadOnlyRun(t, dir, "noclass", func(p *store.Probe) segmentNoClass {
				return segmentNoClass{p.RunID, p.Kind, p.Conn, p.Endpoint, p.Seq, p.Intended, p.Start, p.End, p.LatencyNS, p.Outcome, p.ServerAddr, p.ServerStart}
			})
		},
		args: []string{"analyze", "DIR"},
		out: []string{
			"warning: DIR/run=noclass/probes-000001.parquet has no error_class column: failures cannot be told apart (read-only from unavailable from other errors), so read_only_time, unavailable_time, error_time and the failures by class are unknown",
			"read-only unknown, unavailable unknown, error unknown",
			"unknown in 1 run: read_only_time, unavailable_time (error_class is absent)",
		},
		// write down is still known: a failure is a failure
		// (nor has it seen_seq: staleness unknown)
		numbers: map[string]float64{"runs": 1, "run.write_downtime_s": 5, "run.unknown": 5,
			"group.write_downtime.median_s": 5, "group.read_only_time.n": 0, "group.unavailable_time.n": 0},
	},
	{
		name: "a segment without the server columns",
		setup: func(t *testing.T, dir string) {
			writeReadOnlyRun(t, dir, "noserver", func(p *store.Probe) segmentNoServer {
				return segmentNoServer{p.RunID, p.Kind, p.Conn, p.Endpoint, p.Seq, p.Intended, p.Start, p.End, p.LatencyNS, p.Outcome, p.ErrorClass}
			})
		},
		args: []string{"analyze", "DIR"},
		out: []string{
			"warning: DIR/run=noserver/probes-000001.parquet has no server_addr or server_start column: which server answered is unknown, so the server and timeline changes and the writes of an old primary are unknown",
			"warning: DIR/run=noserver/probes-000001.parquet has no seen_seq column: which writes the reads saw is unknown, so the readers' staleness is unknown",
			"server changes unknown (server_addr and server_start are absent)",
		},
		notOut: []string{"server changed"},
		numbers: map[string]float64{"runs": 1, "run.write_downtime_s": 5, "run.unknown": 6, "run.server_change_count_known": 0,
			"group.read_only_time.median_s": 3, "group.unavailable_time.median_s": 2},
	},
	{
		name: "a segment without the server columns, with client profiles",
		setup: func(t *testing.T, dir string) {
			writeReadOnlyRun(t, dir, "noserverprof", func(p *store.Probe) segmentNoServerProfiles {
				return segmentNoServerProfiles{p.RunID, p.Kind, p.Conn, "app-" + p.Kind, p.Endpoint, p.Seq, p.Intended, p.Start, p.End, p.LatencyNS, p.Outcome, p.ErrorClass}
			})
		},
		args: []string{"analyze", "DIR"},
		out:  []string{"server changes unknown (server_addr and server_start are absent)"},
		// each profile's metrics are marked as the run's are
		numbers: map[string]float64{"runs": 1, "run.unknown": 6, "run.server_change_count_known": 0,
			"run.profiles": 2, "run.profiles.min_unknown": 6, "run.profiles.server_change_count_known": 0},
	},
	// item 3: a run folder renamed without run=
	{
		name: "a run folder renamed without run=",
		setup: func(t *testing.T, dir string) {
			r := outageRun("x")
			r.Lost = []int64{3}
			run, _, err := r.Write(filepath.Join(dir, "runs"), synth.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(run, filepath.Join(dir, "runs", "renamed")); err != nil {
				t.Fatal(err)
			}
		},
		args:    []string{"analyze", "DIR/runs"},
		out:     []string{"\nrun x\n", "lost writes: 1 lost"},
		notOut:  []string{"run renamed"},
		numbers: with("run.events", 1),
	},
	{
		name: "a renamed run folder given itself",
		setup: func(t *testing.T, dir string) {
			run, _, err := outageRun("x").Write(dir, synth.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(run, filepath.Join(dir, "renamed")); err != nil {
				t.Fatal(err)
			}
		},
		args:    []string{"analyze", "DIR/renamed"},
		numbers: with("run.events", 1),
	},
	{
		name: "a renamed run folder with another run's verify.json",
		setup: func(t *testing.T, dir string) {
			r := outageRun("x")
			r.Verify = true
			run, _, err := r.Write(dir, synth.WriteOptions{NoEvents: true})
			if err != nil {
				t.Fatal(err)
			}
			setVerifyRun(t, run, "other")
			if err := os.Rename(run, filepath.Join(dir, "renamed")); err != nil {
				t.Fatal(err)
			}
		},
		args:    []string{"analyze", "DIR/renamed"},
		out:     []string{`warning: DIR/renamed/verify.json: the lost-write check of run "other", not of run "x": not applied`},
		numbers: outageNumbers,
	},
	// item 5: imports cross-check their options against the data
	{
		name:  "import pgbench --rate far below the logged rate",
		setup: pgbenchRateLogs(nil),
		args:  []string{"import", "pgbench", "--rate", "20", "--out", "DIR/out", "DIR/logs/pgbench_log_rate.pid", "DIR/logs/pgbench_log_rate.pid.1"},
		code:  1,
		out:   []string{"--rate 20 disagrees with the logs: the logs (DIR/logs/pgbench_log_rate.pid, DIR/logs/pgbench_log_rate.pid.1) hold 74.45 transactions/s over their 255ms, more than pgbench schedules at that rate"},
	},
	{
		name:  "import pgbench --rate far above the logged rate",
		setup: pgbenchRateLogs(nil),
		args:  []string{"import", "pgbench", "--rate", "400", "--out", "DIR/out", "DIR/logs/pgbench_log_rate.pid", "DIR/logs/pgbench_log_rate.pid.1"},
		out:   []string{"--rate 400 is more than twice what the logs (DIR/logs/pgbench_log_rate.pid, DIR/logs/pgbench_log_rate.pid.1) hold 74.45 transactions/s over their 255ms: either the run was down most of the time or --rate is wrong"},
	},
	{
		name:  "import pgbench aggregated logs with --rate far below the logged rate",
		setup: pgbenchAggRateLogs,
		args:  []string{"import", "pgbench", "--rate", "20", "--out", "DIR/out", "DIR/logs/pgbench_log_aggregate_rate.pid", "DIR/logs/pgbench_log_aggregate_rate.pid.1"},
		code:  1,
		out:   []string{"--rate 20 disagrees with the logs: the logs (DIR/logs/pgbench_log_aggregate_rate.pid, DIR/logs/pgbench_log_aggregate_rate.pid.1) hold 76 transactions/s over their 3s, more than pgbench schedules at that rate"},
	},
	{
		name:  "import pgbench aggregated logs with --rate far above the logged rate",
		setup: pgbenchAggRateLogs,
		args:  []string{"import", "pgbench", "--rate", "400", "--out", "DIR/out", "DIR/logs/pgbench_log_aggregate_rate.pid", "DIR/logs/pgbench_log_aggregate_rate.pid.1"},
		out:   []string{"--rate 400 is more than twice what the logs (DIR/logs/pgbench_log_aggregate_rate.pid, DIR/logs/pgbench_log_aggregate_rate.pid.1) hold 76 transactions/s over their 3s: either the run was down most of the time or --rate is wrong"},
	},
	{
		name: "import pgbench thread files 12 years apart",
		setup: pgbenchRateLogs(func(name string, b []byte) []byte {
			if name != "pgbench_log_rate.pid.1" {
				return b
			}
			return shiftEpochs(b, 12*365*86400)
		}),
		args: []string{"import", "pgbench", "--out", "DIR/out", "DIR/logs/pgbench_log_rate.pid", "DIR/logs/pgbench_log_rate.pid.1"},
		code: 1,
		out:  []string{"DIR/logs/pgbench_log_rate.pid and DIR/logs/pgbench_log_rate.pid.1 are 105120h0m0s apart (more than 1h0m0s between one pgbench run's end and the next one's start): not one recording; import them separately"},
	},
	{
		name: "import pgbench a gzip'd thread file",
		setup: pgbenchRateLogs(func(name string, b []byte) []byte {
			if name != "pgbench_log_rate.pid.1" {
				return b
			}
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			w.Write(b)
			w.Close()
			return z.Bytes()
		}),
		args: []string{"import", "pgbench", "--out", "DIR/out", "DIR/logs/pgbench_log_rate.pid", "DIR/logs/pgbench_log_rate.pid.1"},
		code: 1,
		out:  []string{"DIR/logs/pgbench_log_rate.pid.1: no usable pgbench log line (a compressed file, another format, times in another unit?)"},
	},
	{
		name: "import pgbench a thread file with millisecond epochs",
		setup: pgbenchRateLogs(func(name string, b []byte) []byte {
			if name != "pgbench_log_rate.pid.1" {
				return b
			}
			return millisEpochs(b)
		}),
		args: []string{"import", "pgbench", "--out", "DIR/out", "DIR/logs/pgbench_log_rate.pid", "DIR/logs/pgbench_log_rate.pid.1"},
		code: 1,
		out:  []string{"DIR/logs/pgbench_log_rate.pid.1: no usable pgbench log line (a compressed file, another format, times in another unit?)"},
	},
	{
		name: "import jsonl a gzip'd file beside a good one",
		setup: func(t *testing.T, dir string) {
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "import", "jsonl", "basic", "requests.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			w.Write(b)
			w.Close()
			os.WriteFile(filepath.Join(dir, "a.jsonl"), b, 0o644)
			os.WriteFile(filepath.Join(dir, "b.jsonl"), z.Bytes(), 0o644)
		},
		args: []string{"import", "jsonl", "--out", "DIR/out", "DIR/a.jsonl", "DIR/b.jsonl"},
		code: 1,
		out:  []string{"switchwatch: import jsonl: DIR/b.jsonl: no usable request line (a compressed file, another format, times in another unit?): the first, DIR/b.jsonl:1: not a request line: not a JSON object"},
	},
	{
		name:  "import jsonl every failure line invalid",
		setup: jsonlFailuresInvalid,
		args:  []string{"import", "jsonl", "--out", "DIR/out", "DIR/a.jsonl"},
		code:  1,
		out: []string{"switchwatch: import jsonl: DIR/a.jsonl: 11 of its 11 failure lines were skipped as invalid, the first at DIR/a.jsonl:4: not a request line: json: cannot unmarshal number into Go struct field jsonlLine.time of type string: " +
			"the failures they record would be missing from the run, which would look healthier than it was (fix the lines, or accept up to N lines or P% of them with --max-skipped-failures N|P%, now 0)"},
	},
	{
		name:  "import jsonl every failure line invalid, more than --max-skipped-failures",
		setup: jsonlFailuresInvalid,
		args:  []string{"import", "jsonl", "--max-skipped-failures", "10", "--out", "DIR/out", "DIR/a.jsonl"},
		code:  1,
		out:   []string{"DIR/a.jsonl: 11 of its 11 failure lines were skipped as invalid", "now 10)"},
	},
	{
		name:  "import jsonl every failure line invalid, accepted",
		setup: jsonlFailuresInvalid,
		args:  []string{"import", "jsonl", "--max-skipped-failures", "100%", "--out", "DIR/out", "DIR/a.jsonl"},
		out:   []string{"took 4 lines from 1 files, skipped 11: 11 not a request line (first at DIR/a.jsonl:4)", "(4 rows: 4 ok)"},
	},
	{
		name: "import pgbench every failed line invalid",
		setup: func(t *testing.T, dir string) {
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "import", "pgbench", "serialization-failed", "pgbench_log_serialization_failed.pid"))
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
				if c := strings.Fields(l); c[2] == "failed" {
					c[3] = "x" // script_no
					l = strings.Join(c, " ")
				}
				out = append(out, l)
			}
			os.WriteFile(filepath.Join(dir, "pgbench_log.1"), []byte(strings.Join(out, "\n")+"\n"), 0o644)
		},
		args: []string{"import", "pgbench", "--out", "DIR/out", "DIR/pgbench_log.1"},
		code: 1,
		out:  []string{`switchwatch: import pgbench: DIR/pgbench_log.1: 28 of its 28 failure lines were skipped as invalid, the first at DIR/pgbench_log.1:2: not a pgbench line: script_no "x" is not a non-negative integer: the failures they record would be missing from the run`},
	},
}

// jsonlFailuresInvalid writes DIR/a.jsonl: testdata/import/jsonl/basic
// whose 11 failure lines have their time as a millisecond epoch (a JSON
// number), which makes each invalid, while its 4 ok lines are fine.
func jsonlFailuresInvalid(t *testing.T, dir string) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "import", "jsonl", "basic", "requests.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	at := regexp.MustCompile(`"time":"[^"]*"`)
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !strings.Contains(l, `"outcome":"ok"`) {
			l = at.ReplaceAllString(l, `"time":1795633200300`)
		}
		out = append(out, l)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.jsonl"), []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// setVerifyRun makes the verify.json of a run folder name run id.
func setVerifyRun(t *testing.T, run, id string) {
	t.Helper()
	v, err := store.ReadVerify(run)
	if err != nil || v == nil {
		t.Fatalf("verify.json: %v, %v", v, err)
	}
	v.RunID = id
	if err := store.WriteVerify(run, v); err != nil {
		t.Fatal(err)
	}
}

// pgbenchRateLogs copies testdata/import/pgbench/rate's two thread files
// to DIR/logs, through change when given.
func pgbenchRateLogs(change func(name string, b []byte) []byte) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
		for _, name := range []string{"pgbench_log_rate.pid", "pgbench_log_rate.pid.1"} {
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "import", "pgbench", "rate", name))
			if err != nil {
				t.Fatal(err)
			}
			if change != nil {
				b = change(name, b)
			}
			if err := os.WriteFile(filepath.Join(dir, "logs", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// pgbenchAggRateLogs copies testdata/import/pgbench/aggregate-rate's two
// thread files (aggregated, pgbench -R 100) to DIR/logs.
func pgbenchAggRateLogs(t *testing.T, dir string) {
	os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
	for _, name := range []string{"pgbench_log_aggregate_rate.pid", "pgbench_log_aggregate_rate.pid.1"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "import", "pgbench", "aggregate-rate", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "logs", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// shiftEpochs adds sec to the epoch column (the fifth) of a pgbench log.
func shiftEpochs(b []byte, sec int64) []byte {
	return mapEpochs(b, func(epoch, us int64) string { return fmt.Sprintf("%d %d", epoch+sec, us) })
}

// millisEpochs writes the epoch column in milliseconds, as some tools do.
func millisEpochs(b []byte) []byte {
	return mapEpochs(b, func(epoch, us int64) string { return fmt.Sprintf("%d %d", epoch*1000+us/1000, us) })
}

func mapEpochs(b []byte, f func(epoch, us int64) string) []byte {
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		c := strings.Fields(line)
		epoch, _ := strconv.ParseInt(c[4], 10, 64)
		us, _ := strconv.ParseInt(c[5], 10, 64)
		c = append(c[:4], append(strings.Fields(f(epoch, us)), c[6:]...)...)
		out = append(out, strings.Join(c, " "))
	}
	return []byte(strings.Join(out, "\n") + "\n")
}
