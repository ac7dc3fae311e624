// Package pgserver starts and stops real, throw-away PostgreSQL servers on
// the loopback interface, for tests and for the lab (package lab): a
// primary made with initdb, a streaming standby made with pg_basebackup,
// fast stop, SIGKILL, restart and promotion.
//
// Every server lives in its own work directory (data directory, log file,
// password file) and listens on 127.0.0.1 only, on a free port, with its
// Unix socket inside the data directory. Clients authenticate with a
// password (scram-sha-256) over TCP (DSN, URL); the package's own control
// connections (Exec, QueryRow, Promote, ...) use the socket with trust
// authentication, which only this process's user can reach, so that the
// servers can be steered even when TCP logins are slow or blocked. The servers are tuned for tests, not
// for data: fsync is off, so an operating-system crash can corrupt them,
// which is fine for a server that is thrown away; a SIGKILL of the
// postmaster still loses nothing the server acknowledged, because the
// kernel keeps the written pages.
//
// When the process runs as root, PostgreSQL refuses to start, so every
// server program (initdb, postgres, pg_ctl, pg_basebackup) runs as the
// "postgres" operating-system user, and the work directories are created
// for and handed to that user.
//
// This package must only ever act on servers it started: it stops and kills
// by the data directory and the postmaster's own pid, never by process name,
// and it must never listen on anything but 127.0.0.1.
package pgserver
