package importer

import (
	"slices"
	"sort"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// finishRows readies rows for the run: it sorts them by stream and
// intended start, moves a row whose intended start equals the previous
// row's of its stream 1 ns later (so a stream's times strictly increase, as
// the recorder's do), sets RunID and numbers Seq per stream from 0. It
// returns the interval to record in run.json, see importInterval.
func finishRows(rows []store.Probe, runID string) int64 {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		if a.Stream() != b.Stream() {
			return a.Stream() < b.Stream()
		}
		return a.Intended < b.Intended
	})
	var iv int64
	for lo := 0; lo < len(rows); {
		hi := lo + 1
		for hi < len(rows) && rows[hi].Stream() == rows[lo].Stream() {
			hi++
		}
		s := rows[lo:hi]
		for i := range s {
			s[i].RunID = runID
			s[i].Seq = int64(i)
			if i > 0 && s[i].Intended <= s[i-1].Intended {
				nudge(&s[i], s[i-1].Intended)
			}
		}
		iv = max(iv, importInterval(s))
		lo = hi
	}
	return iv
}

// nudge moves p, scheduled at or before last, to 1 ns after last.
func nudge(p *store.Probe, last int64) {
	p.Intended = last + 1
	if p.Start != 0 {
		p.Start = max(p.Start, p.Intended)
		if p.End != 0 && p.End < p.Start {
			// a zero-latency row moved by a nanosecond
			p.End = p.Start
			p.LatencyNS = 0
		}
	}
}

// importInterval is the probe interval an imported stream is analyzed
// with: the larger of the median step between consecutive intended starts
// and a third of the longest step. The recorder's probes sit on a grid and
// the analyzer reads a step of more than three intervals as a step of the
// clock (and shifts later rows back by it); imported rows do not sit on a
// grid, and with this interval no pause in them is taken for a clock step.
// The price is resolution: a stream with long pauses is analyzed at a
// coarse interval, which the analyzer states beside every duration.
func importInterval(rows []store.Probe) int64 {
	if len(rows) < 2 {
		return 0
	}
	steps := make([]int64, 0, len(rows)-1)
	for i := 1; i < len(rows); i++ {
		steps = append(steps, rows[i].Intended-rows[i-1].Intended)
	}
	slices.Sort(steps)
	median, longest := steps[len(steps)/2], steps[len(steps)-1]
	return max(median, (longest+2)/3, 1)
}

// intervalSetting is the run.json "interval" setting (a Go duration) the
// analyzer reads.
func intervalSetting(iv int64) string {
	if iv <= 0 {
		iv = int64(time.Second)
	}
	return time.Duration(iv).String()
}
