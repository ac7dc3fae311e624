package importer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/switchwatch/switchwatch/internal/regular"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// otlpMaxLine bounds one JSON line or protobuf message of an OTLP file:
// the Collector writes one ExportTraceServiceRequest (a whole batch) per
// line, so lines are far longer than other tools' (internal/lines.Max).
// One line is held in memory at a time.
var otlpMaxLine = 64 << 20

// errCut is the detail of a compressed file that ends early.
var errCut = errors.New("the compressed stream ends early (a cut file)")

// otlpFileFormat says how an OTLP file is written: "json" (lines) or
// "proto" (length-prefixed messages: protobuf, or, as the exporter's
// per-message compression writes them, zstd frames of protobuf or JSON),
// with "+gzip" or "+zstd" when the whole file is compressed.
type otlpFileFormat string

// cutReader turns the io.ErrUnexpectedEOF of a decompressor into the
// end of the input, noting that the input was cut, so that what was
// readable before the cut is read.
type cutReader struct {
	r   io.Reader
	cut bool
}

func (c *cutReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		c.cut = true
		err = io.EOF
	}
	return n, err
}

// readOTLPFile reads an OTLP trace file as the Collector's file exporter
// writes it: JSON lines (one ExportTraceServiceRequest per line) or
// protobuf messages each preceded by its length (4 bytes, big-endian),
// either of them plain, gzip'd or zstd'd; the format is told from the
// content, never from the name. It hands every request to fn with its
// line (for protobuf, the message's number, from 1), and every line that
// is no request to skip, with a Reason. Its error is for a file that
// cannot be read or is no OTLP file at all.
func readOTLPFile(path string, fn func(line int, tr ptrace.Traces) error, skip func(reason string, line int, err error)) (otlpFileFormat, int, error) {
	f, err := regular.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 256<<10)
	var format otlpFileFormat
	comp := ""
	cr := &cutReader{r: br}
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", 0, fmt.Errorf("%s: gzip: %w", path, err)
		}
		defer zr.Close()
		cr.r, comp = zr, "+gzip"
	case bytes.Equal(head, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return "", 0, fmt.Errorf("%s: zstd: %w", path, err)
		}
		defer zr.Close()
		cr.r, comp = zr, "+zstd"
	}
	in := bufio.NewReaderSize(cr, 256<<10)
	peek, perr := in.Peek(4096)
	if perr != nil && !errors.Is(perr, io.EOF) && !errors.Is(perr, bufio.ErrBufferFull) {
		return "", 0, fmt.Errorf("%s: %w", path, perr)
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(peek, []byte("\ufeff")), " \t\r\n")
	switch {
	case len(peek) == 0 && cr.cut:
		return "", 0, fmt.Errorf("%s: %w, before any data", path, errCut)
	case len(peek) == 0:
		return "", 0, fmt.Errorf("%s: the file is empty", path)
	case len(trimmed) == 0 && len(peek) < 4096:
		return "", 0, fmt.Errorf("%s: the file holds only blank lines", path)
	case len(trimmed) > 0 && trimmed[0] == '{':
		format = otlpFileFormat("json" + comp)
		n, err := readOTLPJSON(in, cr, fn, skip)
		if err != nil {
			return format, n, fmt.Errorf("%s: %w", path, err)
		}
		return format, n, nil
	case looksLikeOTLPProto(peek):
		format = otlpFileFormat("proto" + comp)
		n, err := readOTLPProto(in, cr, fn, skip)
		if err != nil {
			return format, n, fmt.Errorf("%s: %w", path, err)
		}
		return format, n, nil
	}
	return "", 0, fmt.Errorf("%s: not an OTLP trace file (JSON lines of ExportTraceServiceRequest, or length-prefixed protobuf; plain, gzip or zstd): it begins %q",
		path, head16(peek))
}

// head16 is the start of a file, for an error.
func head16(b []byte) []byte {
	if len(b) > 16 {
		return b[:16]
	}
	return b
}

// looksLikeOTLPProto reports whether b starts as the file exporter's
// length-prefixed format: a 4-byte big-endian length, then an
// ExportTraceServiceRequest in protobuf, whose first field is
// resource_spans (field 1, length-delimited: 0x0a); or, as the exporter
// writes with "compression: zstd" (without its native compression), a
// zstd frame of one, protobuf or JSON; or JSON itself.
func looksLikeOTLPProto(b []byte) bool {
	if len(b) < 5 {
		return false
	}
	n := binary.BigEndian.Uint32(b)
	return n > 0 && int64(n) <= int64(otlpMaxLine) && (b[4] == 0x0a || b[4] == '{' || bytes.HasPrefix(b[4:], zstdMagic[:min(4, len(b)-4)]))
}

var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// readOTLPJSON reads JSON lines through pdata's JSONUnmarshaler, a line at
// a time.
func readOTLPJSON(in *bufio.Reader, cr *cutReader, fn func(int, ptrace.Traces) error, skip func(string, int, error)) (int, error) {
	var u ptrace.JSONUnmarshaler
	line := 0
	truncated := false
	for {
		text, terminated, tooLong, err := readLongLine(in, otlpMaxLine)
		if err == io.EOF {
			break
		}
		if err != nil {
			return line, err
		}
		line++
		switch {
		case tooLong:
			skip(ReasonNotOTLP, line, fmt.Errorf("line longer than %d bytes", otlpMaxLine))
			continue
		case len(bytes.TrimSpace(text)) == 0:
			skip(ReasonBlank, line, nil)
			continue
		case line == 1:
			text = bytes.TrimPrefix(text, []byte("\ufeff")) // a byte order mark
		}
		tr, err := u.UnmarshalTraces(text)
		if err != nil {
			switch {
			case !terminated && cr.cut:
				truncated = true
				skip(ReasonTruncated, line, fmt.Errorf("%w: %v", errCut, err))
			case !terminated:
				truncated = true
				skip(ReasonTruncated, line, err)
			default:
				skip(ReasonNotOTLP, line, err)
			}
			continue
		}
		if err := fn(line, tr); err != nil {
			return line, err
		}
	}
	if cr.cut && !truncated {
		skip(ReasonTruncated, line+1, errCut)
	}
	return line, nil
}

// readLongLine reads one line of at most max bytes, without its line
// ending; a longer one is read to its end and dropped (tooLong). The
// returned slice is valid until the next call. err is io.EOF only when
// there is no line left.
func readLongLine(in *bufio.Reader, max int) (text []byte, terminated, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := in.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > max {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if len(buf) == 0 && !tooLong {
				return nil, false, false, io.EOF
			}
			return bytes.TrimRight(buf, "\r\n"), false, tooLong, nil
		case err != nil:
			return nil, false, false, err
		}
		return bytes.TrimRight(buf, "\r\n"), true, tooLong, nil
	}
}

// readOTLPProto reads length-prefixed messages through pdata's
// ProtoUnmarshaler (JSONUnmarshaler for a message that is JSON), one at a
// time, each decompressed first when it is a zstd frame. A length beyond
// otlpMaxLine loses the framing: the rest of the file is skipped with it.
func readOTLPProto(in *bufio.Reader, cr *cutReader, fn func(int, ptrace.Traces) error, skip func(string, int, error)) (int, error) {
	var u ptrace.ProtoUnmarshaler
	var ju ptrace.JSONUnmarshaler
	var dec *zstd.Decoder // for messages compressed one by one
	var hdr [4]byte
	msg := 0
	for {
		_, err := io.ReadFull(in, hdr[:])
		if err == io.EOF {
			if cr.cut {
				skip(ReasonTruncated, msg+1, errCut)
			}
			return msg, nil
		}
		msg++
		if errors.Is(err, io.ErrUnexpectedEOF) {
			skip(ReasonTruncated, msg, cutDetail(cr, "a message length cut short"))
			return msg, nil
		}
		if err != nil {
			return msg, err
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if int64(n) > int64(otlpMaxLine) {
			skip(ReasonNotOTLP, msg, fmt.Errorf("message length %d is over %d bytes: the rest of the file cannot be framed and is not read", n, otlpMaxLine))
			return msg, nil
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(in, body); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
				skip(ReasonTruncated, msg, cutDetail(cr, fmt.Sprintf("a message of %d bytes cut short", n)))
				return msg, nil
			}
			return msg, err
		}
		if bytes.HasPrefix(body, zstdMagic) {
			if dec == nil {
				if dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(otlpMaxLine))); err != nil {
					return msg, err
				}
				defer dec.Close()
			}
			if body, err = dec.DecodeAll(body, nil); err != nil {
				skip(ReasonNotOTLP, msg, fmt.Errorf("zstd: %w", err))
				continue
			}
		}
		var tr ptrace.Traces
		if len(body) > 0 && body[0] == '{' {
			tr, err = ju.UnmarshalTraces(body)
		} else {
			tr, err = u.UnmarshalTraces(body)
		}
		if err != nil {
			skip(ReasonNotOTLP, msg, err)
			continue
		}
		if err := fn(msg, tr); err != nil {
			return msg, err
		}
	}
}

func cutDetail(cr *cutReader, what string) error {
	if cr.cut {
		return fmt.Errorf("%w: %s", errCut, what)
	}
	return errors.New(what)
}
