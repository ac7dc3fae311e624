package importer

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/switchwatch/switchwatch/record/store"
)

// jsonlRec is a taken request line as the sorter holds it: its line, to
// be parsed again when merged (which keeps a record small), and the sort
// key, stream then intended start then input order.
type jsonlRec struct {
	stream   string
	intended int64
	ord      int64
	text     []byte
}

func cmpJSONLRec(a, b *jsonlRec) int {
	return cmp.Or(strings.Compare(a.stream, b.stream), cmp.Compare(a.intended, b.intended), cmp.Compare(a.ord, b.ord))
}

func sizeJSONLRec(r *jsonlRec) int { return 80 + len(r.stream) + cap(r.text) }

func encJSONLRec(w *bufio.Writer, r *jsonlRec) error {
	var b [3*binary.MaxVarintLen64 + 2*binary.MaxVarintLen64]byte
	n := binary.PutUvarint(b[:], uint64(len(r.stream)))
	n += binary.PutUvarint(b[n:], uint64(len(r.text)))
	n += binary.PutVarint(b[n:], r.intended)
	n += binary.PutVarint(b[n:], r.ord)
	if _, err := w.Write(b[:n]); err != nil {
		return err
	}
	if _, err := w.WriteString(r.stream); err != nil {
		return err
	}
	_, err := w.Write(r.text)
	return err
}

func decJSONLRec(rd *bufio.Reader, r *jsonlRec) error {
	ns, err := binary.ReadUvarint(rd)
	if err != nil {
		return err // io.EOF at the end of a run
	}
	cut := func(err error) error {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("a cut record")
		}
		return err
	}
	nt, err := binary.ReadUvarint(rd)
	if err != nil {
		return cut(err)
	}
	if r.intended, err = binary.ReadVarint(rd); err != nil {
		return cut(err)
	}
	if r.ord, err = binary.ReadVarint(rd); err != nil {
		return cut(err)
	}
	buf := make([]byte, ns+nt)
	if _, err := io.ReadFull(rd, buf); err != nil {
		return cut(err)
	}
	r.stream, r.text = string(buf[:ns]), buf[ns:]
	return nil
}

// streamWriter numbers the rows of each stream from 0 as they come (sorted
// by stream and intended start), moves a row scheduled at the same time
// as the one before 1 ns later, and measures each stream's steps: what
// finishRows does to rows in memory.
type streamWriter struct {
	sink    rowSink
	runID   string
	stream  string
	seq     int64
	last    int64
	steps   stepStats
	iv      int64
	streams map[string]int64
}

func (w *streamWriter) write(p *store.Probe) error {
	if s := p.Stream(); s != w.stream || w.seq == 0 {
		w.iv = max(w.iv, w.steps.interval())
		w.stream, w.seq, w.steps = s, 0, stepStats{}
	} else if p.Intended <= w.last {
		nudge(p, w.last)
	}
	if w.seq > 0 {
		w.steps.add(p.Intended - w.last)
	}
	p.RunID, p.Seq = w.runID, w.seq
	w.seq++
	w.last = p.Intended
	w.streams[w.stream]++
	return w.sink.write(p)
}

// interval is the largest importInterval of the streams.
func (w *streamWriter) interval() int64 { return max(w.iv, w.steps.interval()) }
