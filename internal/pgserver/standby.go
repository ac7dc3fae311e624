package pgserver

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNoBasebackup is returned by StartStandby when the installation has no
// pg_basebackup.
var ErrNoBasebackup = errors.New("no pg_basebackup in the PostgreSQL installation")

// StartStandby makes a streaming-replication standby of primary with
// pg_basebackup -R (over TCP, with the primary's password; the primary's
// pg_hba allows replication from loopback) and starts it as a hot standby.
// The standby shares the primary's superuser and password (it is a copy);
// opts.User and opts.Password are ignored. opts.Settings are added to the
// settings copied from the primary. opts.Name is also its
// application_name, as pg_stat_replication shows it on the primary.
func StartStandby(ctx context.Context, primary *Server, opts Options) (*Server, error) {
	if opts.Binaries == nil {
		opts.Binaries = primary.bin
	}
	if opts.Name == "" {
		opts.Name = primary.name + "-standby"
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = primary.timeout
	}
	opts.User, opts.Password = primary.user, primary.password
	return start(ctx, opts, func(s *Server) error {
		if s.bin.PgBasebackup == "" {
			return fmt.Errorf("make standby %s: %w (%s)", s.name, ErrNoBasebackup, s.bin.Dir)
		}
		conninfo := DSN("127.0.0.1", primary.Port(), primary.user, primary.password) + " application_name=" + quoteDSN(s.name)
		cmd := s.run.command(s.dir, s.bin.PgBasebackup,
			"-d", conninfo, "-D", s.dataDir, "-R", "-X", "stream", "-c", "fast", "--no-sync")
		if err := runCmd(ctx, cmd); err != nil {
			return fmt.Errorf("pg_basebackup of %s into %s: %w", primary.name, s.dataDir, err)
		}
		if len(opts.Settings) == 0 {
			return nil
		}
		return s.configure(opts.Settings, false)
	})
}

// InRecovery reports whether the server is a standby (pg_is_in_recovery).
func (s *Server) InRecovery(ctx context.Context) (bool, error) {
	var in bool
	err := s.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&in)
	return in, err
}

// Promote turns a standby into a primary and returns as soon as it
// accepts writes. It does not use pg_promote's own wait, which checks only
// every 100ms: the lab stamps the end of a promotion when Promote returns,
// and that stamp is ground truth. Instead it asks for the promotion and
// polls pg_is_in_recovery on the same session every 2ms.
//
// PromoteSentAt says when it sent pg_promote: on a busy machine the
// connection before it can take a good part of the promotion's time.
func (s *Server) Promote(ctx context.Context) error {
	conn, err := s.Connect(ctx)
	if err != nil {
		return fmt.Errorf("promote server %s: %w", s.name, err)
	}
	defer conn.Close(context.Background())
	var ok bool
	sent := time.Now()
	s.mu.Lock()
	s.promoteSent = sent
	s.mu.Unlock()
	if err := conn.QueryRow(ctx, "SELECT pg_promote(false)").Scan(&ok); err != nil {
		return fmt.Errorf("promote server %s: %w", s.name, err)
	}
	if !ok {
		return fmt.Errorf("promote server %s: pg_promote refused; log %s ends:\n%s", s.name, s.logPath, s.LogTail(10))
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var in bool
		if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&in); err != nil {
			return fmt.Errorf("promote server %s: wait for the end of recovery: %w", s.name, err)
		}
		if !in {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("promote server %s: still in recovery after 60s; log %s ends:\n%s", s.name, s.logPath, s.LogTail(10))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("promote server %s: %w", s.name, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// CurrentLSN is the primary's current WAL write position
// (pg_current_wal_lsn), as text such as "0/3000148".
func (s *Server) CurrentLSN(ctx context.Context) (string, error) {
	var lsn string
	err := s.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn)
	return lsn, err
}

// WaitReplayed waits until the standby has replayed WAL up to lsn
// (pg_last_wal_replay_lsn() >= lsn), polling every poll (default 20ms).
func (s *Server) WaitReplayed(ctx context.Context, lsn string, poll time.Duration) error {
	if poll <= 0 {
		poll = 20 * time.Millisecond
	}
	conn, err := s.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for {
		var done bool
		var replayed *string
		err := conn.QueryRow(ctx, "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false), pg_last_wal_replay_lsn()::text", lsn).Scan(&done, &replayed)
		if err != nil {
			return fmt.Errorf("wait for server %s to replay up to %s: %w", s.name, lsn, err)
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			at := "nothing"
			if replayed != nil {
				at = *replayed
			}
			return fmt.Errorf("wait for server %s to replay up to %s (replayed %s): %w", s.name, lsn, at, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// PromoteSentAt is when Promote last sent pg_promote (zero before it
// did): the server's "received promote request" follows within
// milliseconds.
func (s *Server) PromoteSentAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.promoteSent
}
