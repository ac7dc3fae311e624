package record

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultTable is the probe table's default name. The tool touches no other.
const DefaultTable = "switchwatch_probe"

// quoteTable validates a possibly schema-qualified table name and quotes it.
func quoteTable(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("empty table name")
	}
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return "", fmt.Errorf("table name %q: at most schema.table", name)
	}
	for _, p := range parts {
		if p == "" {
			return "", fmt.Errorf("table name %q: empty part", name)
		}
	}
	return pgx.Identifier(parts).Sanitize(), nil
}

// createTableSQL is the probe table: one row per write probe, keyed by run,
// profile (in the conn column: for the built-in profiles, the connection
// mode, as before profiles existed) and sequence so every write is unique and can be looked
// for after the switchover.
func createTableSQL(table string) string {
	return "CREATE TABLE IF NOT EXISTS " + table + ` (
	run_id     text        NOT NULL,
	conn       text        NOT NULL,
	seq        bigint      NOT NULL,
	written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (run_id, conn, seq)
)`
}

// ErrRunIDInTable is wrapped by Run's error for a --run-id the probe table
// already holds rows of: an earlier run's, whose folder may be gone. Every
// write would fail on the duplicate key.
var ErrRunIDInTable = errors.New("the probe table holds rows of this run id already")

// checkRunIDUnused looks in the probe table on ep for rows of runID, within
// timeout. It returns an error wrapping ErrRunIDInTable when there are; any
// other error says the check could not be made (the endpoint is down, say:
// the recording starts all the same), and a missing table is no error.
func checkRunIDUnused(ctx context.Context, ep *endpoint, runID string, timeout time.Duration, sc *scrubber) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, ep.cfg)
	if err != nil {
		return fmt.Errorf("connect: %s", sc.scrub(err.Error()))
	}
	defer conn.Close(context.Background())
	var used bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+ep.table+" WHERE run_id = $1)", runID).Scan(&used)
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == "42P01": // undefined_table: the first run here
		return nil
	case err != nil:
		return fmt.Errorf("look for its rows: %s", sc.scrub(err.Error()))
	case used:
		return fmt.Errorf("run id %q: %w: table %s on %s has rows of an earlier run with this id (its folder may be gone); every write would fail on the duplicate key and the lost-write check would misjudge them: pick another --run-id, or delete those rows (DELETE FROM %s WHERE run_id = '%s')",
			runID, ErrRunIDInTable, ep.table, endpointName(ep.dsn, ep.cfg), ep.table, strings.ReplaceAll(runID, "'", "''"))
	}
	return nil
}

// Cleanup drops the probe table on the write endpoint.
func Cleanup(ctx context.Context, writeDSN, table string) error {
	sc := &scrubber{}
	cfg, err := parseDSN("--write-dsn", writeDSN, sc)
	if err != nil {
		return err
	}
	qt, err := quoteTable(table)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, prepareConfig(cfg))
	if err != nil {
		return fmt.Errorf("connect to %s to drop %s: %s", endpointName(writeDSN, cfg), qt, sc.scrub(err.Error()))
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+qt); err != nil {
		return fmt.Errorf("drop %s: %s", qt, sc.scrub(err.Error()))
	}
	return nil
}
