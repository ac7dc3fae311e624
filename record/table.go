package record

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
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
