package store

import "strings"

// ClassifySQLState maps a server's SQLSTATE to a probe outcome and error
// class; see ClassifyServerError, which also reads the message.
func ClassifySQLState(code string) (outcome, class string) {
	return ClassifyServerError(code, "")
}

// ClassifyServerError maps a server's SQLSTATE, and the message where the
// code alone is ambiguous, to a probe outcome and error class. It is the one
// table the recorder and the importers share, so a read-only rejection is
// read_only whichever tool saw it.
func ClassifyServerError(code, message string) (outcome, class string) {
	switch {
	case code == "25006": // read_only_sql_transaction
		return OutcomeError, ClassReadOnly
	case code == "57P01" || code == "57P02" || code == "57P03": // admin/crash shutdown, cannot connect now
		return OutcomeError, ClassShutdown
	case code == "53300": // too_many_connections
		return OutcomeError, ClassTooManyConnections
	case code == "08P01" && strings.Contains(message, "no more connections allowed"):
		// PgBouncer's max_client_conn arrives as a protocol_violation;
		// only the message says what it is.
		return OutcomeError, ClassTooManyConnections
	case strings.HasPrefix(code, "28"): // invalid authorization
		return OutcomeError, ClassAuth
	case code == "57014": // query_canceled: statement_timeout or a client's cancel
		return OutcomeTimeout, ClassQueryTimeout
	}
	return OutcomeError, ClassOther
}
