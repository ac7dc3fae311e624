package importer

import (
	"strings"

	"github.com/switchwatch/switchwatch/record/store"
)

// classByMessage classifies an error that has no SQLSTATE by its text, the
// way the recorder falls back to message matching, extended by the usual
// wording of other drivers (libpq, JDBC, psycopg, node-postgres).
func classByMessage(msg string) string {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "read-only transaction") || strings.Contains(m, "read only transaction"):
		return store.ClassReadOnly
	case strings.Contains(m, "no such host") || strings.Contains(m, "name resolution") || strings.Contains(m, "could not translate host name") || strings.Contains(m, "unknownhost"):
		return store.ClassDNS
	case strings.Contains(m, "connection refused"):
		return store.ClassRefused
	case strings.Contains(m, "connection reset") || strings.Contains(m, "broken pipe") || strings.Contains(m, "unexpected eof") ||
		strings.Contains(m, "conn closed") || strings.Contains(m, "server closed the connection") || strings.Contains(m, "connection terminated"):
		return store.ClassReset
	case strings.Contains(m, "terminating connection due to administrator command") || strings.Contains(m, "the database system is shutting down") ||
		strings.Contains(m, "the database system is starting up") || strings.Contains(m, "in recovery mode"):
		return store.ClassShutdown
	case strings.Contains(m, "too many clients") || strings.Contains(m, "too many connections"):
		return store.ClassTooManyConnections
	case strings.Contains(m, "password") || strings.Contains(m, "authentication"):
		return store.ClassAuth
	case strings.Contains(m, "tls:") || strings.Contains(m, "x509:") || strings.Contains(m, "ssl"):
		return store.ClassTLS
	}
	return store.ClassOther
}

// knownClass reports whether c is an error class a failed request may carry.
func knownClass(c string) bool {
	for _, k := range store.ErrorClasses {
		if k == c && k != store.ClassInflightLimit {
			return true
		}
	}
	return false
}
