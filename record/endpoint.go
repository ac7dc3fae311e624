package record

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// endpoint is a parsed DSN and what the first successful connection to it
// learnt. A recording starts whatever the endpoint's state: nothing here
// runs before the grid does. The first probe that gets a connection
// prepares the endpoint on it (see ensure), so an endpoint that is down at
// the start is recorded as down, and is set up once it answers.
type endpoint struct {
	role string
	dsn  string // as given, for messages only through RedactDSN
	cfg  *pgx.ConnConfig

	table     string // the quoted probe table
	needTable bool   // probes here read or write the probe table
	create    bool   // and may create it (the write endpoint of a run with write probes)
	// createMu, shared by every profile's write endpoint, serialises the
	// creation of the probe table: each profile prepares its own
	// endpoint, and two concurrent CREATE TABLE IF NOT EXISTS collide in
	// the catalog instead of one seeing the other's table.
	createMu *sync.Mutex

	mu    sync.Mutex
	state atomic.Pointer[prep] // nil until prepared once
}

// prep is what a probe statement depends on, learnt on the endpoint.
type prep struct {
	systemID   bool // may read pg_control_system()
	checkpoint bool // may read pg_control_checkpoint() (a standby's timeline, see identityColumns)
	table      bool // the probe table is there (or is not needed)
}

// ensure returns the endpoint's preparation, doing it on q the first time
// (and again while the probe table is still missing on an endpoint that may
// not create it, such as a replica that has not replayed it yet). An error
// is the probe's own: the probe is recorded as failed with it, and the next
// probe tries again.
func (ep *endpoint) ensure(ctx context.Context, q querier) (prep, error) {
	if st := ep.state.Load(); st != nil && st.table {
		return *st, nil
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if st := ep.state.Load(); st != nil && st.table {
		return *st, nil
	}
	st := prep{table: !ep.needTable}
	if ep.needTable {
		if err := q.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", ep.table).Scan(&st.table); err != nil {
			return st, fmt.Errorf("look for probe table %s: %w", ep.table, err)
		}
		if !st.table && ep.create {
			ep.createMu.Lock()
			_, err := q.Exec(ctx, createTableSQL(ep.table))
			ep.createMu.Unlock()
			if err != nil {
				return st, fmt.Errorf("create probe table %s: %w", ep.table, err)
			}
			st.table = true
		}
	}
	if err := q.QueryRow(ctx, "SELECT has_function_privilege('pg_control_system()', 'execute'), has_function_privilege('pg_control_checkpoint()', 'execute')").Scan(&st.systemID, &st.checkpoint); err != nil {
		return st, fmt.Errorf("check the privileges for pg_control_system() and pg_control_checkpoint(): %w", err)
	}
	ep.state.Store(&st)
	return st, nil
}

// allPreps lists every state an endpoint can be found in.
func allPreps() []prep {
	var all []prep
	for _, sys := range []bool{false, true} {
		for _, cp := range []bool{false, true} {
			for _, table := range []bool{false, true} {
				all = append(all, prep{systemID: sys, checkpoint: cp, table: table})
			}
		}
	}
	return all
}
