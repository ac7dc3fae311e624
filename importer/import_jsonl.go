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
	rep := newReport()
	srcs, err := digestSources(files, rep)
	if err != nil {
		return nil, fmt.Errorf("import jsonl: %w", err)
	}
	runID := runIDFor("jsonl", srcs)
	existing, err := checkImported(opt.Out, runID, srcs, opt.Replace)
	if err != nil {
		return nil, fmt.Errorf("import jsonl: %w", err)
	}
	var rows []store.Probe
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
			rows = append(rows, p)
			rep.Taken++
			return nil
		})
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("import jsonl: read %s: %w", src.Path, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if opt.Strict && rep.SkippedTotal() > 0 {
		return nil, fmt.Errorf("import jsonl: %w: %v (%s)", ErrStrict, rep.Examples[0], rep)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("import jsonl: no request lines in %s (%s)", strings.Join(rep.Files, ", "), rep)
	}
	iv := finishRows(rows, runID)
	streams := map[string]int64{}
	start, end := rows[0].Intended, rows[0].Intended
	for i := range rows {
		p := &rows[i]
		streams[p.Stream()]++
		start = min(start, p.Intended)
		end = max(end, p.Intended, p.End)
	}
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
	dir, counts, err := writeRun(&opt, info, rows, existing, events)
	if err != nil {
		return nil, fmt.Errorf("import jsonl: %w", err)
	}
	return &Result{RunID: runID, RunDir: dir, Rows: int64(len(rows)), Counts: counts, Report: rep, Replaced: existing != ""}, nil
}
