package store

import "testing"

func TestBuildVersion(t *testing.T) {
	rev := "0d7e4cb52b00c3f6c2ba3e0d21184f0541adda26"
	for _, c := range []struct {
		b           Build
		short, long string
	}{
		{Build{Module: "v0.0.0-20261201221924-0d7e4cb52b00+dirty", Revision: rev, Time: "2026-12-01T22:19:24Z", Modified: true},
			"v0.0.0-20261201221924-0d7e4cb52b00+dirty", "v0.0.0-20261201221924-0d7e4cb52b00+dirty (2026-12-01T22:19:24Z)"},
		{Build{Module: "v1.2.0", Revision: rev, Time: "2026-12-01T22:19:24Z"},
			"v1.2.0", "v1.2.0 (revision 0d7e4cb52b00, 2026-12-01T22:19:24Z)"},
		{Build{Revision: rev, Modified: true}, "0d7e4cb52b00+dirty", "0d7e4cb52b00+dirty"},
		{Build{Module: "v1.2.0"}, "v1.2.0", "v1.2.0"},
		{Build{}, "devel", "devel (no VCS stamp: built with -buildvcs=false, outside a git checkout, or in a linked git worktree, which Go does not stamp)"},
	} {
		if got := c.b.String(); got != c.short {
			t.Errorf("%+v.String() = %q, want %q", c.b, got, c.short)
		}
		if got := c.b.Long(); got != c.long {
			t.Errorf("%+v.Long() = %q, want %q", c.b, got, c.long)
		}
	}
}
