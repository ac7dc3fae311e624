package logtime

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Layouts of the date and time before the zone: with milliseconds
// (PostgreSQL's %m and jsonlog/csvlog, PgBouncer) and without (%t).
const (
	LayoutMillis  = "2006-01-02 15:04:05.000"
	LayoutSeconds = "2006-01-02 15:04:05"
)

var numericZone = regexp.MustCompile(`^([+-])(\d\d)(?::?(\d\d))?$`)

// Parse parses a log timestamp: datetime in LayoutMillis or
// LayoutSeconds, and zone, the abbreviation the program printed: UTC, GMT
// or Z, a numeric offset (+03, -0530, +05:30, as PostgreSQL prints zones
// without an abbreviation), or one of this machine's local zone's
// abbreviations. Anything else is an error that says so.
func Parse(datetime, zone string) (time.Time, error) {
	layout := LayoutSeconds
	if len(datetime) > len(LayoutSeconds) {
		layout = LayoutMillis
	}
	loc, err := location(zone)
	if err != nil {
		return time.Time{}, err
	}
	if loc == nil {
		// One of this machine's abbreviations: Go places those by the
		// local zone's rules at that date.
		t, err := time.ParseInLocation(layout+" MST", datetime+" "+zone, time.Local)
		if err != nil {
			return time.Time{}, fmt.Errorf("time %q: %w", datetime, err)
		}
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation(layout, datetime, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: want %s", datetime, layout)
	}
	return t.UTC(), nil
}

// location is the zone's fixed location, nil for one of the local zone's
// abbreviations, or an error.
func location(zone string) (*time.Location, error) {
	switch zone {
	case "UTC", "GMT", "Z", "UCT":
		return time.UTC, nil
	}
	if m := numericZone.FindStringSubmatch(zone); m != nil {
		h, _ := strconv.Atoi(m[2])
		mi := 0
		if m[3] != "" {
			mi, _ = strconv.Atoi(m[3])
		}
		off := h*3600 + mi*60
		if m[1] == "-" {
			off = -off
		}
		return time.FixedZone(zone, off), nil
	}
	if localAbbrev(zone) {
		return nil, nil
	}
	return nil, fmt.Errorf("time zone %q: not UTC, a numeric offset or this machine's own zone, so its offset is unknown (log with log_timezone = 'UTC')", zone)
}

// localAbbrev reports whether zone is an abbreviation of the local zone
// (in winter or summer of this year).
func localAbbrev(zone string) bool {
	y := time.Now().Year()
	for _, m := range []time.Month{time.January, time.July} {
		if name, _ := time.Date(y, m, 1, 0, 0, 0, 0, time.Local).Zone(); name == zone {
			return true
		}
	}
	return false
}
