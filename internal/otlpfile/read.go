package otlpfile

import (
	"bufio"
	"fmt"
	"io"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Read streams a file of the format Receiver writes (and the Collector's
// file exporter writes with format json): each non-empty line is decoded
// with ptrace.JSONUnmarshaler and handed to fn with its line number. A
// line that does not decode stops the reading with an error naming it.
func Read(r io.Reader, fn func(line int, td ptrace.Traces) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxBody*2)
	var u ptrace.JSONUnmarshaler
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		td, err := u.UnmarshalTraces(sc.Bytes())
		if err != nil {
			return fmt.Errorf("line %d: decode OTLP JSON traces: %w", n, err)
		}
		if err := fn(n, td); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read OTLP JSON lines: %w", err)
	}
	return nil
}
