package importer

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/lines"
	"github.com/switchwatch/switchwatch/record/store"
)

// ImportJSONL converts request logs in the JSON lines format (see
// jsonlLine) into one run folder in opt.Out. Lines of all files are one
// run, ordered by intended start.
func ImportJSONL(ctx context.Context, files []string, opt Options) (*Result, error) {
	st, rep, srcs, existing, err := startImport("jsonl", files, &opt)
	if err != nil {
		return nil, err
	}
	defer st.close()
	runID := st.runID
	sorter := &spillSorter[jsonlRec]{group: (*jsonlRec).stream, at: func(r *jsonlRec) int64 { return r.intended },
		size: sizeJSONLRec, enc: encJSONLRec, dec: decJSONLRec, dir: st.spillDir, maxBytes: spillBytes}
	paths := make([]string, len(srcs))
	for i, src := range srcs {
		paths[i] = src.Path
	}
	// Lines are parsed on all cores; take sees them in input order, so
	// the report, the examples and the order of ties are as if read one
	// by one.
	var seen int64
	taken := make([]int64, len(srcs)) // by file, for checkEveryFileUsed
	fails := newFailureCounts(len(srcs))
	err = parseFiles(paths, fileOpener(srcs), parseJSONLIn, func(fi int, l *lineIn, res *jsonlParsed) error {
		if seen++; seen%(1<<16) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if res.reason != "" {
			le := rep.skip(res.reason, paths[fi], l.line, res.err)
			if res.failure {
				fails.skip(fi, le)
			}
			return nil
		}
		rep.Taken++
		taken[fi]++
		if recOutcomes[res.rec.outcome] != store.OutcomeOK {
			fails.taken[fi]++
		}
		return sorter.add(res.rec)
	})
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, fmt.Errorf("import jsonl: %w", err)
	}
	if err := opt.refuseSkipped(rep); err != nil {
		return nil, fmt.Errorf("import jsonl: %w", err)
	}
	if rep.Taken == 0 {
		return nil, fmt.Errorf("import jsonl: no request lines in %s (%s)", strings.Join(rep.Files, ", "), rep)
	}
	if err := checkEveryFileUsed(paths, taken, "request", rep); err != nil {
		return nil, fmt.Errorf("import jsonl: %w", err)
	}
	if err := fails.check(paths, opt.MaxSkippedFailures); err != nil {
		return nil, fmt.Errorf("import jsonl: %w", err)
	}
	w := &streamWriter{sink: rowSink{write: st.write}, runID: runID, streams: map[string]int64{}}
	var row store.Probe // one, used again: by address, a row per line would escape to the heap
	err = sorter.each(func(r *jsonlRec) error {
		row = r.probe()
		return w.writeStream(&row, r.stream())
	})
	if err != nil {
		return nil, fmt.Errorf("import jsonl: %w", err)
	}
	iv := w.interval()
	streams := w.streams
	start, end := st.start, st.end
	labels := map[string]string{}
	for k, v := range opt.Labels {
		labels[k] = v
	}
	info := &store.RunInfo{
		RunID: runID, Tool: "switchwatch import jsonl", ToolVersion: store.Version(), Labels: labels,
		Settings: map[string]any{
			"format":   "jsonl",
			"sources":  srcs,
			"lines":    map[string]any{"taken": rep.Taken, "skipped": rep.Skipped},
			"streams":  streams,
			"interval": intervalSetting(iv),
			"schedule": "irregular",
		},
		Start: time.Unix(0, start).UTC(), End: stamp(end),
	}
	if len(opt.Events) > 0 {
		info.Settings["event_files"] = opt.Events
	}
	events, err := readRunEvents(&opt, rep, start, end)
	if err != nil {
		return nil, fmt.Errorf("import jsonl: %w", err)
	}
	dir, err := st.finish(info, existing, events)
	if err != nil {
		return nil, fmt.Errorf("import jsonl: %w", err)
	}
	return &Result{RunID: runID, RunDir: dir, Rows: st.rows, Counts: st.counts, Report: rep, Replaced: existing != ""}, nil
}

// jsonlParsed is what became of one line: a record, or a reason to skip it.
type jsonlParsed struct {
	rec    jsonlRec
	reason string
	err    error
	// failure: the line, skipped for reason, says a failure (saysFailure)
	failure bool
}

// parseJSONLIn parses one line for ImportJSONL (on any goroutine).
func parseJSONLIn(l *lineIn) jsonlParsed {
	switch {
	case l.tooLong:
		return jsonlParsed{reason: ReasonNotJSONL, err: lines.ErrTooLong}
	case len(bytes.TrimSpace(l.text)) == 0:
		return jsonlParsed{reason: ReasonBlank}
	}
	p, err := parseJSONLLine(l.text)
	if err != nil {
		reason := ReasonNotJSONL
		if !l.terminated {
			reason = ReasonTruncated
		}
		return jsonlParsed{reason: reason, err: err, failure: saysFailure(l.text)}
	}
	rec, err := newJSONLRec(&p)
	if err != nil {
		return jsonlParsed{reason: ReasonNotJSONL, err: err, failure: p.Outcome != store.OutcomeOK}
	}
	return jsonlParsed{rec: rec}
}
