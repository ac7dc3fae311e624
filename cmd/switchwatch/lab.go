package main

import "strings"

// The lab's commands are in lab_run.go, lab_list.go and lab_up.go; this
// file has what they share.

const labHelp = `
The lab builds, on this machine, BLUE (a PostgreSQL primary) and GREEN (its
streaming standby, made with pg_basebackup), each on its own loopback port
with password authentication, and in front of them ENDPOINTS: TCP proxies
on 127.0.0.1 that forward to blue or green, refuse connections, accept and
never answer, or cut every connection. It then plays a switchover scenario
against them while "switchwatch record" probes the endpoints, and writes
what it did, with nanosecond timestamps, into the run folder as
events.jsonl: the ground truth for "switchwatch analyze".

PostgreSQL server binaries are found on PATH, through "pg_config --bindir"
or under /usr/lib/postgresql/*/bin (or set SWITCHWATCH_PG_BINDIR). As root,
the servers run as the "postgres" user.
`

// wrap breaks text into indented lines of at most width columns.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, w := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	b.WriteString(line + "\n")
	return b.String()
}
