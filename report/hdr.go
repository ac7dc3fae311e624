package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/switchwatch/switchwatch/analyze/result"
)

// HDRFileName is the name of a stream's interval log: the stream's name
// (kind/profile/endpoint) with '/' made '-', ".hlog".
func HDRFileName(stream string) string {
	return strings.ReplaceAll(stream, "/", "-") + ".hlog"
}

// WriteHDRLog writes one stream's latency as an HdrHistogram interval log
// (format version 1.3, as wrk2, Gatling and HdrHistogram's own
// HistogramLogAnalyzer and plotter read it): one interval per phase of
// the run, from the phase's start to its end, tagged with the phase's
// number and state ("phase2-read_only"); values are nanoseconds, so
// Interval_Max reads in milliseconds. The base time is the run's start. A
// phase in which the stream had no successful probe is a comment line
// (parsers skip comments) rather than an empty interval, whose maximum the
// library would make up.
func WriteHDRLog(w io.Writer, run *result.RunResult, sl *result.StreamLatency) error {
	lw := hdrhistogram.NewHistogramLogWriter(w)
	base := run.Start.UnixMilli()
	lw.SetBaseTime(base)
	if err := lw.OutputLogFormatVersion(); err != nil {
		return err
	}
	// Comments are data-free: the stream's name is a switchwatch name,
	// the run id is checked by store; neither may break a line anyway.
	if err := lw.OutputComment(fmt.Sprintf("[switchwatch run %s, stream %s, latency of successful probes in ns by phase]", oneLine(run.RunID), oneLine(sl.Stream))); err != nil {
		return err
	}
	if err := lw.OutputStartTime(base); err != nil {
		return err
	}
	if err := lw.OutputBaseTime(base); err != nil {
		return err
	}
	if err := lw.OutputLegend(); err != nil {
		return err
	}
	for _, p := range sl.Phases {
		h := p.Hist
		tag := fmt.Sprintf("phase%d-%s", p.Phase, p.State)
		if h.TotalCount() == 0 {
			// An empty interval would log a made-up maximum (the
			// library's smallest bucket); say the phase instead.
			if err := lw.OutputComment(fmt.Sprintf("[%s: no successful probe from %.3f s for %.3f s]", tag,
				float64(p.Start.UnixMilli()-base)/1000, p.End.Sub(p.Start).Seconds())); err != nil {
				return err
			}
			continue
		}
		h.SetStartTimeMs(p.Start.UnixMilli())
		h.SetEndTimeMs(p.End.UnixMilli())
		h.SetTag(tag)
		if err := lw.OutputIntervalHistogram(h); err != nil {
			return fmt.Errorf("write the interval of phase %d: %w", p.Phase, err)
		}
	}
	return nil
}

// oneLine keeps a name on one line of a log.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
