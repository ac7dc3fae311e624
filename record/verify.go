package record

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/record/store"
)

// verifyRetry is how long Verify keeps trying to reach the write endpoint:
// right after a switchover it may still be moving.
const verifyRetry = 30 * time.Second

// sqlStateUniqueViolation is the server's answer to a write whose key the
// probe table holds already.
const sqlStateUniqueViolation = "23505"

// writeKey is a probe table key: the table's conn column holds the
// write's profile (for the built-in profiles, its connection mode).
type writeKey struct {
	conn string
	seq  int64
}

// VerifyOptions tune the lost-write check.
type VerifyOptions struct {
	// Table is the probe table to read back from. Empty: the table run.json
	// says the run wrote to (DefaultTable for a run.json that does not say).
	// A table that disagrees with run.json is refused unless ForceTable:
	// every write would be reported lost.
	Table      string
	ForceTable bool
	// DNSServer resolves the write endpoint's host name (HOST:PORT; "" for
	// the system resolver), as Config.DNSServer does.
	DNSServer string
}

// ErrWrongTable is wrapped by VerifyWith's error for a Table that disagrees
// with the one run.json names.
var ErrWrongTable = errors.New("not the table the run wrote to")

// Verify is the lost-write check: it reads back from the write endpoint the
// keys this run inserted and gives every write probe that ran a verdict
// (see store.Verify), then writes verify.json into the run folder. table is
// VerifyOptions.Table.
func Verify(ctx context.Context, runDir, writeDSN, table string) (*store.Verify, error) {
	return VerifyWith(ctx, runDir, writeDSN, VerifyOptions{Table: table})
}

// VerifyVia is Verify resolving the write endpoint's host name with the
// DNS server at dnsServer (HOST:PORT; "" for the system resolver), as
// Config.DNSServer does.
func VerifyVia(ctx context.Context, runDir, writeDSN, table, dnsServer string) (*store.Verify, error) {
	return VerifyWith(ctx, runDir, writeDSN, VerifyOptions{Table: table, DNSServer: dnsServer})
}

// runTable is the probe table run.json says the run wrote to, "" when it
// does not say.
func runTable(info *store.RunInfo) string {
	t, _ := info.Settings["table"].(string)
	return t
}

// VerifyWith is Verify with options. It refuses, before connecting or
// writing anything, a check that cannot be right: a run being recorded, a
// table other than the run's, unreadable probe files.
func VerifyWith(ctx context.Context, runDir, writeDSN string, opt VerifyOptions) (*store.Verify, error) {
	if err := checkDNSServer(opt.DNSServer); err != nil {
		return nil, err
	}
	info, err := store.ReadRunInfo(runDir)
	if err != nil {
		return nil, err
	}
	table, err := verifyTable(runDir, info, opt)
	if err != nil {
		return nil, err
	}
	if active, err := store.RunActive(runDir); err != nil {
		return nil, err
	} else if active {
		return nil, fmt.Errorf("%s: %w: check it when the recording has ended", runDir, store.ErrRunActive)
	}
	sc := &scrubber{}
	cfg, err := parseDSN("--write-dsn", writeDSN, sc)
	if err != nil {
		return nil, err
	}
	useDNSServer(cfg, opt.DNSServer)
	cfg = prepareConfig(cfg)
	qt, err := quoteTable(table)
	if err != nil {
		return nil, err
	}
	writes, err := readWrites(runDir)
	if err != nil {
		return nil, err
	}
	present, server, err := readBackKeys(ctx, cfg, qt, info.RunID, sc)
	if err != nil {
		return nil, fmt.Errorf("lost-write check via %s: %w", endpointName(writeDSN, cfg), err)
	}
	v := writes.verdicts(present)
	v.RunID, v.CheckedAt, v.Endpoint, v.ServerAddr = info.RunID, time.Now().UTC(), endpointName(writeDSN, cfg), server
	if err := store.WriteVerify(runDir, v); err != nil {
		return nil, err
	}
	if info.Verify != "" { // done now: run.json no longer says it was not
		info.Verify = ""
		if err := store.WriteRunInfo(runDir, info); err != nil {
			return v, err
		}
	}
	return v, nil
}

// verifyTable is the probe table to read back from: opt.Table, else the
// one run.json names, else DefaultTable; a table other than run.json's
// only with opt.ForceTable.
func verifyTable(runDir string, info *store.RunInfo, opt VerifyOptions) (string, error) {
	table, recorded := opt.Table, runTable(info)
	switch {
	case table == "" && recorded != "":
		table = recorded
	case table == "":
		table = DefaultTable
	case recorded != "" && table != recorded && !opt.ForceTable:
		return "", fmt.Errorf("--table %s: %w: %s says it wrote to %s (leave --table out, or add --force-table to check %s anyway)",
			table, ErrWrongTable, filepath.Join(runDir, store.RunInfoFile), recorded, table)
	}
	return table, nil
}

// writeLog is what a run's files say of its write probes.
type writeLog struct {
	acked map[writeKey]bool // write probes that ran: true when acknowledged
	// reused: a write failed on the duplicate key, so the table held rows
	// of this run id before the run (an earlier run's, see DuplicateKey)
	reused  bool
	streams map[string]string // profile (the table's conn column) → write stream name
}

// readWrites reads the write probes that ran from a run's files, refusing
// a run with an unreadable file: its verdicts would be wrong.
func readWrites(runDir string) (*writeLog, error) {
	l := &writeLog{acked: map[writeKey]bool{}, streams: map[string]string{}}
	var skipped []store.SkippedFile
	err := store.ReadRun(runDir, func(p *store.Probe) error {
		if p.Kind == store.KindWrite && p.Outcome != store.OutcomeSkipped {
			k := writeKey{p.ProfileName(), p.Seq}
			l.acked[k] = p.Outcome == store.OutcomeOK
			if p.Outcome != store.OutcomeOK && p.SQLState == sqlStateUniqueViolation {
				l.reused = true
			}
			if _, ok := l.streams[p.ProfileName()]; !ok {
				l.streams[p.ProfileName()] = p.Stream()
			}
		}
		return nil
	}, func(s store.SkippedFile) { skipped = append(skipped, s) })
	if err != nil {
		return nil, fmt.Errorf("read write probes of %s: %w", runDir, err)
	}
	if len(skipped) > 0 {
		return nil, fmt.Errorf("read write probes of %s: %s unreadable (%s): verdicts would be wrong", runDir, skipped[0].Path, skipped[0].Reason)
	}
	return l, nil
}

// verdicts gives every write probe that ran a verdict against the keys
// present in the table, and counts the keys no probe wrote.
func (l *writeLog) verdicts(present map[writeKey]bool) *store.Verify {
	v := &store.Verify{LostSeqs: []int64{}, CommittedFailedSeqs: []int64{}}
	for k, ok := range l.acked {
		switch in := present[k]; {
		case l.reused && !ok && in:
			v.DuplicateKey++
		case ok && in:
			v.AcknowledgedPresent++
		case ok && !in:
			v.AcknowledgedMissing++
			v.LostSeqs = append(v.LostSeqs, k.seq)
			v.Lost = append(v.Lost, store.StreamSeq{Stream: l.streams[k.conn], Seq: k.seq})
		case !ok && in:
			v.FailedPresent++
			v.CommittedFailedSeqs = append(v.CommittedFailedSeqs, k.seq)
			v.CommittedFailed = append(v.CommittedFailed, store.StreamSeq{Stream: l.streams[k.conn], Seq: k.seq})
		default:
			v.FailedAbsent++
		}
	}
	for k := range present {
		if _, ok := l.acked[k]; !ok {
			v.Unexpected++
		}
	}
	sort.Slice(v.LostSeqs, func(i, j int) bool { return v.LostSeqs[i] < v.LostSeqs[j] })
	sort.Slice(v.CommittedFailedSeqs, func(i, j int) bool { return v.CommittedFailedSeqs[i] < v.CommittedFailedSeqs[j] })
	store.SortStreamSeqs(v.Lost)
	store.SortStreamSeqs(v.CommittedFailed)
	return v
}

// readBackKeys returns the keys of runID present in the table, retrying the
// connection for a while. It insists on a server that is not in recovery: a
// standby may not have replayed the last writes yet, so reading from one
// would report writes as lost that are not.
func readBackKeys(ctx context.Context, cfg *pgx.ConnConfig, table, runID string, sc *scrubber) (map[writeKey]bool, string, error) {
	deadline := time.Now().Add(verifyRetry)
	var lastErr error
	for {
		keys, server, err := readBackOnce(ctx, cfg, table, runID)
		if err == nil {
			return keys, server, nil
		}
		lastErr = err
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, "", fmt.Errorf("gave up after %s: %s", verifyRetry, sc.scrub(lastErr.Error()))
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func readBackOnce(ctx context.Context, cfg *pgx.ConnConfig, table, runID string) (map[writeKey]bool, string, error) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, "", err
	}
	defer conn.Close(context.Background())
	var inRecovery bool
	var server string
	if err := conn.QueryRow(cctx, "SELECT pg_is_in_recovery(), coalesce(host(inet_server_addr()), 'local') || ':' || inet_server_port()").Scan(&inRecovery, &server); err != nil {
		return nil, "", err
	}
	if inRecovery {
		return nil, server, fmt.Errorf("server %s is in recovery (a standby)", server)
	}
	rows, err := conn.Query(ctx, "SELECT conn, seq FROM "+table+" WHERE run_id = $1", runID)
	if err != nil {
		return nil, server, err
	}
	keys := map[writeKey]bool{}
	for rows.Next() {
		var k writeKey
		if err := rows.Scan(&k.conn, &k.seq); err != nil {
			return nil, server, err
		}
		keys[k] = true
	}
	return keys, server, rows.Err()
}
