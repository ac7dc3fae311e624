package main

import (
	"github.com/switchwatch/switchwatch/importer/serverlog"
)

// Server and pooler logs are events files too: importer/serverlog
// registers its formats with store.ReadEvents, which "analyze --events"
// and "import --events" read through. These flags say how to read them.
const (
	flagLogPrefix = "log-prefix"
	flagLogNode   = "log-node"
)

func addServerLogFlags(fs *flagSet) {
	fs.String(flagLogPrefix, "", "PostgreSQL's log_line_prefix `FMT` of stderr logs given to --events (default: detected when it starts with %m or %t; %e gives SQLSTATEs)")
	fs.String(flagLogNode, "", "`NAME` of the server or pooler whose log --events reads (default: from the log file's name)")
}

// registerServerLogs makes the events readers read PostgreSQL's and
// PgBouncer's logs with the flags' settings; a log_line_prefix it cannot
// read is a usage error.
func registerServerLogs(fs *flagSet) error {
	var o serverlog.Options
	if f := fs.Lookup(flagLogPrefix); f != nil {
		o.Prefix = f.Value.String()
	}
	if f := fs.Lookup(flagLogNode); f != nil {
		o.Node = f.Value.String()
	}
	if err := serverlog.Register(o); err != nil {
		return fs.usagef("--%s: %w", flagLogPrefix, err)
	}
	return nil
}
