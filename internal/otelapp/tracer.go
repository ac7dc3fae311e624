package otelapp

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Attribute keys of the stable database and network semantic conventions
// that otelpgx (v0.13) does not set: it puts the SQLSTATE in
// pgx.sql_state and sets no error.type and no peer address.
const (
	attrStatusCode  = attribute.Key("db.response.status_code")
	attrErrorType   = attribute.Key("error.type")
	attrPeerAddress = attribute.Key("network.peer.address")
	attrPeerPort    = attribute.Key("network.peer.port")
)

// dbTracer is otelpgx's tracer with those attributes added to the spans it
// makes, just before it ends them. Batch and CopyFrom tracing are otelpgx's
// own (promoted methods); the app uses neither.
type dbTracer struct {
	*otelpgx.Tracer
}

var (
	_ pgx.QueryTracer       = dbTracer{}
	_ pgx.ConnectTracer     = dbTracer{}
	_ pgx.PrepareTracer     = dbTracer{}
	_ pgxpool.AcquireTracer = dbTracer{}
)

// ownSpan marks a context in which otelpgx started a span: only then are
// attributes added (with an unsampled parent otelpgx starts none, and the
// span in the context would be the caller's).
type ownSpan struct{}

func started(before, after context.Context) context.Context {
	if trace.SpanFromContext(after).SpanContext().Equal(trace.SpanFromContext(before).SpanContext()) {
		return after
	}
	return context.WithValue(after, ownSpan{}, true)
}

func spanOf(ctx context.Context) (trace.Span, bool) {
	if own, _ := ctx.Value(ownSpan{}).(bool); !own {
		return nil, false
	}
	return trace.SpanFromContext(ctx), true
}

func (t dbTracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	out := started(ctx, t.Tracer.TraceQueryStart(ctx, conn, data))
	if span, ok := spanOf(out); ok {
		setPeer(span, conn)
	}
	return out
}

func (t dbTracer) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if span, ok := spanOf(ctx); ok {
		setOutcome(span, data.Err)
	}
	t.Tracer.TraceQueryEnd(ctx, conn, data)
}

// Prepare spans are named after the statement's operation too and carry
// pgx.prepare_stmt.name: pgx prepares each statement once per connection
// (its statement cache), so a new connection's first query makes two.
func (t dbTracer) TracePrepareStart(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareStartData) context.Context {
	out := started(ctx, t.Tracer.TracePrepareStart(ctx, conn, data))
	if span, ok := spanOf(out); ok {
		setPeer(span, conn)
	}
	return out
}

func (t dbTracer) TracePrepareEnd(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareEndData) {
	if span, ok := spanOf(ctx); ok {
		setOutcome(span, data.Err)
	}
	t.Tracer.TracePrepareEnd(ctx, conn, data)
}

func (t dbTracer) TraceConnectStart(ctx context.Context, data pgx.TraceConnectStartData) context.Context {
	return started(ctx, t.Tracer.TraceConnectStart(ctx, data))
}

func (t dbTracer) TraceConnectEnd(ctx context.Context, data pgx.TraceConnectEndData) {
	if span, ok := spanOf(ctx); ok {
		setPeer(span, data.Conn)
		setOutcome(span, data.Err)
	}
	t.Tracer.TraceConnectEnd(ctx, data)
}

func (t dbTracer) TraceAcquireStart(ctx context.Context, pool *pgxpool.Pool, data pgxpool.TraceAcquireStartData) context.Context {
	return started(ctx, t.Tracer.TraceAcquireStart(ctx, pool, data))
}

func (t dbTracer) TraceAcquireEnd(ctx context.Context, pool *pgxpool.Pool, data pgxpool.TraceAcquireEndData) {
	if span, ok := spanOf(ctx); ok {
		if data.Conn != nil {
			setPeer(span, data.Conn)
		}
		setOutcome(span, data.Err)
	}
	t.Tracer.TraceAcquireEnd(ctx, pool, data)
}

// setPeer records the address the connection's socket is connected to:
// the endpoint's, which may differ from server.address when a name
// resolves to one of several addresses.
func setPeer(span trace.Span, conn *pgx.Conn) {
	if conn == nil || conn.PgConn() == nil || conn.PgConn().Conn() == nil {
		return
	}
	if a, ok := conn.PgConn().Conn().RemoteAddr().(*net.TCPAddr); ok {
		span.SetAttributes(attrPeerAddress.String(a.IP.String()), attrPeerPort.Int(a.Port))
	}
}

// setOutcome adds db.response.status_code (the SQLSTATE, when the server
// answered with an error) and error.type.
func setOutcome(span trace.Span, err error) {
	if err == nil {
		return
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		span.SetAttributes(attrStatusCode.String(pgErr.Code))
	}
	span.SetAttributes(attrErrorType.String(ErrorType(err)))
}

// ErrorType is the error.type of an error: the SQLSTATE when the server
// answered with one (as the database conventions ask), else a low-
// cardinality name of what happened to the connection, else "_OTHER".
func ErrorType(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection_refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection_reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.Is(err, pgconn.ErrConnClosed):
		return "connection_closed"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "_OTHER"
}
