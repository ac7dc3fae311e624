package logtime

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	want := time.Date(2026, 12, 6, 14, 0, 1, 234e6, time.UTC)
	for _, c := range []struct {
		dt, zone string
		want     time.Time
		err      string
	}{
		{"2026-12-06 14:00:01.234", "UTC", want, ""},
		{"2026-12-06 14:00:01.234", "GMT", want, ""},
		{"2026-12-06 17:00:01.234", "+03", want, ""},
		{"2026-12-06 08:30:01.234", "-0530", want, ""},
		{"2026-12-06 19:30:01.234", "+05:30", want, ""},
		{"2026-12-06 14:00:01", "UTC", want.Truncate(time.Second), ""},
		{"2026-12-06 14:00:01.234", "CST", time.Time{}, `time zone "CST"`},
		{"2026-12-06T14:00:01.234", "UTC", time.Time{}, "want"},
	} {
		got, err := Parse(c.dt, c.zone)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Parse(%q, %q) = %v, %v; want error %q", c.dt, c.zone, got, err, c.err)
			}
			continue
		}
		if err != nil || !got.Equal(c.want) {
			t.Errorf("Parse(%q, %q) = %v, %v; want %v", c.dt, c.zone, got, err, c.want)
		}
	}
}
