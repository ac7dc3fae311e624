// Package pgbenchgen writes synthetic pgbench per-transaction logs (and
// JSON lines request logs) for tests and measurements: any size, with
// outages, hung transactions and misstamped lines where a test wants them.
// Nothing it writes is committed; tests write into temporary folders.
package pgbenchgen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// Log describes one pgbench thread's log under --rate.
type Log struct {
	Start    time.Time
	Duration time.Duration
	Rate     float64       // scheduled transactions per second of this thread
	Latency  time.Duration // of every transaction, plus up to 50 % jitter
	Clients  int           // client ids 0..Clients-1 (default 1)
	// Outages are stretches (from Start) in which no transaction is logged.
	Outages [][2]time.Duration
	// Hangs are transactions that end at the given offset after taking
	// the given latency (a hung connection).
	Hangs [][2]time.Duration
	// Shift moves the time stamp of line number N (from 1) by the value.
	Shift map[int]time.Duration
	Seed  uint64
}

// Write writes the log: one line per transaction, in time order of
// completion as pgbench does, "client tx time script epoch us lag". It
// returns the number of lines.
func (l Log) Write(w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	rng := rand.New(rand.NewPCG(l.Seed, 1))
	clients := max(l.Clients, 1)
	type tx struct{ end, lat, lag int64 }
	var out []tx // a small window, flushed in order of end
	n := 0
	line := 0
	emit := func(t tx) error {
		line++
		end := t.end + int64(l.Shift[line])
		us := end / 1000
		_, err := fmt.Fprintf(bw, "%d %d %d 0 %d %d %d\n", line%clients, line, t.lat/1000, us/1_000_000, us%1_000_000, t.lag/1000)
		return err
	}
	hangs := l.Hangs
	start := l.Start.UnixNano()
	for at := 0.0; at < l.Duration.Seconds(); at += rng.ExpFloat64() / l.Rate {
		off := time.Duration(at * 1e9)
		down := false
		for _, o := range l.Outages {
			down = down || off >= o[0] && off < o[1]
		}
		for len(hangs) > 0 && time.Duration(at*1e9) >= hangs[0][0] {
			h := hangs[0]
			hangs = hangs[1:]
			out = append(out, tx{end: start + int64(h[0]), lat: int64(h[1])})
		}
		if down {
			continue
		}
		lag := int64(rng.Float64() * 200e3)
		lat := int64(l.Latency) + int64(rng.Float64()*0.5*float64(l.Latency)) + lag
		out = append(out, tx{end: start + int64(off) + lat, lat: lat, lag: lag})
		// flush what surely ends before anything to come
		for len(out) > 0 {
			k := 0
			for i := range out {
				if out[i].end < out[k].end {
					k = i
				}
			}
			if out[k].end > start+int64(off) {
				break
			}
			if err := emit(out[k]); err != nil {
				return n, err
			}
			n++
			out = append(out[:k], out[k+1:]...)
		}
	}
	for len(out) > 0 {
		k := 0
		for i := range out {
			if out[i].end < out[k].end {
				k = i
			}
		}
		if err := emit(out[k]); err != nil {
			return n, err
		}
		n++
		out = append(out[:k], out[k+1:]...)
	}
	return n, bw.Flush()
}

// JSONL writes n request lines, one every step from start, alternating
// write and read requests, all ok but for an error every 1000th.
func JSONL(w io.Writer, start time.Time, step time.Duration, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	for i := range n {
		t := start.Add(time.Duration(i) * step).UTC().Format(time.RFC3339Nano)
		op := "write"
		if i%2 == 1 {
			op = "read"
		}
		var err error
		if i%1000 == 999 {
			_, err = fmt.Fprintf(bw, `{"time":%q,"op":%q,"outcome":"error","latency_ms":3.2,"error":"connection refused"}`+"\n", t, op)
		} else {
			_, err = fmt.Fprintf(bw, `{"time":%q,"op":%q,"outcome":"ok","latency_ms":1.8}`+"\n", t, op)
		}
		if err != nil {
			return err
		}
	}
	return bw.Flush()
}

// OutageLogs writes the outage fixture the importer's and the command's
// tests share: two pgbench threads' logs under --rate (25 transactions/s
// each, 2 ms latency) over 60 s from 2026-05-04 10:00 UTC, with a 3 s
// outage from 30 s on, each changed by change (nil: none), into dir as
// pgbench names them (pgbench_log.42, pgbench_log.42.1). It returns their
// paths.
func OutageLogs(dir string, change func(thread int, l *Log)) ([]string, error) {
	var files []string
	for i := range 2 {
		l := Log{
			Start: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC), Duration: time.Minute, Rate: 25,
			Latency: 2 * time.Millisecond, Outages: [][2]time.Duration{{30 * time.Second, 33 * time.Second}}, Seed: uint64(i + 1),
		}
		if change != nil {
			change(i, &l)
		}
		p := filepath.Join(dir, "pgbench_log.42")
		if i > 0 {
			p += fmt.Sprintf(".%d", i)
		}
		f, err := os.Create(p)
		if err != nil {
			return nil, err
		}
		_, err = l.Write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		files = append(files, p)
	}
	return files, nil
}
