package store

import (
	"fmt"
	"os"
	"time"
)

// Recovered says what Recover did to one run folder.
type Recovered struct {
	Segments int // journals turned into segments
	Rows     int // rows they held
	BadLines int // journal lines that could not be parsed (usually one cut by the crash)
	// Closed is set when run.json had no end and Recover closed it.
	Closed bool
}

// Recover turns the journals of a run folder into Parquet segments, removes
// journals whose segment was already written, and marks a run.json that has
// no end as interrupted, with its end set to the last probe's end. It is
// safe to run on a folder that needs nothing, and idempotent.
//
// Recover refuses (ErrRunActive) a run that a live Writer holds.
func Recover(dir string) (Recovered, error) {
	lock, err := lockRun(dir)
	if err != nil {
		return Recovered{}, err
	}
	defer unlockRun(lock)
	return recoverLocked(dir)
}

func recoverLocked(dir string) (Recovered, error) {
	var rec Recovered
	files, err := ListRunFiles(dir)
	if err != nil {
		return rec, err
	}
	for _, j := range files.Superseded {
		if err := os.Remove(j); err != nil {
			return rec, fmt.Errorf("remove journal of closed segment: %w", err)
		}
	}
	var lastEnd int64
	for _, j := range files.Journals {
		n := segmentNumber(j)
		rows, bad, err := ReadJournal(j)
		if err != nil {
			return rec, err
		}
		rec.BadLines += len(bad)
		if len(rows) > 0 {
			if err := writeSegment(dir, n, rows); err != nil {
				return rec, fmt.Errorf("recover %s: %w", j, err)
			}
			rec.Segments++
			rec.Rows += len(rows)
			for i := range rows {
				lastEnd = max(lastEnd, rows[i].End, rows[i].Intended)
			}
		}
		if err := os.Remove(j); err != nil {
			return rec, fmt.Errorf("remove recovered journal: %w", err)
		}
	}
	if len(files.Journals)+len(files.Superseded) == 0 {
		return rec, nil
	}
	// A journal existed, so the run either crashed or is being reopened.
	info, err := ReadRunInfo(dir)
	if err != nil || info.End != nil {
		return rec, nil // nothing to close, or nothing we can close
	}
	if lastEnd == 0 {
		lastEnd = info.Start.UnixNano()
	}
	end := time.Unix(0, lastEnd).UTC()
	info.End = &end
	info.Interrupted = true
	if err := WriteRunInfo(dir, info); err != nil {
		return rec, err
	}
	rec.Closed = true
	return rec, nil
}
