package record_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestProfilesRecordSideBySide records the built-in profile and two of
// the user's in one run: each is its own set of streams, its rows name it,
// run.json lists its settings and the lost-write check finds every
// profile's writes (the probe table is keyed by profile).
func TestProfilesRecordSideBySide(t *testing.T) {
	srv := sharedServer(t)
	res, rows := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Interval: 100 * time.Millisecond, Duration: time.Second,
		Conns: []string{"new"},
		Profiles: []record.Profile{
			{Name: "jvm", DNSCache: record.Duration(30 * time.Second)},
			{Name: "rw", Conn: "new", TargetSessionAttrs: "read-write", QueryTimeout: record.Duration(time.Second)},
		},
	})
	streams := byStream(rows)
	for _, c := range []struct{ stream, conn, profile string }{
		{"write/new/write", "new", "new"}, {"read/new/read", "new", "new"},
		{"write/jvm/write", "pooled", "jvm"}, {"read/jvm/read", "pooled", "jvm"},
		{"write/rw/write", "new", "rw"}, {"read/rw/read", "new", "rw"},
	} {
		rows := streams[c.stream]
		checkGrid(t, c.stream, rows, 100*time.Millisecond, 10)
		for _, p := range rows {
			if p.Conn != c.conn || p.Profile != c.profile || p.Outcome != store.OutcomeOK {
				t.Errorf("%s seq %d: conn %s profile %s %s %s, want conn %s profile %s ok", c.stream, p.Seq, p.Conn, p.Profile, p.Outcome, p.Error, c.conn, c.profile)
				break
			}
		}
	}
	if len(streams) != 6 {
		t.Errorf("%d streams, want 6 (2 kinds × 3 profiles)", len(streams))
	}
	if v := res.Verify; v == nil || v.AcknowledgedPresent != 30 || v.AcknowledgedMissing != 0 {
		t.Errorf("verify = %+v (%v), want the 30 writes of the 3 profiles present", res.Verify, res.VerifyErr)
	}
	b, err := os.ReadFile(filepath.Join(res.RunDir, store.RunInfoFile))
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Settings struct {
			Profiles []map[string]any `json:"profiles"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	ps := info.Settings.Profiles
	if len(ps) != 3 || ps[0]["name"] != "new" || ps[1]["name"] != "jvm" || ps[1]["conn"] != "pooled" || ps[1]["dns_cache"] != "30s" ||
		ps[2]["target_session_attrs"] != "read-write" || ps[2]["query_timeout"] != "1s" {
		t.Errorf("run.json profiles = %v", ps)
	}
}

// TestPoolDropsAfterReadOnly: on a read-only server, the default pool
// keeps handing out the connections it has (a demoted primary's), a pool
// that drops a connection after a read-only error dials a new one for
// every write, and target_session_attrs=read-write refuses the server at
// connect time, so its writes never see a read-only error.
func TestPoolDropsAfterReadOnly(t *testing.T) {
	srv, out := readOnlyServer(t)
	_, rows := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Interval: 100 * time.Millisecond, Duration: 2 * time.Second, Out: out, NoVerify: true,
		Kinds: []string{"write"},
		Profiles: []record.Profile{
			{Name: "stay", PoolSize: 2},
			{Name: "evict", PoolSize: 2, DropOnReadOnly: true},
			{Name: "rw", Conn: "new", TargetSessionAttrs: "read-write"},
		},
	})
	streams := byStream(rows)
	conns := func(rows []store.Probe) int {
		seen := map[int64]bool{}
		for _, p := range rows {
			if p.ErrorClass != store.ClassReadOnly {
				t.Errorf("%s seq %d: %s %s, want read_only", p.Stream(), p.Seq, p.Outcome, p.ErrorClass)
			}
			seen[p.ConnEstablished] = true
		}
		return len(seen)
	}
	if n := conns(streams["write/stay/write"]); n > 2 {
		t.Errorf("the default pool used %d connections, want at most its 2: it keeps them after read-only errors", n)
	}
	if n, all := conns(streams["write/evict/write"]), len(streams["write/evict/write"]); n != all || all != 20 {
		t.Errorf("the evicting pool used %d connections for %d writes, want a new one for each of 20", n, all)
	}
	for _, p := range streams["write/rw/write"] {
		if p.ErrorClass == store.ClassReadOnly || p.Outcome == store.OutcomeOK || p.ConnectDone != 0 {
			t.Errorf("rw seq %d: %s %s connect_done %d, want a failed connect, never read_only", p.Seq, p.Outcome, p.ErrorClass, p.ConnectDone)
		}
	}
	if len(streams["write/rw/write"]) != 20 {
		t.Errorf("rw: %d writes, want 20", len(streams["write/rw/write"]))
	}
}
