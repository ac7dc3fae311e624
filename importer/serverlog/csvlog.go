package serverlog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// The csvlog columns switchwatch reads (src/backend/utils/error/csvlog.c),
// and the column counts of the PostgreSQL versions that write them: 23
// (12), 24 (13: backend_type), 26 (14 and later: leader_pid, query_id).
const (
	csvTime     = 0
	csvPID      = 3
	csvSeverity = 11
	csvState    = 12
	csvMessage  = 13
)

var csvColumns = map[int]bool{23: true, 24: true, 26: true}

func sniffCSV(_ *Options, head []byte) bool {
	cr := csv.NewReader(bytes.NewReader(head))
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil || !csvColumns[len(rec)] {
		return false
	}
	_, err = parsePGTime(rec[csvTime])
	return err == nil && severities[rec[csvSeverity]]
}

func readCSV(_ *Options, r *reader) error {
	cr := csv.NewReader(r.in)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				r.badLine(pe.StartLine, fmt.Errorf("not a csvlog row: %w", pe.Err))
				if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
					continue
				}
			}
			return err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		if !csvColumns[len(rec)] {
			r.badLine(line, fmt.Errorf("csvlog row of %d columns, want 26 (PostgreSQL 14 and later), 24 (13) or 23 (12): cut off, or not a csvlog", len(rec)))
			continue
		}
		t, err := parsePGTime(rec[csvTime])
		if err != nil {
			r.badLine(line, err)
			continue
		}
		if !severities[rec[csvSeverity]] {
			r.badLine(line, fmt.Errorf("csvlog row with severity %q in column %d", rec[csvSeverity], csvSeverity+1))
			continue
		}
		r.take(entry{line: line, time: t, pid: rec[csvPID], severity: rec[csvSeverity], sqlstate: rec[csvState], message: rec[csvMessage]})
	}
}
