package serverlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/internal/regular"
	"github.com/switchwatch/switchwatch/record/store"
)

// Options say how to read logs. Zero values take the defaults.
type Options struct {
	// Node names the server or pooler that wrote the logs (the node
	// attribute of every event); empty: from the file's name (see the
	// package comment).
	Node string
	// Prefix is PostgreSQL's log_line_prefix for stderr logs, as in
	// postgresql.conf without the quotes; empty: detected.
	Prefix string
	// Now is the time a log line may not be over a day after (default
	// time.Now): later is a wrong clock or a corrupt line.
	Now func() time.Time
}

// ErrNotLog is wrapped by ReadEvents' error for a file in none of the log
// formats.
var ErrNotLog = errors.New("not a PostgreSQL or PgBouncer log")

// A format is one log format: how to tell it from a file's first bytes and
// how to read a file of it.
type format struct {
	name  string
	sniff func(o *Options, head []byte) bool
	read  func(o *Options, r *reader) error
}

// formats in the order they are asked.
var formats = []format{
	{"PostgreSQL jsonlog", sniffJSON, readJSON},
	{"PostgreSQL csvlog", sniffCSV, readCSV},
	{"PgBouncer log", sniffBouncer, readBouncer},
	{"PostgreSQL stderr log (with a log_line_prefix that starts with %m or %t, or the one --log-prefix gives)", sniffStderr, readStderr},
}

// Check reports an error in the options (a log_line_prefix it cannot
// read), so a command can refuse its flags before reading anything.
func (o Options) Check() error {
	if o.Prefix == "" {
		return nil
	}
	_, err := compilePrefix(o.Prefix)
	return err
}

// Register makes store.ReadEvents read PostgreSQL's and PgBouncer's logs
// with these options, for the rest of the process (a second call replaces
// the options).
func Register(o Options) error {
	if err := o.Check(); err != nil {
		return err
	}
	for _, f := range formats {
		f := f
		store.RegisterEventsFormat(store.EventsFormat{
			Name:  f.name,
			Sniff: func(head []byte) bool { return f.sniff(&o, head) },
			Read:  func(path string) ([]store.Event, []*store.LineError, error) { return readAs(&o, f, path) },
		})
	}
	return nil
}

// ReadEvents reads the events of one log file, its format told by its
// content: the events, sorted by time, and the lines that could not be
// read. The error is for a file that cannot be read or is in no log
// format.
func ReadEvents(path string, o Options) ([]store.Event, []*store.LineError, error) {
	if err := o.Check(); err != nil {
		return nil, nil, err
	}
	f, err := regular.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open log: %w", err)
	}
	head, err := io.ReadAll(io.LimitReader(f, store.SniffLen))
	f.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	var names []string
	for _, fm := range formats {
		if fm.sniff(&o, head) {
			return readAs(&o, fm, path)
		}
		names = append(names, fm.name)
	}
	return nil, nil, fmt.Errorf("%s: %w: its first line is in none of the formats %s", path, ErrNotLog, strings.Join(names, "; "))
}

// readAs reads the file at path in format f.
func readAs(o *Options, f format, path string) ([]store.Event, []*store.LineError, error) {
	file, err := regular.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open log: %w", err)
	}
	defer file.Close()
	r := newReader(o, path, file, f)
	if err := f.read(o, r); err != nil {
		return r.finish(), r.bad, fmt.Errorf("read %s (%s): %w", path, f.name, err)
	}
	return r.finish(), r.bad, nil
}

// reader collects the events of one file.
type reader struct {
	path, node, source string
	in                 io.Reader
	now                time.Time
	events             []store.Event
	counted            map[countKey]*store.Event
	bad                []*store.LineError
}

type countKey struct {
	name string
	sec  int64
}

func newReader(o *Options, path string, in io.Reader, f format) *reader {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	source := event.SourcePostgreSQL
	if f.name == "PgBouncer log" {
		source = event.SourcePgBouncer
	}
	node := o.Node
	if node == "" {
		node = NodeFromPath(path)
	}
	return &reader{path: path, node: node, source: source, in: in, now: now(), counted: map[countKey]*store.Event{}}
}

// badLine counts a line that could not be read.
func (r *reader) badLine(line int, err error) {
	r.bad = append(r.bad, &store.LineError{File: r.path, Line: line, Err: err})
}

// earliest is the first time a log line may have.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// checkTime returns an error for a time no log line of a switchover can
// have: before 2000 (a zero or epoch time) or over a day after now.
func (r *reader) checkTime(t time.Time) error {
	if t.Before(earliest) || t.After(r.now.Add(24*time.Hour)) {
		return fmt.Errorf("time %s is implausible (before 2000, or more than a day after this machine's clock): a wrong clock or a damaged line",
			t.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// add appends an instant event named name at t with the given attributes
// (pairs) besides node and pid.
func (r *reader) add(t time.Time, name, pid, msg string, attrs ...string) {
	e := store.Event{Time: t.UTC(), Name: name, Source: r.source, Message: msg, Attrs: r.attrs(pid, attrs...)}
	r.events = append(r.events, e)
}

func (r *reader) attrs(pid string, pairs ...string) map[string]string {
	a := map[string]string{"node": r.node}
	if pid != "" {
		a["pid"] = pid
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			a[pairs[i]] = pairs[i+1]
		}
	}
	return a
}

// count adds one line to the event named name of t's second: the first
// line of a second makes the event (its message that line's), later ones
// raise its count and move its End.
func (r *reader) count(t time.Time, name, sqlstate, msg string) {
	t = t.UTC()
	k := countKey{name, t.Unix()}
	e := r.counted[k]
	if e == nil {
		r.counted[k] = &store.Event{Time: t, Name: name, Source: r.source, Message: msg,
			Attrs: r.attrs("", "sqlstate", sqlstate, "count", "1")}
		return
	}
	n, _ := strconv.Atoi(e.Attrs["count"])
	e.Attrs["count"] = strconv.Itoa(n + 1)
	switch {
	case t.Before(e.Time):
		end := e.Time
		if e.End != nil {
			end = *e.End
		}
		e.Time, e.End = t, &end
	case e.End == nil && t.After(e.Time), e.End != nil && t.After(*e.End):
		end := t
		e.End = &end
	}
}

// finish returns the events, the counted ones among them, by time.
func (r *reader) finish() []store.Event {
	out := r.events
	for _, e := range r.counted {
		out = append(out, *e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// genericName is a file or folder name that names no server: the default
// log file names and the folders logs sit in.
var genericName = regexp.MustCompile(`^(?i:postgresql|postgres|server|stderr|log|logs|pg_log|data|pgdata)([-_.].*)?$`)

// NodeFromPath names the server or pooler that wrote the log at path: the
// file's name without its extensions (blue.json: blue), or, when that is
// generic (postgresql-2026-12-06_140000.json, server.log, stderr.log),
// the nearest folder above whose name is not (blue/data/log/...: blue);
// the file's name when every one is.
func NodeFromPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	base := filepath.Base(abs)
	stem, _, _ := strings.Cut(base, ".")
	if stem != "" && !genericName.MatchString(base) {
		return stem
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		name := filepath.Base(dir)
		if name == "/" || name == "." || dir == filepath.Dir(dir) {
			break
		}
		if !genericName.MatchString(name) {
			return name
		}
	}
	if stem == "" {
		return base
	}
	return stem
}

// firstLine returns head's first line that is not blank (and, with
// skipIndented, does not start with white space).
func firstLine(head []byte, skipIndented bool) string {
	for len(head) > 0 {
		line, rest, _ := bytes.Cut(head, []byte("\n"))
		head = rest
		s := strings.TrimRight(string(line), "\r")
		if strings.TrimSpace(s) == "" || skipIndented && (s[0] == ' ' || s[0] == '\t') {
			continue
		}
		return s
	}
	return ""
}
