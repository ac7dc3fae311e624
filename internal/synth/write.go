package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// WriteOptions choose how a run is written.
type WriteOptions struct {
	// SegmentRows is the number of rows per Parquet segment (default
	// 100,000, the recorder's default).
	SegmentRows int
	// UseWriter writes through store.CreateRun and its Writer (journal and
	// all), exactly as the recorder does; slower. Otherwise the segments are
	// written directly with store.WriteProbesFile.
	UseWriter bool
	// NoEvents leaves events.jsonl out.
	NoEvents bool
}

// Info is the run.json of a run.
func (r *Run) Info() *store.RunInfo {
	r.defaults()
	end := r.Start.Add(r.Duration())
	settings := map[string]any{
		"interval": r.Interval.String(),
		"kinds":    r.Kinds,
		"conns":    r.Conns,
		"timeout":  r.Timeout.String(),
	}
	if r.NoInterval {
		delete(settings, "interval")
	}
	return &store.RunInfo{
		SchemaVersion: store.SchemaVersion,
		RunID:         r.ID,
		Tool:          "switchwatch synth",
		ToolVersion:   store.Version(),
		Host:          "synth",
		Vantage:       r.Vantage,
		SwitchoverID:  r.SwitchoverID,
		Labels:        r.Labels,
		Settings:      settings,
		Start:         r.Start,
		End:           &end,
	}
}

// Write generates the run and writes it as out/run=<id>/. It returns the
// run folder and the ground truth.
func (r *Run) Write(out string, opt WriteOptions) (string, Truth, error) {
	rows, truth := r.Probes()
	dir, err := r.WriteRows(out, rows, truth, opt)
	return dir, truth, err
}

// WriteRows writes the given rows (possibly altered by a test: shuffled,
// duplicated, cut) as the run's folder, with its run.json, events.jsonl and
// verify.json. Rows are written in the order given, SegmentRows a file.
func (r *Run) WriteRows(out string, rows []store.Probe, truth Truth, opt WriteOptions) (string, error) {
	r.defaults()
	if opt.SegmentRows <= 0 {
		opt.SegmentRows = 100_000
	}
	dir := filepath.Join(out, store.RunDirName(r.ID))
	info := r.Info()
	if opt.UseWriter {
		w, err := store.CreateRun(out, info, store.WriterOptions{SegmentRows: opt.SegmentRows, SegmentEvery: time.Hour})
		if err != nil {
			return "", err
		}
		for i := range rows {
			if err := w.Write(&rows[i]); err != nil {
				w.Close()
				return "", err
			}
		}
		if err := w.Close(); err != nil {
			return "", err
		}
	} else {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("create run folder: %w", err)
		}
		if err := store.WriteRunInfo(dir, info); err != nil {
			return "", err
		}
		for n, i := 1, 0; i < len(rows); n, i = n+1, i+opt.SegmentRows {
			seg := rows[i:min(i+opt.SegmentRows, len(rows))]
			if err := store.WriteProbesFile(filepath.Join(dir, SegmentName(n)), seg); err != nil {
				return "", err
			}
		}
	}
	if !opt.NoEvents && len(truth.Events) > 0 {
		log, err := store.CreateEventLog(filepath.Join(dir, store.EventsFile))
		if err != nil {
			return "", err
		}
		for _, e := range truth.Events {
			if err := log.Log(e); err != nil {
				log.Close()
				return "", err
			}
		}
		if err := log.Close(); err != nil {
			return "", err
		}
	}
	if r.Verify || len(r.Lost) > 0 || len(r.CommittedFailed) > 0 {
		if err := store.WriteVerify(dir, r.verify(rows)); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// SegmentName is the file name of segment n (store.SegmentName).
func SegmentName(n int) string { return store.SegmentName(n) }

func (r *Run) verify(rows []store.Probe) *store.Verify {
	v := &store.Verify{RunID: r.ID, CheckedAt: r.Start.Add(r.Duration() + time.Second), Endpoint: "postgres://switchwatch@db/postgres",
		LostSeqs: append([]int64{}, r.Lost...), CommittedFailedSeqs: append([]int64{}, r.CommittedFailed...)}
	sort.Slice(v.LostSeqs, func(i, j int) bool { return v.LostSeqs[i] < v.LostSeqs[j] })
	lost := map[int64]bool{}
	for _, s := range r.Lost {
		lost[s] = true
	}
	committed := map[int64]bool{}
	for _, s := range r.CommittedFailed {
		committed[s] = true
	}
	first := ""
	for i := range rows {
		p := &rows[i]
		if p.Kind != store.KindWrite {
			continue
		}
		if first == "" {
			first = p.Stream()
		}
		if p.Stream() != first || p.Outcome == store.OutcomeSkipped {
			continue
		}
		switch {
		case p.Outcome == store.OutcomeOK && lost[p.Seq]:
			v.AcknowledgedMissing++
		case p.Outcome == store.OutcomeOK:
			v.AcknowledgedPresent++
		case committed[p.Seq]:
			v.FailedPresent++
		default:
			v.FailedAbsent++
		}
	}
	return v
}

// ServerTimes gives every ok probe of rows a server_time, as a server
// whose clock is behind the recorder's by skew would answer: the midpoint
// of the statement's round trip (from connect_done where the probe made
// a connection, else from start, as the analyzer takes it) less skew.
func ServerTimes(rows []store.Probe, skew time.Duration) {
	for i := range rows {
		p := &rows[i]
		if p.Outcome != store.OutcomeOK {
			continue
		}
		from := p.Start
		if p.ConnectDone != 0 {
			from = p.ConnectDone
		}
		p.ServerTime = from + (p.End-from)/2 - int64(skew)
	}
}
