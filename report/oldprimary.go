package report

import (
	"fmt"
	"strings"
)

// writeOldPrimary is report.md's account of writes an old primary
// acknowledged after the new one had taken over: the most dangerous thing
// a switchover can do, so it is said even when it is zero.
func (rep *Report) writeOldPrimary(b *mdWriter) {
	var known, bad []*RunView
	for _, r := range rep.Runs {
		if op := r.Metrics.OldPrimaryWrites; op != nil {
			known = append(known, r)
			if op.Count > 0 {
				bad = append(bad, r)
			}
		}
	}
	b.p("## Writes acknowledged by an old primary\n\n")
	switch {
	case len(known) == 0:
		b.p("No run's successful writes name the server that answered them: whether an old primary kept taking writes is unknown.\n\n")
		return
	case len(bad) == 0:
		b.p("None: in each of %s, once the server that holds the data afterwards had answered a write, no other server acknowledged one.\n\n", Count(int64(len(known)), "run", "runs"))
		return
	}
	b.p("Writes acknowledged by another server after the one that holds the data afterwards (the server on the newest timeline that took writes) had answered a write: an old primary that was not fenced. Unless they were copied over, the lost-write check finds them missing.\n\n")
	b.p("| run | writes | server | timeline | first | last | streams |\n| --- | ---: | --- | ---: | --- | --- | --- |\n")
	for _, r := range bad {
		op := r.Metrics.OldPrimaryWrites
		for _, s := range op.Servers {
			tl := "-"
			if s.Timeline != 0 {
				tl = fmt.Sprint(s.Timeline)
			}
			b.p("| %s | %d | %s | %s | %s | %s | %s |\n", EscapeCell(r.RunID), s.Writes, EscapeCell(s.Server), tl,
				fmtClock(s.First), fmtClock(s.Last), EscapeCell(strings.Join(s.Streams, ", ")))
		}
	}
	b.p("\nThe new primary of each: ")
	for i, r := range bad {
		if i > 0 {
			b.p("; ")
		}
		op := r.Metrics.OldPrimaryWrites
		b.p("%s: %s, answering writes from %s", Escape(r.RunID), Escape(op.Holder), fmtClock(op.HolderSince))
	}
	b.p(".\n\n")
}
