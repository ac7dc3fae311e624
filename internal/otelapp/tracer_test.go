package otelapp

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestErrorType: the SQLSTATE when the server answered, else what
// happened to the connection, through the wrapping pgx and the app add.
func TestErrorType(t *testing.T) {
	opErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("insert order: %w", &pgconn.PgError{Code: "25006"}), "25006"},
		{&pgconn.PgError{Code: "57P01"}, "57P01"},
		{fmt.Errorf("connect: %w", context.DeadlineExceeded), "timeout"},
		{context.Canceled, "canceled"},
		{fmt.Errorf("connect: %w", opErr(syscall.ECONNREFUSED)), "connection_refused"},
		{fmt.Errorf("read: %w", opErr(syscall.ECONNRESET)), "connection_reset"},
		{fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF), "connection_closed"},
		{fmt.Errorf("failed to deallocate cached statement(s): %w", pgconn.ErrConnClosed), "connection_closed"},
		{&net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}, "timeout"},
		{fmt.Errorf("something else"), "_OTHER"},
	} {
		if got := ErrorType(c.err); got != c.want {
			t.Errorf("ErrorType(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
