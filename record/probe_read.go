package record

import (
	"context"

	"github.com/switchwatch/switchwatch/record/store"
)

// readProber looks on the read endpoint for the newest key of the write
// stream of its own profile (every kind runs in every profile).
var readProber = prober{
	endpoint: store.EndpointRead,
	env: func(a envArgs) probeEnv {
		// Without write probes, or before the probe table has reached the
		// read endpoint, there is no key to look for and the statement has
		// no placeholders.
		if !a.hasWrites || !a.st.table {
			return probeEnv{sql: readSQL(a.table, false, a.st)}
		}
		return probeEnv{sql: readSQL(a.table, true, a.st), readRefConn: a.profile}
	},
	run: probeRead,
}

// probeRead asks the read endpoint for the newest write-probe sequence of
// this run it can see (an index-only backward scan), with the server
// identity, in one statement. The analyzer measures staleness from it.
// When the run has no write probes there is nothing to look for and the
// probe reads only the identity.
func probeRead(ctx context.Context, q querier, env *probeEnv, p *store.Probe) error {
	var id identity
	var seen *int64
	var err error
	if env.readRefConn == "" {
		err = q.QueryRow(ctx, env.sql).Scan(append([]any{&seen}, id.dest()...)...)
	} else {
		err = q.QueryRow(ctx, env.sql, p.RunID, env.readRefConn).Scan(append([]any{&seen}, id.dest()...)...)
	}
	if err != nil {
		return err
	}
	p.SeenSeq = seen
	id.fill(p)
	return nil
}

func readSQL(table string, withWrites bool, st prep) string {
	if !withWrites {
		return "SELECT NULL::bigint, " + identityColumns(st)
	}
	return "SELECT (SELECT max(seq) FROM " + table + " WHERE run_id = $1 AND conn = $2), " + identityColumns(st)
}
