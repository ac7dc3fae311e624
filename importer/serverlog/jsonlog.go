package serverlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchwatch/switchwatch/internal/lines"
)

// jsonLine has the fields of a jsonlog line switchwatch reads
// (src/backend/utils/error/jsonlog.c: timestamp always comes first; pid,
// error_severity, state_code and message are written for every message).
type jsonLine struct {
	Timestamp string          `json:"timestamp"`
	PID       json.RawMessage `json:"pid"`
	Severity  string          `json:"error_severity"`
	State     string          `json:"state_code"`
	Message   *string         `json:"message"`
}

// jsonStart is how every jsonlog line begins.
var jsonStart = []byte(`{"timestamp":"`)

func sniffJSON(_ *Options, head []byte) bool {
	return bytes.HasPrefix([]byte(firstLine(head, false)), jsonStart)
}

func readJSON(_ *Options, r *reader) error {
	return lines.Scan(r.in, func(line int, text string, terminated, tooLong bool) error {
		if tooLong {
			r.badLine(line, lines.ErrTooLong)
			return nil
		}
		text = strings.TrimSpace(text)
		if text == "" {
			return nil
		}
		var j jsonLine
		if err := json.Unmarshal([]byte(text), &j); err != nil {
			r.badLine(line, cutOff(fmt.Errorf("not a jsonlog line: %w", err), terminated))
			return nil
		}
		if j.Timestamp == "" || j.Severity == "" || j.Message == nil {
			r.badLine(line, errors.New(`jsonlog line without "timestamp", "error_severity" or "message"`))
			return nil
		}
		t, err := parsePGTime(j.Timestamp)
		if err != nil {
			r.badLine(line, err)
			return nil
		}
		pid := ""
		if len(j.PID) > 0 {
			var n int64
			if err := json.Unmarshal(j.PID, &n); err == nil {
				pid = strconv.FormatInt(n, 10)
			}
		}
		r.take(entry{line: line, time: t, pid: pid, severity: j.Severity, sqlstate: j.State, message: *j.Message})
		return nil
	})
}

// cutOff adds to the error of a last line without a line end that it was
// probably cut off.
func cutOff(err error, terminated bool) error {
	if terminated {
		return err
	}
	return fmt.Errorf("%w (the file's last line, without a line end: cut off?)", err)
}
