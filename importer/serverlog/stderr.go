package serverlog

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/lines"
)

// severityTail is what follows log_line_prefix on every stderr line: the
// severity, a colon, two spaces and the message (elog.c).
const severityTail = `(DEBUG[1-5]?|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT|CONTEXT|STATEMENT|QUERY|LOCATION):  (.*)$`

// detected is a line whose log_line_prefix starts with %m or %t: the
// timestamp, the rest of the prefix (anything), then severityTail.
var detected = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})? \S+) (.*?)` + severityTail)

// detectedPID is the pid in a detected prefix's rest when it comes first
// in brackets, as in '%m [%p] '.
var detectedPID = regexp.MustCompile(`^\[(\d+)\]`)

// A prefix is a log_line_prefix compiled into a pattern of whole lines.
type prefix struct {
	raw string
	re  *regexp.Regexp
	// group of each escape whose value is read (m, t, n, p, e); 0: absent.
	group map[byte]int
}

// escapes are the log_line_prefix escapes (PostgreSQL 15, "What to
// Log"), each with the pattern of what it prints; nil: anything.
var escapes = map[byte]*string{
	'a': nil, 'u': nil, 'd': nil, 'r': nil, 'h': nil, 'b': nil, 'i': nil,
	'p': ptr(`\d+`), 'P': ptr(`\d*`), 'l': ptr(`\d+`), 'x': ptr(`\d+`), 'Q': ptr(`-?\d+`),
	'c': ptr(`[0-9a-f]+\.[0-9a-f]+`), 'v': ptr(`\S*`), 'e': ptr(`[0-9A-Z]{5}`),
	'm': ptr(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+`),
	't': ptr(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+`),
	's': ptr(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+`),
	'n': ptr(`\d+\.\d{3}`),
}

func ptr(s string) *string { return &s }

// compilePrefix reads a log_line_prefix as postgresql.conf holds it
// (without its quotes).
func compilePrefix(raw string) (*prefix, error) {
	p := &prefix{raw: raw, group: map[byte]int{}}
	var b strings.Builder
	b.WriteString("^")
	groups, optional := 0, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '%' {
			b.WriteString(regexp.QuoteMeta(string(c)))
			continue
		}
		i++
		// Padding: %-10a, %10p.
		j := i
		for j < len(raw) && (raw[j] == '-' || raw[j] >= '0' && raw[j] <= '9') {
			j++
		}
		padded := j > i
		i = j
		if i >= len(raw) {
			return nil, fmt.Errorf("log_line_prefix %q ends in a lone %%", raw)
		}
		c = raw[i]
		switch c {
		case '%':
			b.WriteString("%")
			continue
		case 'q':
			// Processes without a session stop here.
			if !optional {
				b.WriteString("(?:")
				optional = true
			}
			continue
		}
		pat, ok := escapes[c]
		if !ok {
			return nil, fmt.Errorf("log_line_prefix %q: unknown escape %%%c (PostgreSQL 15 knows %%a %%u %%d %%r %%h %%b %%p %%P %%t %%m %%n %%i %%e %%c %%l %%s %%v %%x %%q %%Q %%%%)", raw, c)
		}
		expr := ".*?"
		if pat != nil {
			expr = *pat
		}
		if padded {
			expr = ` *` + expr + ` *`
		}
		groups++
		if _, seen := p.group[c]; !seen {
			p.group[c] = groups
		}
		b.WriteString("(" + expr + ")")
	}
	if optional {
		b.WriteString(")?")
	}
	if p.group['m'] == 0 && p.group['t'] == 0 && p.group['n'] == 0 {
		return nil, fmt.Errorf("log_line_prefix %q has no timestamp (%%m, %%t or %%n): its lines cannot be placed in time", raw)
	}
	re, err := regexp.Compile(b.String() + severityTail)
	if err != nil {
		return nil, fmt.Errorf("log_line_prefix %q: %w", raw, err)
	}
	p.re = re
	return p, nil
}

// parse reads one line; ok is false for a line not of this prefix.
func (p *prefix) parse(s string) (e entry, ok bool, err error) {
	m := p.re.FindStringSubmatch(s)
	if m == nil {
		return entry{}, false, nil
	}
	n := len(m)
	get := func(c byte) string {
		if g := p.group[c]; g > 0 {
			return strings.TrimSpace(m[g])
		}
		return ""
	}
	e = entry{severity: m[n-2], message: m[n-1], pid: get('p'), sqlstate: get('e')}
	switch {
	case get('m') != "":
		e.time, err = parsePGTime(get('m'))
	case get('t') != "":
		e.time, err = parsePGTime(get('t'))
	case get('n') != "":
		var f float64
		if f, err = strconv.ParseFloat(get('n'), 64); err == nil {
			e.time = time.UnixMilli(int64(f * 1000)).UTC()
		}
	default:
		err = errors.New("no timestamp on this line (a process without a session stops the prefix at %q, and the timestamp comes after it)")
	}
	return e, true, err
}

func sniffStderr(o *Options, head []byte) bool {
	line := firstLine(head, true)
	if o.Prefix != "" {
		p, err := compilePrefix(o.Prefix)
		return err == nil && p.re.MatchString(line)
	}
	return detected.MatchString(line)
}

func readStderr(o *Options, r *reader) error {
	var p *prefix
	if o.Prefix != "" {
		var err error
		if p, err = compilePrefix(o.Prefix); err != nil {
			return err
		}
	}
	return lines.Scan(r.in, func(line int, text string, terminated, tooLong bool) error {
		if tooLong {
			r.badLine(line, lines.ErrTooLong)
			return nil
		}
		text = strings.TrimRight(text, "\r")
		if strings.TrimSpace(text) == "" || text[0] == '\t' {
			return nil // a message's continuation lines start with a tab
		}
		var e entry
		if p != nil {
			var ok bool
			var err error
			if e, ok, err = p.parse(text); !ok {
				r.badLine(line, cutOff(fmt.Errorf("not a line of log_line_prefix %q", p.raw), terminated))
				return nil
			} else if err != nil {
				r.badLine(line, err)
				return nil
			}
		} else {
			m := detected.FindStringSubmatch(text)
			if m == nil {
				r.badLine(line, cutOff(errors.New("not a PostgreSQL stderr log line: no timestamp (%m or %t) first, or no \"LOG:  \" (ERROR, FATAL, ...) after it; give --log-prefix for a prefix that does not start with the timestamp"), terminated))
				return nil
			}
			t, err := parsePGTime(m[1])
			if err != nil {
				r.badLine(line, err)
				return nil
			}
			e = entry{time: t, severity: m[3], message: m[4]}
			if pm := detectedPID.FindStringSubmatch(m[2]); pm != nil {
				e.pid = pm[1]
			}
		}
		e.line = line
		r.take(e)
		return nil
	})
}
