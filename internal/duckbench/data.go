package duckbench

import (
	"bufio"
	"container/heap"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgbenchgen"
	"github.com/switchwatch/switchwatch/internal/synth"
)

// genStart is when every generated log begins.
var genStart = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// Synth writes rows synthetic probe rows (internal/synth: 500,000 rows
// per run, six streams at 10 ms, five switchover shapes) as run folders
// into dir.
func Synth(dir string, rows int64) error {
	d := synth.Dataset{Rows: rows, RowsPerRun: min(rows, 500_000), Interval: 10 * time.Millisecond, Seed: 1}
	d.Output.SegmentRows = 100_000
	if err := d.Write(dir); err != nil {
		return fmt.Errorf("write synthetic runs to %s: %w", dir, err)
	}
	return nil
}

// Pgbench writes about lines transactions of pgbench -l --rate logs in
// threads files (pgbench_log.7, pgbench_log.7.1, ...) into dir: 1,000
// transactions/s per thread, 4 clients each, one 3 s outage halfway (the
// logs are 3 s longer for it). It returns the files.
func Pgbench(dir string, lines, threads int) ([]string, error) {
	var files []string
	for i := range threads {
		p := filepath.Join(dir, "pgbench_log.7")
		if i > 0 {
			p += "." + strconv.Itoa(i)
		}
		d := time.Duration(float64(lines/threads)/1000*float64(time.Second)) + 3*time.Second
		l := pgbenchgen.Log{Start: genStart, Duration: d, Rate: 1000, Latency: 2 * time.Millisecond, Clients: 4,
			Outages: [][2]time.Duration{{d / 2, d/2 + 3*time.Second}}, Seed: uint64(i + 1)}
		if err := writeFile(p, func(w io.Writer) error { _, err := l.Write(w); return err }); err != nil {
			return nil, err
		}
		files = append(files, p)
	}
	return files, nil
}

// JSONL writes lines requests of the JSON lines request log format
// (importer/jsonl.go) to path, as an application with 8 workers would log
// them: each line is written when its request ends, so lines are not in
// order of their "time" (the start), and an importer has to sort. Workers
// alternate writes and reads, on pooled and new connections; in the
// middle of the log a 4 s switchover answers writes read-only (SQLSTATE
// 25006) for 1 s, then refuses every request, then a few requests hang
// for 2 s as the new primary comes up.
func JSONL(path string, lines int) error {
	return writeFile(path, func(w io.Writer) error { return writeJSONL(w, lines) })
}

// request is one generated request of worker w.
type request struct {
	start, end time.Duration // from genStart
	op, conn   string
	outcome    string
	err        string
	sqlstate   string
	server     string
	worker     int
}

type byEnd []*request

func (h byEnd) Len() int           { return len(h) }
func (h byEnd) Less(i, j int) bool { return h[i].end < h[j].end }
func (h byEnd) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *byEnd) Push(x any)        { *h = append(*h, x.(*request)) }
func (h *byEnd) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func writeJSONL(w io.Writer, lines int) error {
	const workers = 8
	rng := rand.New(rand.NewPCG(7, 1))
	// about 2,000 requests/s in all; the switchover halfway
	span := time.Duration(lines) * time.Second / 2000
	ro, down, up := span/2, span/2+time.Second, span/2+3*time.Second
	hungUntil := span/2 + 4*time.Second
	n := 0
	next := func(worker int, at time.Duration) *request {
		r := &request{start: at, worker: worker, op: "write", conn: "pooled", outcome: "ok", server: "10.0.1.7:5432"}
		if n%2 == 1 {
			r.op = "read"
		}
		if worker >= workers/2 {
			r.conn = "new"
		}
		lat := time.Duration(1e6 + rng.Float64()*2e6)
		if r.conn == "new" {
			lat += 3 * time.Millisecond
		}
		switch {
		case at >= ro && at < down && r.op == "write":
			r.outcome, r.err, r.sqlstate = "error", "cannot execute INSERT in a read-only transaction", "25006"
		case at >= down && at < up:
			r.outcome, r.err, r.server = "error", "dial tcp 10.0.1.7:5432: connect: connection refused", ""
			lat = time.Duration(rng.Float64() * 1e6)
		case at >= up && at < hungUntil && rng.IntN(50) == 0:
			lat = 2 * time.Second
		}
		if at >= up {
			r.server = "10.0.1.8:5432"
		}
		if rng.IntN(2000) == 0 {
			r.outcome, r.err, r.sqlstate, lat = "timeout", "context deadline exceeded", "", 5*time.Second
		}
		r.end = at + lat
		n++
		return r
	}
	h := make(byEnd, 0, workers)
	for i := range workers {
		heap.Push(&h, next(i, time.Duration(i)*500*time.Microsecond))
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	buf := make([]byte, 0, 256)
	for written := 0; written < lines; written++ {
		r := heap.Pop(&h).(*request)
		buf = appendRequest(buf[:0], r)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		// the worker's next request starts after a short think time
		heap.Push(&h, next(r.worker, r.end+time.Duration(rng.Float64()*3e6)))
	}
	return bw.Flush()
}

// appendRequest appends r as one JSON line.
func appendRequest(b []byte, r *request) []byte {
	b = append(b, `{"time":"`...)
	b = genStart.Add(r.start).AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
	b = append(b, `","op":"`...)
	b = append(b, r.op...)
	b = append(b, `","conn":"`...)
	b = append(b, r.conn...)
	b = append(b, `","outcome":"`...)
	b = append(b, r.outcome...)
	b = append(b, `","latency_ms":`...)
	b = strconv.AppendFloat(b, float64(r.end-r.start)/1e6, 'f', 3, 64)
	if r.err != "" {
		b = append(b, `,"error":`...)
		b = strconv.AppendQuote(b, r.err)
	}
	if r.sqlstate != "" {
		b = append(b, `,"sqlstate":"`...)
		b = append(b, r.sqlstate...)
		b = append(b, '"')
	}
	if r.server != "" {
		b = append(b, `,"server":"`...)
		b = append(b, r.server...)
		b = append(b, '"')
	}
	return append(b, "}\n"...)
}

// writeFile creates path and writes it with write, checking Close.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
