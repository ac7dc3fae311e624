package importer

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/switchwatch/switchwatch/internal/errclass"
	"github.com/switchwatch/switchwatch/record/store"
)

// Reasons an OTLP span (or line) is skipped, besides ReasonTruncated and
// ReasonBlank. A span skipped for one of them is named file:line:span
// (span counts the spans of the line from 1, across its resources and
// scopes; in a protobuf file "line" is the message's number).
const (
	// ReasonNotOTLP is a line that pdata cannot read as an
	// ExportTraceServiceRequest, or a protobuf message that it cannot.
	ReasonNotOTLP = "not an OTLP line"
	// ReasonNoSpans is a line that reads but holds no span (an object of
	// another JSON log, whose fields OTLP does not know).
	ReasonNoSpans = "line without spans"
	// ReasonNotDB is a span with neither db.system.name nor db.system:
	// HTTP, RPC, internal spans.
	ReasonNotDB = "not a database span"
	// ReasonOtherDB is a span of a database other than PostgreSQL.
	ReasonOtherDB = "other database"
	// ReasonNotClient is a PostgreSQL span of kind server, internal,
	// producer or consumer: not a call a client made.
	ReasonNotClient = "not a client span"
	// ReasonNotRequest is a PostgreSQL client span that is no request of
	// its own: a wait for a pooled connection (otelpgx's pool.acquire,
	// node-postgres' pg-pool.connect), pgx's prepare of a statement (the
	// query it belongs to is a span of its own, which fails with it), a
	// batch's wrapper (its queries are spans of their own).
	ReasonNotRequest = "not a request"
	// ReasonBadAttr is an attribute of a type that cannot stand for what
	// the convention says (a map where a string is due, a port that is no
	// integer).
	ReasonBadAttr = "bad attribute"
	// ReasonNoTime is a span whose start or end time is 0.
	ReasonNoTime = "no time"
	// ReasonEndBeforeStart is a span that ends before it starts.
	ReasonEndBeforeStart = "end before start"
	// ReasonTimeRange is a span stamped outside 2000-2100 (a unit mistake).
	ReasonTimeRange = "time outside 2000-2100"
	// ReasonDuplicate is a span read before (same trace and span id, same
	// row): it is counted once.
	ReasonDuplicate = "duplicate span"
	// ReasonConflict is a span with the trace and span id of one read
	// before but another status, time or attributes: the first one read
	// is kept, and a note names both.
	ReasonConflict = "conflicting duplicate span"
)

// The attribute names read, stable database semantic conventions (1.26
// and later) first, then the names before them.
var (
	attrDBSystem    = []string{"db.system.name", "db.system"}
	attrQuery       = []string{"db.query.text", "db.statement"}
	attrOperation   = []string{"db.operation.name", "db.operation"}
	attrNamespace   = []string{"db.namespace", "db.name"}
	attrStatusCode  = []string{"db.response.status_code"}
	attrErrorType   = []string{"error.type"}
	attrServer      = []string{"server.address", "net.peer.name"}
	attrServerPort  = []string{"server.port", "net.peer.port"}
	attrPeer        = []string{"network.peer.address", "net.sock.peer.addr"}
	attrPeerPort    = []string{"network.peer.port", "net.sock.peer.port"}
	attrPool        = []string{"db.client.connection.pool.name", "db.client.connections.pool.name"}
	attrServiceName = []string{"service.name"}
)

// DefaultOTLPKinds is the kind of a row by its span's operation
// (upper case); an operation not listed is a read. "COPY FROM" is a COPY
// whose query text reads FROM (into the table), "COPY TO" one that
// reads TO. CONNECT is a connect span (see otlpOperation).
var DefaultOTLPKinds = map[string]string{
	"INSERT":    store.KindWrite,
	"UPDATE":    store.KindWrite,
	"DELETE":    store.KindWrite,
	"MERGE":     store.KindWrite,
	"COPY FROM": store.KindWrite,
	"CALL":      store.KindWrite,
	"CONNECT":   store.KindConnect,
}

// otlpKind is the kind of a span of operation op: kinds (the user's
// overrides) first, then DefaultOTLPKinds, else read.
func otlpKind(op string, kinds map[string]string) string {
	if k, ok := kinds[op]; ok {
		return k
	}
	if k, ok := DefaultOTLPKinds[op]; ok {
		return k
	}
	return store.KindRead
}

// otlpSpan is what the import keeps of a PostgreSQL client span: its row
// (Profile, RunID and Seq unset), where it was read, and what its stream
// is made of.
type otlpSpan struct {
	Trace, Span string // hex ids; "" for an all-zero (invalid) id
	Parent      string `json:",omitempty"` // the parent span's id
	// PoolWait marks a pool's wait for a connection (otlpNotRequest):
	// no row, but the parent of the connects the pool made for it.
	PoolWait bool   `json:",omitempty"`
	Ord      int64  // input order over all files
	Loc      string // file:line:span
	Row      store.Probe
	Op       string
	Service  string
	Server   string // server.address[:port], the address the client was given
	Pool     string
	DB       string
	// Peer says ServerAddr is network.peer.address's: the server that
	// answered.
	Peer bool `json:",omitempty"`
}

// profileKey is the stream identity of a span besides its kind.
func (s *otlpSpan) profileKey() profileKey {
	return profileKey{Service: s.Service, Server: s.Server, Pool: s.Pool}
}

type profileKey struct{ Service, Server, Pool string }

// skipError is why a span is not taken: a reason (one of the Reason
// constants) and what in the span made it so.
type skipError struct {
	reason   string
	detail   error
	poolWait bool // a pool's wait for a connection
}

func (e *skipError) Error() string { return e.reason + ": " + e.detail.Error() }

func skipf(reason, format string, a ...any) *skipError {
	return &skipError{reason: reason, detail: fmt.Errorf(format, a...)}
}

// attrError is an attribute of the wrong type.
type attrError struct {
	key  string
	typ  pcommon.ValueType
	want string
	val  string
}

func (e *attrError) Error() string {
	if e.val != "" {
		return fmt.Sprintf("%s is %q, want %s", e.key, e.val, e.want)
	}
	return fmt.Sprintf("%s is a %s, want %s", e.key, e.typ, e.want)
}

// strAttr reads the first of keys that m holds. A string attribute is
// taken as it is, an integer by its decimal form (some instrumentations
// record db.response.status_code as a number); any other type is an
// attrError. An empty string counts as absent.
func strAttr(m pcommon.Map, keys []string) (string, error) {
	for _, k := range keys {
		v, ok := m.Get(k)
		if !ok {
			continue
		}
		switch v.Type() {
		case pcommon.ValueTypeStr:
			if v.Str() == "" {
				continue
			}
			return v.Str(), nil
		case pcommon.ValueTypeInt:
			return strconv.FormatInt(v.Int(), 10), nil
		case pcommon.ValueTypeEmpty:
			continue
		default:
			return "", &attrError{key: k, typ: v.Type(), want: "a string"}
		}
	}
	return "", nil
}

// portAttr reads a port: an integer, or a string of one (some
// instrumentations record "5432"), 1-65535; 0 when absent.
func portAttr(m pcommon.Map, keys []string) (int64, error) {
	for _, k := range keys {
		v, ok := m.Get(k)
		if !ok {
			continue
		}
		var n int64
		switch v.Type() {
		case pcommon.ValueTypeInt:
			n = v.Int()
		case pcommon.ValueTypeStr:
			if v.Str() == "" {
				continue
			}
			var err error
			if n, err = strconv.ParseInt(strings.TrimSpace(v.Str()), 10, 64); err != nil {
				return 0, &attrError{key: k, typ: v.Type(), want: "a port number", val: v.Str()}
			}
		case pcommon.ValueTypeEmpty:
			continue
		default:
			return 0, &attrError{key: k, typ: v.Type(), want: "a port number"}
		}
		if n < 1 || n > 65535 {
			return 0, &attrError{key: k, typ: v.Type(), want: "a port number (1-65535)", val: strconv.FormatInt(n, 10)}
		}
		return n, nil
	}
	return 0, nil
}

// hostPort joins a host and a port (0: none) as host:port, [v6]:port.
func hostPort(host string, port int64) string {
	if host == "" {
		return ""
	}
	if port == 0 {
		return host
	}
	return net.JoinHostPort(host, strconv.FormatInt(port, 10))
}

// otlpSpanRow makes the row of one span of a resource with attributes
// res, or says why the span is not a PostgreSQL client call (a
// *skipError). See the package documentation for the mapping.
func otlpSpanRow(res pcommon.Map, sp ptrace.Span, kinds map[string]string) (*otlpSpan, error) {
	if err := otlpIsClientCall(sp); err != nil {
		return nil, err
	}
	s := &otlpSpan{}
	var err error
	s.Service, err = strAttr(res, attrServiceName)
	if err != nil {
		return nil, &skipError{reason: ReasonBadAttr, detail: fmt.Errorf("resource %w", err)}
	}
	if s.Service == "" {
		s.Service = "unknown_service" // what the SDKs record without one
	}
	at, err := otlpReadAttrs(sp.Attributes())
	if err != nil {
		return nil, &skipError{reason: ReasonBadAttr, detail: err}
	}
	s.DB, s.Pool = at.db, at.pool
	start, end, err := otlpSpanTimes(sp)
	if err != nil {
		return nil, err
	}

	s.Op = otlpOperation(sp.Name(), at.op, at.query)
	kind := otlpKind(s.Op, kinds)
	p := &s.Row
	p.Kind = kind
	p.Conn = store.ConnPooled
	p.Endpoint = store.EndpointWrite
	switch kind {
	case store.KindConnect:
		p.Conn = store.ConnNew
	case store.KindRead:
		p.Endpoint = store.EndpointRead
	}
	p.Intended, p.Start, p.End, p.LatencyNS = start, start, end, end-start
	s.Server = hostPort(at.server, at.serverPort)
	p.ServerAddr = hostPort(at.peer, at.peerPort)
	s.Peer = p.ServerAddr != ""
	if p.ServerAddr == "" {
		p.ServerAddr = s.Server
	}
	otlpOutcome(p, sp, at.code, at.errType)
	return s, nil
}

// otlpIsClientCall says why sp is no PostgreSQL client call (a
// *skipError), nil when it is one.
func otlpIsClientCall(sp ptrace.Span) error {
	system, err := strAttr(sp.Attributes(), attrDBSystem)
	switch {
	case err != nil:
		return &skipError{reason: ReasonBadAttr, detail: err}
	case system == "":
		return skipf(ReasonNotDB, "no db.system.name or db.system (span %q, kind %s)", sp.Name(), sp.Kind())
	case !strings.EqualFold(system, "postgresql"):
		return skipf(ReasonOtherDB, "db system %q", system)
	}
	switch sp.Kind() {
	case ptrace.SpanKindClient, ptrace.SpanKindUnspecified:
	default:
		return skipf(ReasonNotClient, "span kind %s", sp.Kind())
	}
	if why, wait := otlpNotRequest(sp); why != "" {
		se := skipf(ReasonNotRequest, "%s (span %q)", why, sp.Name())
		se.poolWait = wait
		return se
	}
	return nil
}

// otlpAttrs are the span attributes a row is made of.
type otlpAttrs struct {
	query, op, db, code, errType, server, peer, pool string
	serverPort, peerPort                             int64
}

// otlpReadAttrs reads a span's attributes; the error is the first of the
// wrong type.
func otlpReadAttrs(a pcommon.Map) (otlpAttrs, error) {
	var aerr error
	str := func(keys []string) string {
		v, err := strAttr(a, keys)
		if err != nil && aerr == nil {
			aerr = err
		}
		return v
	}
	port := func(keys []string) int64 {
		v, err := portAttr(a, keys)
		if err != nil && aerr == nil {
			aerr = err
		}
		return v
	}
	at := otlpAttrs{query: str(attrQuery), op: str(attrOperation), db: str(attrNamespace), code: str(attrStatusCode),
		errType: str(attrErrorType), server: str(attrServer), serverPort: port(attrServerPort),
		peer: str(attrPeer), peerPort: port(attrPeerPort), pool: str(attrPool)}
	return at, aerr
}

// otlpSpanTimes is a span's start and end, or why they cannot be a row's
// (a *skipError).
func otlpSpanTimes(sp ptrace.Span) (start, end int64, err error) {
	start, end = int64(sp.StartTimestamp()), int64(sp.EndTimestamp())
	switch {
	case sp.StartTimestamp() == 0 || sp.EndTimestamp() == 0:
		return 0, 0, skipf(ReasonNoTime, "start %d, end %d", uint64(sp.StartTimestamp()), uint64(sp.EndTimestamp()))
	case uint64(sp.StartTimestamp()) < minEpoch*1e9 || uint64(sp.StartTimestamp()) >= maxEpoch*1e9 ||
		uint64(sp.EndTimestamp()) >= maxEpoch*1e9:
		return 0, 0, skipf(ReasonTimeRange, "start %s, end %s", otlpTime(sp.StartTimestamp()), otlpTime(sp.EndTimestamp()))
	case end < start:
		return 0, 0, skipf(ReasonEndBeforeStart, "end %s is %s before start %s", otlpTime(sp.EndTimestamp()),
			time.Duration(start-end), otlpTime(sp.StartTimestamp()))
	}
	return start, end, nil
}

// otlpOutcome sets the outcome, class, SQLSTATE and error of p (whose
// Kind is set) from the span's status, db.response.status_code (code),
// error.type (errType) and its exception event (semantic conventions: an
// event "exception" with exception.type and exception.message, which say
// what the status message leaves out).
func otlpOutcome(p *store.Probe, sp ptrace.Span, code, errType string) {
	if sp.Status().Code() != ptrace.StatusCodeError && errType == "" {
		p.Outcome = store.OutcomeOK
		return
	}
	var excType, excMsg string
	for i := 0; i < sp.Events().Len(); i++ {
		ev := sp.Events().At(i)
		if ev.Name() != "exception" {
			continue
		}
		if excMsg == "" {
			excMsg, _ = strAttr(ev.Attributes(), []string{"exception.message"})
		}
		if excType == "" {
			excType, _ = strAttr(ev.Attributes(), []string{"exception.type"})
		}
	}
	msg := sp.Status().Message()
	if msg == "" {
		msg = excMsg
	}
	typ := errType
	if typ == "" {
		typ = excType
	}
	if errclass.IsSQLState(code) {
		p.SQLState = code
	}
	ph := errclass.Query
	if p.Kind == store.KindConnect {
		ph = errclass.Connect
	}
	p.Outcome, p.ErrorClass = errclass.Reported{SQLState: p.SQLState, Type: typ, Message: msg, Phase: ph}.Classify()
	switch {
	case msg != "":
		p.Error = store.CutError(msg)
	case typ != "":
		p.Error = store.CutError(typ)
	default:
		p.Error = "span status ERROR"
	}
}

// otlpNotRequest says why a PostgreSQL client span is no request of its
// own, "" when it is one, and whether it is a pool's wait for a
// connection.
func otlpNotRequest(sp ptrace.Span) (why string, poolWait bool) {
	name := strings.ToLower(strings.TrimSpace(sp.Name()))
	switch {
	case name == "pool.acquire" || name == "pg-pool.connect":
		return "a wait for a pooled connection", true
	case strings.HasPrefix(name, "prepare "):
		return "the prepare of a statement", false
	case name == "batch start":
		return "a batch, whose queries are spans of their own", false
	}
	if _, ok := sp.Attributes().Get("pgx.prepare_stmt.name"); ok {
		return "the prepare of a statement (pgx.prepare_stmt.name)", false
	}
	return "", false
}

// otlpTime is a span time stamp for a message.
func otlpTime(t pcommon.Timestamp) string {
	if t == 0 {
		return "0"
	}
	return t.AsTime().UTC().Format(time.RFC3339Nano)
}

// otlpOperation names the operation of a span, upper case: CONNECT for a
// connect span (db.operation.name "connect", or a span named "connect"
// or "….connect" as node-postgres' pg.connect);
// else the first word of db.operation.name (db.operation); else the
// first keyword of the query text (after comments and parentheses); else
// the first word of the span name. A COPY is "COPY FROM" or "COPY TO" when
// the query text says which.
func otlpOperation(name, opAttr, query string) string {
	lname := strings.ToLower(strings.TrimSpace(name))
	if strings.EqualFold(strings.TrimSpace(opAttr), "connect") || lname == "connect" || strings.HasSuffix(lname, ".connect") {
		return "CONNECT"
	}
	op := firstWord(opAttr)
	if op == "" {
		op = firstWord(stripSQLComments(query))
	}
	if op == "" {
		op = firstWord(name)
	}
	op = strings.ToUpper(op)
	if op == "COPY_FROM" { // otelpgx's CopyFrom span, "copy_from TABLE"
		return "COPY FROM"
	}
	if op == "COPY" {
		rest := strings.TrimSpace(stripSQLComments(query))
		if len(rest) >= 4 && strings.EqualFold(rest[:4], "copy") {
			if strings.HasPrefix(strings.TrimSpace(rest[4:]), "(") {
				return "COPY TO" // COPY (query) TO ...
			}
		}
		for _, w := range strings.Fields(strings.ToUpper(rest)) {
			if w == "FROM" || w == "TO" {
				return "COPY " + w
			}
		}
	}
	return op
}

// firstWord is the first run of letters (and '_') of s after any
// spaces and opening parentheses.
func firstWord(s string) string {
	s = strings.TrimLeft(s, " \t\r\n(")
	end := 0
	for end < len(s) {
		c := s[end]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			break
		}
		end++
	}
	return s[:end]
}

// stripSQLComments removes the leading -- and /* */ comments of a query
// (drivers and ORMs prefix queries with them, sqlcommenter suffixes).
func stripSQLComments(q string) string {
	for {
		q = strings.TrimLeft(q, " \t\r\n(")
		switch {
		case strings.HasPrefix(q, "--"):
			i := strings.IndexByte(q, '\n')
			if i < 0 {
				return ""
			}
			q = q[i+1:]
		case strings.HasPrefix(q, "/*"):
			i := strings.Index(q, "*/")
			if i < 0 {
				return ""
			}
			q = q[i+2:]
		default:
			return q
		}
	}
}

// errNoSpans is the detail of ReasonNoSpans.
var errNoSpans = errors.New("no resourceSpans with spans")
