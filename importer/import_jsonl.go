package importer

import (
	"context"
	"fmt"
	"os"
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
	sorter := &spillSorter[jsonlRec]{cmp: cmpJSONLRec, size: sizeJSONLRec, enc: encJSONLRec, dec: decJSONLRec,
		dir: st.spillDir, maxBytes: spillBytes}
	var ord int64
	for _, src := range srcs {
		f, err := os.Open(src.Path)
		if err != nil {
			return nil, fmt.Errorf("import jsonl: open %s: %w", src.Path, err)
		}
		err = lines.Scan(f, func(line int, text string, terminated, tooLong bool) error {
			switch {
			case tooLong:
				rep.skip(ReasonNotJSONL, src.Path, line, lines.ErrTooLong)
				return nil
			case strings.TrimSpace(text) == "":
				rep.skip(ReasonBlank, src.Path, line, nil)
				return nil
			}
			p, err := parseJSONLLine([]byte(text))
			if err != nil {
				reason := ReasonNotJSONL
				if !terminated {
					reason = ReasonTruncated
				}
				rep.skip(reason, src.Path, line, err)
				return nil
			}
			rep.Taken++
			ord++
			return sorter.add(jsonlRec{stream: p.Stream(), intended: p.Intended, ord: ord, text: []byte(text)})
		})
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("import jsonl: read %s: %w", src.Path, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if err := opt.refuseSkipped(rep); err != nil {
		return nil, fmt.Errorf("import jsonl: %w", err)
	}
	if rep.Taken == 0 {
		return nil, fmt.Errorf("import jsonl: no request lines in %s (%s)", strings.Join(rep.Files, ", "), rep)
	}
	w := &streamWriter{sink: rowSink{write: st.write}, runID: runID, streams: map[string]int64{}}
	err = sorter.each(func(r *jsonlRec) error {
		p, err := parseJSONLLine(r.text)
		if err != nil {
			return fmt.Errorf("a line taken before does not parse again: %w", err)
		}
		return w.write(&p)
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
