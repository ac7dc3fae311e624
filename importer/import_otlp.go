package importer

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/switchwatch/switchwatch/record/store"
)

// OTLPOptions are the settings of an OTLP import.
type OTLPOptions struct {
	Options
	// Kinds maps an operation (upper case, as otlpOperation names it:
	// SELECT, CALL, COPY FROM, CONNECT, ...) to the kind (write, read or
	// connect) of its rows, over DefaultOTLPKinds.
	Kinds map[string]string
}

// OTLPResult is what an OTLP import wrote and read.
type OTLPResult struct {
	*Result
	// Lines are the lines (protobuf messages) read, Spans the spans in
	// them; Report.Taken counts the rows.
	Lines, Spans int64
}

// Summary is the one-line summary of an OTLP import: "read 120 spans in
// 4 lines of 1 files, took 100 rows, skipped 20: 15 not a database span
// (first at a.json:1:3), 5 other database (first at a.json:2:1)". The
// place named for a reason is its first occurrence: file:line for a line,
// file:line:span for a span.
func (r *OTLPResult) Summary() string { return otlpSummary(r.Report, r.Lines, r.Spans) }

func otlpSummary(rep *Report, lines, spans int64) string {
	s := fmt.Sprintf("read %d spans in %d lines of %d files", spans, lines, len(rep.Files))
	if len(rep.DuplicateFiles) > 0 {
		s += fmt.Sprintf(" (%d duplicate files ignored: %s)", len(rep.DuplicateFiles), strings.Join(rep.DuplicateFiles, ", "))
	}
	s += fmt.Sprintf(", took %d rows", rep.Taken)
	total := rep.SkippedTotal()
	if total == 0 {
		return s + ", skipped 0"
	}
	firstAt := func(reason string) string {
		for _, e := range rep.Examples {
			if strings.HasPrefix(e.Err.Error(), reason+":") || e.Err.Error() == reason {
				return fmt.Sprintf(" (first at %s:%d)", e.File, e.Line)
			}
		}
		return ""
	}
	return fmt.Sprintf("%s, skipped %d: %s", s, total, FormatCounts(rep.Skipped, firstAt))
}

// ImportOTLP converts OTLP trace files (see readOTLPFile) into one run
// folder in opt.Out: a row for every PostgreSQL client span, see the
// package documentation.
func ImportOTLP(ctx context.Context, files []string, opt OTLPOptions) (*OTLPResult, error) {
	for op, k := range opt.Kinds {
		if k != store.KindWrite && k != store.KindRead && k != store.KindConnect {
			return nil, fmt.Errorf("import otlp: kind %q for %s: want write, read or connect", k, op)
		}
	}
	st, rep, srcs, existing, err := startImport("otlp", files, &opt.Options)
	if err != nil {
		return nil, err
	}
	defer st.close()
	note := opt.note(rep)
	byID := &spillSorter[otlpSpan]{group: otlpIDGroup, at: otlpIDAt, size: sizeOTLPSpan, enc: encOTLPSpan, dec: decOTLPSpan,
		dir: st.spillDir, maxBytes: spillBytes}
	res := &OTLPResult{}
	// profiles counts the spans of each stream identity (service, server,
	// pool), and dbs the databases each named: few, whatever the input.
	profiles := map[profileKey]int64{}
	dbs := map[profileKey]map[string]bool{}
	formats := map[string]string{}
	var ord int64
	// noServer counts the spans that name no server, withPeer those
	// whose row has the address of the server that answered.
	var noServer, withPeer int64
	for _, src := range srcs {
		var fileSpans, fileRows int64
		before := maps.Clone(rep.Skipped)
		skipLine := func(reason string, line int, err error) { rep.skip(reason, src.Path, line, err) }
		format, lines, err := readOTLPFile(src.Path, func(line int, tr ptrace.Traces) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := 0
			for i := 0; i < tr.ResourceSpans().Len(); i++ {
				rs := tr.ResourceSpans().At(i)
				for j := 0; j < rs.ScopeSpans().Len(); j++ {
					spans := rs.ScopeSpans().At(j).Spans()
					for k := 0; k < spans.Len(); k++ {
						n++
						res.Spans++
						fileSpans++
						sp := spans.At(k)
						// A span's place is file:line:span; a LineError
						// holds it as File "file:line" and Line span.
						where := fmt.Sprintf("%s:%d", src.Path, line)
						s, err := otlpSpanRow(rs.Resource().Attributes(), sp, opt.Kinds)
						if err != nil {
							var se *skipError
							if !errors.As(err, &se) {
								return err
							}
							rep.skip(se.reason, where, n, se.detail)
							continue
						}
						ord++
						fileRows++
						s.Ord, s.Loc = ord, fmt.Sprintf("%s:%d", where, n)
						if id := sp.TraceID(); !id.IsEmpty() {
							s.Trace = hex.EncodeToString(id[:])
						}
						if id := sp.SpanID(); !id.IsEmpty() {
							s.Span = hex.EncodeToString(id[:])
						}
						switch {
						case s.Row.ServerAddr == "":
							noServer++
						case s.Peer:
							withPeer++
						}
						key := s.profileKey()
						profiles[key]++
						if s.DB != "" {
							if dbs[key] == nil {
								dbs[key] = map[string]bool{}
							}
							if len(dbs[key]) < maxProfileDBs {
								dbs[key][s.DB] = true
							}
						}
						if err := byID.add(*s); err != nil {
							return err
						}
					}
				}
			}
			if n == 0 {
				skipLine(ReasonNoSpans, line, errNoSpans)
			}
			return nil
		}, skipLine)
		res.Lines += int64(lines)
		if err != nil {
			return nil, fmt.Errorf("import otlp: %w", err)
		}
		formats[src.Path] = string(format)
		if fileSpans == 0 {
			return nil, fmt.Errorf("import otlp: %s: no OTLP span in its %d lines (%s)", src.Path, lines, skippedSince(before, rep.Skipped))
		}
		if fileRows == 0 {
			note(fmt.Sprintf("%s: none of its %d spans is a PostgreSQL client call (%s)", src.Path, fileSpans, skippedSince(before, rep.Skipped)))
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	names := otlpProfileNames(profiles)
	if noServer > 0 {
		note(fmt.Sprintf("%d PostgreSQL spans name no server (server.address, network.peer.address or the names before them): their rows have no server_addr, and their profile is their service's", noServer))
	}
	if withPeer == 0 && ord > noServer {
		note("no PostgreSQL span records network.peer.address (or net.sock.peer.addr): server_addr is the address the clients dialled, so the rows cannot show which server answered")
	}

	// Spans read twice (a Collector retrying an export, files that
	// overlap) are counted once: sorted by trace and span id, copies lie
	// side by side.
	byStream := &spillSorter[otlpSpan]{group: otlpStreamGroup, at: otlpStreamAt, size: sizeOTLPSpan, enc: encOTLPSpan, dec: decOTLPSpan,
		dir: st.spillDir, maxBytes: spillBytes}
	var prev otlpSpan
	havePrev := false
	taken := map[profileKey]int64{}
	conflicts := 0
	err = byID.each(func(s *otlpSpan) error {
		if havePrev && s.Trace != "" && s.Span != "" && s.Trace == prev.Trace && s.Span == prev.Span {
			file, line, span := splitLoc(s.Loc)
			if sameOTLPRow(s, &prev) {
				rep.skip(ReasonDuplicate, fmt.Sprintf("%s:%d", file, line), span, fmt.Errorf("trace %s span %s was read at %s", s.Trace, s.Span, prev.Loc))
				return nil
			}
			rep.skip(ReasonConflict, fmt.Sprintf("%s:%d", file, line), span, fmt.Errorf("trace %s span %s was read at %s with another row", s.Trace, s.Span, prev.Loc))
			conflicts++
			if conflicts <= maxExamples {
				note(fmt.Sprintf("%s: span %s of trace %s was read at %s as %s, here as %s: the first is kept",
					s.Loc, s.Span, s.Trace, prev.Loc, describeOTLPRow(&prev), describeOTLPRow(s)))
			}
			return nil
		}
		prev, havePrev = *s, true
		rep.Taken++
		c := *s
		c.Row.Profile = names[c.profileKey()]
		taken[c.profileKey()]++
		return byStream.add(c)
	})
	if err != nil {
		return nil, fmt.Errorf("import otlp: %w", err)
	}
	if conflicts > maxExamples {
		note(fmt.Sprintf("... and %d more conflicting duplicate spans", conflicts-maxExamples))
	}
	if err := opt.refuseSkipped(rep); err != nil {
		return nil, fmt.Errorf("import otlp: %w", err)
	}
	if rep.Taken == 0 {
		return nil, fmt.Errorf("import otlp: no PostgreSQL client span in %s (%s)", strings.Join(rep.Files, ", "), otlpSummary(rep, res.Lines, res.Spans))
	}
	runID := st.runID
	w := &streamWriter{sink: rowSink{write: st.write}, runID: runID, streams: map[string]int64{}}
	err = byStream.each(func(s *otlpSpan) error { return w.write(&s.Row) })
	if err != nil {
		return nil, fmt.Errorf("import otlp: %w", err)
	}
	labels := map[string]string{}
	for k, v := range opt.Labels {
		labels[k] = v
	}
	kinds := map[string]string{}
	for k, v := range opt.Kinds {
		kinds[k] = v
	}
	info := &store.RunInfo{
		RunID: runID, Tool: "switchwatch import otlp", ToolVersion: store.Version(), Labels: labels,
		Settings: map[string]any{
			"format":   "otlp",
			"sources":  srcs,
			"formats":  formats,
			"lines":    map[string]any{"read": res.Lines},
			"spans":    map[string]any{"read": res.Spans, "taken": rep.Taken},
			"skipped":  rep.Skipped,
			"streams":  w.streams,
			"interval": intervalSetting(w.interval()),
			"schedule": "irregular",
			"profiles": otlpProfileSetting(names, taken, dbs),
		},
		Start: time.Unix(0, st.start).UTC(), End: stamp(st.end),
	}
	if len(kinds) > 0 {
		info.Settings["kind_overrides"] = kinds
	}
	if len(opt.Events) > 0 {
		info.Settings["event_files"] = opt.Events
	}
	events, err := readRunEvents(&opt.Options, rep, st.start, st.end)
	if err != nil {
		return nil, fmt.Errorf("import otlp: %w", err)
	}
	dir, err := st.finish(info, existing, events)
	if err != nil {
		return nil, fmt.Errorf("import otlp: %w", err)
	}
	res.Result = &Result{RunID: runID, RunDir: dir, Rows: st.rows, Counts: st.counts, Report: rep, Replaced: existing != ""}
	return res, nil
}

// maxProfileDBs bounds the database names run.json lists per profile.
const maxProfileDBs = 10

// skippedSince says the skips counted since before, "none skipped" for none.
func skippedSince(before, now map[string]int64) string {
	d := map[string]int64{}
	for k, v := range now {
		if v -= before[k]; v > 0 {
			d[k] = v
		}
	}
	if len(d) == 0 {
		return "none skipped"
	}
	return "skipped " + FormatCounts(d, nil)
}

// splitLoc splits "file:line:span" (file may hold ':').
func splitLoc(loc string) (file string, line, span int) {
	i := strings.LastIndexByte(loc, ':')
	j := strings.LastIndexByte(loc[:i], ':')
	fmt.Sscan(loc[i+1:], &span)
	fmt.Sscan(loc[j+1:i], &line)
	return loc[:j], line, span
}

// sameOTLPRow reports whether two spans make the same row in the same
// stream: then the second is a plain copy.
func sameOTLPRow(a, b *otlpSpan) bool {
	return a.Row == b.Row && a.Op == b.Op && a.profileKey() == b.profileKey() && a.DB == b.DB
}

// describeOTLPRow says what a span became, for the note on a conflict.
func describeOTLPRow(s *otlpSpan) string {
	p := &s.Row
	d := fmt.Sprintf("%s %s %s", s.Op, p.Outcome, time.Duration(p.LatencyNS))
	if p.ErrorClass != "" {
		d += " " + p.ErrorClass
	}
	return fmt.Sprintf("%q", d)
}

// The two orders of an OTLP import, each a group (in string order), a
// time within it, then the order the spans were read in: by trace, then
// span id, so that copies of a span lie side by side; and by stream, then
// intended start, the order rows are written in.
func otlpIDGroup(s *otlpSpan) string { return s.Trace }

func otlpIDAt(s *otlpSpan) int64 {
	id, _ := strconv.ParseUint(s.Span, 16, 64)
	return int64(id)
}

func otlpStreamGroup(s *otlpSpan) string { return s.Row.Stream() }

func otlpStreamAt(s *otlpSpan) int64 { return s.Row.Intended }

func sizeOTLPSpan(s *otlpSpan) int {
	return 400 + len(s.Loc) + len(s.Service) + len(s.Server) + len(s.Pool) + len(s.DB) + len(s.Row.Error) + len(s.Row.ServerAddr)
}

// A spilled span is its JSON, preceded by its length.
func encOTLPSpan(w *bufio.Writer, s *otlpSpan) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	var n [binary.MaxVarintLen64]byte
	if _, err := w.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))]); err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func decOTLPSpan(r *bufio.Reader, s *otlpSpan) error {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return err // io.EOF at the end of a run
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return fmt.Errorf("a cut record: %w", err)
	}
	*s = otlpSpan{}
	return json.Unmarshal(b, s)
}

// otlpProfileNames names the profile of every stream identity: its
// service, server and pool, lower-cased, other characters than letters,
// digits, '_' and '-' made '-', joined by '-' and cut to fit
// store.MaxProfileName; a name taken by an earlier identity (in sorted
// order) gets "-2", "-3", ... So the names are the same for the same
// input, and run.json's "profiles" says which identity each stands for.
func otlpProfileNames(profiles map[profileKey]int64) map[profileKey]string {
	keys := slices.SortedFunc(maps.Keys(profiles), func(a, b profileKey) int {
		return cmp.Or(strings.Compare(a.Service, b.Service), strings.Compare(a.Server, b.Server), strings.Compare(a.Pool, b.Pool))
	})
	names := map[profileKey]string{}
	used := map[string]bool{}
	for _, k := range keys {
		parts := []string{profilePart(k.Service, 24)}
		if k.Server != "" {
			parts = append(parts, profilePart(k.Server, 20))
		}
		if k.Pool != "" {
			parts = append(parts, profilePart(k.Pool, 10))
		}
		base := strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), "-")
		base = strings.Trim(base[:min(len(base), store.MaxProfileName-4)], "-_")
		if base == "" || !(base[0] >= 'a' && base[0] <= 'z' || base[0] >= '0' && base[0] <= '9') {
			base = "p" + base
		}
		name := base
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		used[name] = true
		names[k] = name
	}
	return names
}

// profilePart is s made fit for a profile name, at most n bytes.
func profilePart(s string, n int) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= n {
			break
		}
	}
	return strings.Trim(b.String(), "-_")
}

// otlpProfileSetting is run.json's "profiles", a list as the recorder
// writes it (each with its "name", in order of name, which the analyzer
// reads): for each profile, the service, server and pool it stands for,
// the rows taken (spans, each copy counted once) and the databases they
// named.
func otlpProfileSetting(names map[profileKey]string, counts map[profileKey]int64, dbs map[profileKey]map[string]bool) []map[string]any {
	var out []map[string]any
	for k, name := range names {
		m := map[string]any{"name": name, "service": k.Service, "rows": counts[k]}
		if k.Server != "" {
			m["server"] = k.Server
		}
		if k.Pool != "" {
			m["pool"] = k.Pool
		}
		if len(dbs[k]) > 0 {
			m["databases"] = slices.Sorted(maps.Keys(dbs[k]))
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(a["name"].(string), b["name"].(string)) })
	return out
}
