package analyze

import (
	"fmt"

	"github.com/switchwatch/switchwatch/record/store"
)

// Optional columns whose absence leaves metrics unknown. A file may lack
// an optional column (store.ProbeReader reads it as NULL), but a NULL
// error_class or server_addr in every row is not "no error class" or
// "no server": read as that, a segment without error_class turned 5.1 s
// read-only into 0 s, and one without the server columns 4 server
// changes into 0.
const (
	absentClass  uint8 = 1 << iota // error_class
	absentServer                   // server_addr or server_start
	absentSeen                     // seen_seq
)

// absentBits is the absentClass/absentServer bits of a file's absent
// columns (store.ProbeReader.Absent).
func absentBits(cols []string) uint8 {
	var b uint8
	for _, c := range cols {
		switch c {
		case store.ColErrorClass:
			b |= absentClass
		case store.ColServerAddr, store.ColServerStart:
			b |= absentServer
		case store.ColSeenSeq:
			b |= absentSeen
		}
	}
	return b
}

// noteAbsent records that the file at path, which fed r, lacks the
// columns of bits.
func (r *runRows) noteAbsent(bits uint8, path string) {
	for i, b := range [...]uint8{absentClass, absentServer, absentSeen} {
		if bits&b != 0 && r.absentFile[i] == "" {
			r.absentFile[i] = path
		}
	}
	r.absent |= bits
}

// markUnknown makes the metrics that rest on the columns r's files lacked
// unknown (JSON null, "unknown" in text, missing from the statistics), in
// the run's metrics and in each of its profiles' (whose streams come from
// the same files), and says so in the run's warnings, naming the file and
// what the analysis cannot tell.
func markUnknown(run *RunResult, r *runRows) {
	markUnknownMetrics(&run.Metrics, r.absent)
	for i := range run.Profiles {
		markUnknownMetrics(&run.Profiles[i].Metrics, r.absent)
	}
	if r.absent&absentClass != 0 {
		run.Warnings = append(run.Warnings, fmt.Sprintf("%s has no %s column: failures cannot be told apart (read-only from unavailable from other errors), so read_only_time, unavailable_time, error_time and the failures by class are unknown",
			r.absentFile[0], store.ColErrorClass))
	}
	if r.absent&absentServer != 0 {
		run.Warnings = append(run.Warnings, fmt.Sprintf("%s has no %s or %s column: which server answered is unknown, so the server and timeline changes and the writes of an old primary are unknown",
			r.absentFile[1], store.ColServerAddr, store.ColServerStart))
	}
	if r.absent&absentSeen != 0 {
		run.Warnings = append(run.Warnings, fmt.Sprintf("%s has no %s column: which writes the reads saw is unknown, so the readers' staleness is unknown",
			r.absentFile[2], store.ColSeenSeq))
	}
}

// markUnknownMetrics makes the metrics of m that rest on the absent
// columns unknown and names them, with why, in m.Unknown.
func markUnknownMetrics(m *Metrics, absent uint8) {
	if absent&absentClass != 0 {
		for _, d := range []*Duration{&m.ReadOnlyTime, &m.UnavailableTime, &m.ErrorTime} {
			*d = Duration{Unknown: true}
		}
		m.FailedByClass = nil
		m.MarkUnknown(store.ColErrorClass+" is absent", "read_only_time", "unavailable_time", "error_time", "failed_by_class")
	}
	if absent&absentServer != 0 {
		m.ServerChanges, m.ServerChangeCount, m.ServerChange, m.EventToServerChange = nil, nil, nil, nil
		m.TimelineChanges, m.TimelineChange, m.EventToTimelineChange = nil, nil, nil
		m.OldPrimaryWrites = nil
		m.MarkUnknown(store.ColServerAddr+" and "+store.ColServerStart+" are absent", "server_change_count", "event_to_server_change", "timeline_change", "event_to_timeline_change", "old_primary_writes")
	}
	if absent&absentSeen != 0 {
		m.Staleness = nil
		m.MarkUnknown(store.ColSeenSeq+" is absent", "staleness_max")
	}
}
