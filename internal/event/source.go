package event

// Event sources.
const (
	SourceLab    = "lab"    // the lab's ground truth (package lab)
	SourceAWS    = "aws"    // aws rds describe-events, read by store.ReadEvents
	SourceUser   = "user"   // the user's own annotations: a CSV read by store.ReadEvents, "switchwatch mark"
	SourceRecord = "record" // the recorder's own events (record --switchover, --until-recovered)
	SourceSynth  = "synth"  // the synthetic generator's fault phases (internal/synth)
	// A PostgreSQL server's log and a PgBouncer's log, read by package
	// importer/serverlog (registered with store.ReadEvents).
	SourcePostgreSQL = "postgresql"
	SourcePgBouncer  = "pgbouncer"
)
