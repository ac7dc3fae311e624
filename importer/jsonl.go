package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/switchwatch/switchwatch/internal/errclass"
	"github.com/switchwatch/switchwatch/record/store"
)

// jsonlLine is one line of the JSON lines request format. The rules:
//
//   - "time" (or "start"; one of them, not both): when the request started,
//     RFC 3339 with a zone, any fraction of a second. Required.
//   - "intended": when it was meant to start, if the application schedules
//     requests (open loop); default: the start.
//   - "end": when it ended. Optional.
//   - "latency_ms" (a number) or "latency_ns" (an integer): how long it
//     took; at most one. Without it the latency is end - start; without
//     either the latency is unknown (0) and only the outcome counts.
//   - "op": "write", "read" or "connect". Required.
//   - "outcome": "ok", "error" or "timeout". Required.
//   - "error": the error message (only when not ok), cut to 256 bytes.
//   - "sqlstate": the five-character SQLSTATE, when the server sent one.
//   - "class": one of switchwatch's error classes, if the application knows
//     better; else the class comes from the SQLSTATE (as the recorder
//     classifies it), else from the message (connection refused, reset,
//     read-only, ...), else a timeout is query_timeout (connect_timeout for
//     op connect) and anything else other.
//   - "server": the address of the server that answered, e.g. 10.0.1.7:5432.
//   - "conn": "pooled" (default) or "new" (a connection per request).
//   - "endpoint": "write" or "read"; default read for op read, else write.
//
// Other fields are ignored, so an application can log more. Each
// (op, conn, endpoint) is a stream; rows are numbered per stream in order
// of intended start.
type jsonlLine struct {
	Time      *string  `json:"time"`
	Start     *string  `json:"start"`
	Intended  *string  `json:"intended"`
	End       *string  `json:"end"`
	LatencyMS *float64 `json:"latency_ms"`
	LatencyNS *int64   `json:"latency_ns"`
	Op        string   `json:"op"`
	Outcome   string   `json:"outcome"`
	Error     string   `json:"error"`
	SQLState  string   `json:"sqlstate"`
	Class     string   `json:"class"`
	Server    string   `json:"server"`
	Conn      string   `json:"conn"`
	Endpoint  string   `json:"endpoint"`
}

// parseJSONLLine parses one request line into a probe row (RunID and Seq
// unset).
func parseJSONLLine(text []byte) (store.Probe, error) {
	return parseJSONLWith(text, decodeJSONL)
}

// parseJSONLWith is parseJSONLLine with the given decoder of the JSON
// object (decodeJSONL; the tests compare it with encoding/json's).
func parseJSONLWith(text []byte, decode func([]byte, *jsonlLine) error) (store.Probe, error) {
	var p store.Probe
	text = bytes.TrimSpace(text)
	if len(text) == 0 || text[0] != '{' {
		return p, errors.New("not a JSON object")
	}
	var l jsonlLine
	if err := decode(text, &l); err != nil {
		return p, err
	}
	if err := jsonlTimes(&l, &p); err != nil {
		return p, err
	}
	if err := jsonlLatency(&l, &p); err != nil {
		return p, err
	}
	if err := jsonlStream(&l, &p); err != nil {
		return p, err
	}
	if err := jsonlOutcome(&l, &p); err != nil {
		return p, err
	}
	p.ServerAddr = l.Server
	return p, nil
}

// jsonlTimes sets the start, intended start and end of a line's probe.
func jsonlTimes(l *jsonlLine, p *store.Probe) error {
	if l.Time != nil && l.Start != nil {
		return errors.New(`give "time" or "start", not both`)
	}
	st := l.Time
	if st == nil {
		st = l.Start
	}
	if st == nil {
		return errors.New(`no "time" (or "start")`)
	}
	start, err := parseTime(*st, "time")
	if err != nil {
		return err
	}
	p.Start, p.Intended = start, start
	if l.Intended != nil {
		if p.Intended, err = parseTime(*l.Intended, "intended"); err != nil {
			return err
		}
		if p.Intended > p.Start {
			return errors.New(`"intended" is after the start`)
		}
	}
	if l.End != nil {
		if p.End, err = parseTime(*l.End, "end"); err != nil {
			return err
		}
		if p.End < p.Start {
			return errors.New(`"end" is before the start`)
		}
		p.LatencyNS = p.End - p.Start
	}
	return nil
}

// jsonlLatency sets the latency (and the end, when the line has none) of
// a line's probe whose times are set.
func jsonlLatency(l *jsonlLine, p *store.Probe) error {
	switch {
	case l.LatencyMS != nil && l.LatencyNS != nil:
		return errors.New(`give "latency_ms" or "latency_ns", not both`)
	case l.LatencyMS != nil:
		if *l.LatencyMS < 0 || *l.LatencyMS > 1e9 {
			return fmt.Errorf("latency_ms %v is out of range", *l.LatencyMS)
		}
		// Rounded, not truncated: 4.177 ms is 4,176,999.9999... ns in
		// binary floating point, and is 4,177,000 ns as written.
		p.LatencyNS = int64(math.Round(*l.LatencyMS * 1e6))
	case l.LatencyNS != nil:
		if *l.LatencyNS < 0 || *l.LatencyNS > 1e15 {
			return fmt.Errorf("latency_ns %v is out of range", *l.LatencyNS)
		}
		p.LatencyNS = *l.LatencyNS
	}
	if p.End == 0 && (l.LatencyMS != nil || l.LatencyNS != nil) {
		p.End = p.Start + p.LatencyNS
	}
	return nil
}

// jsonlStream sets the kind, connection mode and endpoint of a line's
// probe.
func jsonlStream(l *jsonlLine, p *store.Probe) error {
	switch l.Op {
	case store.KindWrite, store.KindRead, store.KindConnect:
		p.Kind = l.Op
	case "":
		return errors.New(`no "op"`)
	default:
		return fmt.Errorf("op %q: want write, read or connect", l.Op)
	}
	switch l.Conn {
	case "", store.ConnPooled:
		p.Conn = store.ConnPooled
	case store.ConnNew:
		p.Conn = store.ConnNew
	default:
		return fmt.Errorf("conn %q: want pooled or new", l.Conn)
	}
	switch l.Endpoint {
	case "":
		p.Endpoint = store.EndpointWrite
		if p.Kind == store.KindRead {
			p.Endpoint = store.EndpointRead
		}
	case store.EndpointWrite, store.EndpointRead:
		p.Endpoint = l.Endpoint
	default:
		return fmt.Errorf("endpoint %q: want write or read", l.Endpoint)
	}
	return nil
}

// jsonlOutcome sets the outcome, SQLSTATE, error and error class of a
// line's probe whose kind is set.
func jsonlOutcome(l *jsonlLine, p *store.Probe) error {
	if l.SQLState != "" && !errclass.IsSQLState(l.SQLState) {
		return fmt.Errorf("sqlstate %q is not five digits or capital letters", l.SQLState)
	}
	if l.Class != "" && !errclass.Known(l.Class) {
		return fmt.Errorf("class %q is not one of switchwatch's error classes", l.Class)
	}
	switch l.Outcome {
	case store.OutcomeOK:
		if l.Error != "" || l.Class != "" {
			return errors.New(`outcome "ok" with an error or class`)
		}
		p.Outcome = store.OutcomeOK
	case store.OutcomeError, store.OutcomeTimeout:
		p.Outcome = l.Outcome
		p.SQLState = l.SQLState
		p.Error = store.CutError(l.Error)
		if l.Class != "" {
			p.ErrorClass = l.Class
			break
		}
		ph := errclass.Query
		if p.Kind == store.KindConnect {
			ph = errclass.Connect
		}
		_, p.ErrorClass = errclass.Reported{
			SQLState: l.SQLState, Message: l.Error, Timeout: l.Outcome == store.OutcomeTimeout, Phase: ph,
		}.Classify()
	case "":
		return errors.New(`no "outcome"`)
	default:
		return fmt.Errorf("outcome %q: want ok, error or timeout", l.Outcome)
	}
	return nil
}

// decodeJSONL decodes one line's JSON object as encoding/json does, only
// faster. goccy/go-json decodes a request line in about a fifth of
// encoding/json's time (measured on this project's machine, ns per line:
// encoding/json 2,600, goccy/go-json 490-670, segmentio/encoding 670-890,
// bytedance/sonic 950), and it is a drop-in for encoding/json (the same
// struct tags, case-insensitive keys, last duplicate wins). Two things
// keep the result exactly encoding/json's: a line with a byte that is not
// plain ASCII or with a backslash escape (where decoders differ on invalid
// UTF-8 and escapes) is left to encoding/json, and so is every line
// goccy/go-json refuses or panics on, so that an error names what
// encoding/json names (the golden files quote it). TestJSONLDecodersAgree
// and FuzzJSONLLine compare the two on every line they try.
func decodeJSONL(text []byte, l *jsonlLine) (err error) {
	if plainJSON(text) {
		ok := func() (ok bool) {
			defer func() {
				if recover() != nil {
					ok = false
				}
			}()
			return gojson.Unmarshal(text, l) == nil
		}()
		if ok {
			return nil
		}
		*l = jsonlLine{}
	}
	return json.Unmarshal(text, l)
}

// plainJSON says whether text is printable ASCII without a backslash.
func plainJSON(text []byte) bool {
	for _, c := range text {
		if c >= 0x7f || c < 0x20 || c == '\\' {
			return false
		}
	}
	return true
}

// parseTime parses an RFC 3339 time stamp with a zone into ns since the
// epoch, refusing times outside 2000-2100 (surely a unit mistake).
func parseTime(s, name string) (int64, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not an RFC 3339 time with a zone (2006-01-02T15:04:05.999Z)", name, s)
	}
	if t.Unix() < minEpoch || t.Unix() >= maxEpoch {
		return 0, fmt.Errorf("%s %q is not between 2000 and 2100", name, s)
	}
	return t.UnixNano(), nil
}
