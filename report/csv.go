package report

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/switchwatch/switchwatch/analyze/result"
)

// WriteCSV writes the metrics of every run, one row per run, for a
// spreadsheet, DuckDB (read_csv) or pandas: run_id, path and group, a
// column per --by label (label_KEY), then a column per metric named with
// its unit, a time in seconds (write_downtime_s) followed by its
// resolution (write_downtime_resolution_s), a count as it is
// (failed_probes_count). A metric a run does not have is an empty cell.
// Cells from the data are quoted as RFC 4180 wants; a spreadsheet may
// still read a cell starting with "=" as a formula.
func WriteCSV(w io.Writer, s *result.Summary) error {
	metrics := result.MetricNames()
	units := make([]string, len(metrics))
	head := []string{"run_id", "path", "group"}
	for _, k := range s.By {
		if k != result.ByPath {
			head = append(head, "label_"+k)
		}
	}
	for i, m := range metrics {
		info, _ := result.MetricNamed(m)
		units[i] = info.Unit
		if info.Unit == result.UnitNS {
			head = append(head, m+"_s", m+"_resolution_s")
		} else {
			head = append(head, m+"_count")
		}
	}
	group := map[string]string{}
	for _, g := range s.Groups {
		for _, id := range g.Runs {
			if _, ok := group[id]; !ok {
				group[id] = g.Key
			}
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(head); err != nil {
		return err
	}
	for i := range s.Runs {
		r := &s.Runs[i]
		row := []string{r.RunID, r.Path, group[r.RunID]}
		for _, k := range s.By {
			if k != result.ByPath {
				row = append(row, r.Labels[k])
			}
		}
		for mi, m := range metrics {
			v, res, ok := result.RunMetric(r, m)
			switch {
			case units[mi] != result.UnitNS && ok:
				row = append(row, strconv.FormatFloat(v, 'f', -1, 64))
			case units[mi] != result.UnitNS:
				row = append(row, "")
			case ok:
				row = append(row, seconds(v), seconds(float64(res)))
			default:
				row = append(row, "", "")
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// seconds is nanoseconds as exact decimal seconds, "9.05", "0.000001".
func seconds(ns float64) string {
	s := strconv.FormatFloat(ns/1e9, 'f', 9, 64)
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}
