package importer

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/switchwatch/switchwatch/record/store"
)

// jsonlRec is a taken request line as the sorter holds it: the fields of
// its row that a line sets, the constant ones (kind, conn, endpoint,
// outcome) as indexes into their tables, so a record is small in memory
// and on disk and is not parsed twice.
type jsonlRec struct {
	intended, start, end, latency int64
	kind, conn, endpoint, outcome uint8
	class, sqlstate, err, server  string
}

var (
	recKinds     = []string{store.KindWrite, store.KindRead, store.KindConnect}
	recConns     = []string{store.ConnPooled, store.ConnNew}
	recEndpoints = []string{store.EndpointWrite, store.EndpointRead}
	recOutcomes  = []string{store.OutcomeOK, store.OutcomeError, store.OutcomeTimeout}
	// recStreams[kind][conn][endpoint] is store.Probe.Stream of a row,
	// made once rather than once a row.
	recStreams [3][2][2]string
)

func init() {
	for k, kind := range recKinds {
		for c, conn := range recConns {
			for e, ep := range recEndpoints {
				p := store.Probe{Kind: kind, Conn: conn, Endpoint: ep}
				recStreams[k][c][e] = p.Stream()
			}
		}
	}
}

func recIndex(table []string, s string) (uint8, error) {
	for i, t := range table {
		if t == s {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("%q is none of %q", s, table)
}

// newJSONLRec is the record of a row parseJSONLLine made.
func newJSONLRec(p *store.Probe) (jsonlRec, error) {
	r := jsonlRec{intended: p.Intended, start: p.Start, end: p.End, latency: p.LatencyNS,
		class: p.ErrorClass, sqlstate: p.SQLState, err: p.Error, server: p.ServerAddr}
	var errs [4]error
	r.kind, errs[0] = recIndex(recKinds, p.Kind)
	r.conn, errs[1] = recIndex(recConns, p.Conn)
	r.endpoint, errs[2] = recIndex(recEndpoints, p.Endpoint)
	r.outcome, errs[3] = recIndex(recOutcomes, p.Outcome)
	for _, err := range errs {
		if err != nil {
			return r, fmt.Errorf("a parsed request line: %w", err)
		}
	}
	return r, nil
}

func (r *jsonlRec) stream() string { return recStreams[r.kind][r.conn][r.endpoint] }

// probe is the row again (RunID and Seq unset).
func (r *jsonlRec) probe() store.Probe {
	return store.Probe{Kind: recKinds[r.kind], Conn: recConns[r.conn], Endpoint: recEndpoints[r.endpoint],
		Intended: r.intended, Start: r.start, End: r.end, LatencyNS: r.latency, Outcome: recOutcomes[r.outcome],
		ErrorClass: r.class, SQLState: r.sqlstate, Error: r.err, ServerAddr: r.server}
}

func sizeJSONLRec(r *jsonlRec) int {
	return 104 + len(r.class) + len(r.sqlstate) + len(r.err) + len(r.server)
}

func encJSONLRec(w *bufio.Writer, r *jsonlRec) error {
	var b [4 + 4*binary.MaxVarintLen64 + 4*binary.MaxVarintLen64]byte
	b[0], b[1], b[2], b[3] = r.kind, r.conn, r.endpoint, r.outcome
	n := 4
	for _, v := range []int64{r.intended, r.start - r.intended, r.end - r.start, r.latency} {
		n += binary.PutVarint(b[n:], v)
	}
	strs := [4]string{r.class, r.sqlstate, r.err, r.server}
	for _, s := range strs {
		n += binary.PutUvarint(b[n:], uint64(len(s)))
	}
	if _, err := w.Write(b[:n]); err != nil {
		return err
	}
	for _, s := range strs {
		if _, err := w.WriteString(s); err != nil {
			return err
		}
	}
	return nil
}

func decJSONLRec(rd *bufio.Reader, r *jsonlRec) error {
	var b [4]byte
	if _, err := io.ReadFull(rd, b[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return fmt.Errorf("a cut record")
		}
		return err // io.EOF at the end of a run
	}
	cut := func(err error) error {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("a cut record")
		}
		return err
	}
	if int(b[0]) >= len(recKinds) || int(b[1]) >= len(recConns) || int(b[2]) >= len(recEndpoints) || int(b[3]) >= len(recOutcomes) {
		return fmt.Errorf("a damaged record")
	}
	*r = jsonlRec{kind: b[0], conn: b[1], endpoint: b[2], outcome: b[3]}
	var v [4]int64
	for i := range v {
		var err error
		if v[i], err = binary.ReadVarint(rd); err != nil {
			return cut(err)
		}
	}
	r.intended = v[0]
	r.start = r.intended + v[1]
	r.end = r.start + v[2]
	r.latency = v[3]
	var ls [4]uint64
	total := uint64(0)
	for i := range ls {
		var err error
		if ls[i], err = binary.ReadUvarint(rd); err != nil {
			return cut(err)
		}
		total += ls[i]
	}
	if total > 2<<20 { // a line is at most lines.Max
		return fmt.Errorf("a damaged record")
	}
	if total > 0 {
		buf := make([]byte, total)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return cut(err)
		}
		s := string(buf)
		dst := [4]*string{&r.class, &r.sqlstate, &r.err, &r.server}
		off := uint64(0)
		for i, l := range ls {
			*dst[i] = s[off : off+l]
			off += l
		}
	}
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

func (w *streamWriter) write(p *store.Probe) error { return w.writeStream(p, p.Stream()) }

// writeStream is write of a row whose stream s is known.
func (w *streamWriter) writeStream(p *store.Probe, s string) error {
	if s != w.stream || w.seq == 0 {
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
