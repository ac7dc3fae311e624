package record

import (
	"context"

	"github.com/switchwatch/switchwatch/record/store"
)

// writeProber inserts a row with a unique key on the write endpoint.
var writeProber = prober{
	endpoint: store.EndpointWrite,
	env:      func(a envArgs) probeEnv { return probeEnv{sql: writeSQL(a.table, a.st)} },
	run:      probeWrite,
}

// probeWrite inserts one row with a unique key (run id, profile,
// sequence; the table's conn column holds the profile) into the probe
// table and reads the server identity back in the same statement. The key
// is what the lost-write check looks for later.
func probeWrite(ctx context.Context, q querier, env *probeEnv, p *store.Probe) error {
	var id identity
	err := q.QueryRow(ctx, env.sql, p.RunID, p.ProfileName(), p.Seq).Scan(id.dest()...)
	if err != nil {
		return err
	}
	id.fill(p)
	return nil
}

func writeSQL(table string, st prep) string {
	return "INSERT INTO " + table + " (run_id, conn, seq) VALUES ($1, $2, $3) RETURNING " + identityColumns(st)
}
