package record

import (
	"context"

	"github.com/switchwatch/switchwatch/record/store"
)

// connectProber proves the write endpoint answers.
var connectProber = prober{
	endpoint: store.EndpointWrite,
	env:      func(a envArgs) probeEnv { return probeEnv{sql: connectSQL(a.st)} },
	run:      probeConnect,
}

// probeConnect is the smallest statement that proves the server answers
// (the equivalent of SELECT 1), carrying the server identity.
func probeConnect(ctx context.Context, q querier, env *probeEnv, p *store.Probe) error {
	var id identity
	if err := q.QueryRow(ctx, env.sql).Scan(id.dest()...); err != nil {
		return err
	}
	id.fill(p)
	return nil
}

func connectSQL(st prep) string { return "SELECT " + identityColumns(st) }
