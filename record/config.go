package record

import (
	"io"
	"time"
)

// Config is what a recording needs. The zero value of a field takes the
// default documented beside it (see Defaults).
type Config struct {
	WriteDSN string // libpq URI or keyword/value string; PG* variables and ~/.pgpass fill the gaps
	ReadDSN  string // default: WriteDSN

	Interval       time.Duration // probe grid step per stream (default 100ms, or 1s/Rate)
	Rate           float64       // probes per second per stream: the alternative to Interval (not both)
	Duration       time.Duration // 0: until the context is cancelled
	ConnectTimeout time.Duration // default 3s
	QueryTimeout   time.Duration // default 3s

	Out   string // output folder; the run goes to Out/run=<RunID>/
	RunID string // default: generated from the start time and random bits
	// NewRunID says RunID was made by NewRunID, so the probe table need not
	// be searched for earlier rows of it; a RunID given without it is (see
	// ErrRunIDInTable).
	NewRunID bool
	Labels   map[string]string // written to run.json

	Kinds []string // probe kinds: write, read, connect (default write, read)
	Conns []string // built-in profiles, named like their connection modes: new, pooled (default new, unless Profiles are given)
	// Profiles are client profiles of the user's (see Profile), recorded
	// after the built-in ones of Conns, each kind in each profile on its
	// own grid. The first profile is the baseline of comparisons.
	Profiles []Profile

	Table       string // probe table (default switchwatch_probe)
	MaxInflight int    // per stream (default: enough that probes are skipped only if every probe hangs past both timeouts, capped at 512)
	PoolSize    int    // connections per pooled stream (default 4)
	NoVerify    bool   // skip the lost-write check at the end
	// DNSServer (HOST:PORT), when set, is the DNS server every connection
	// (probes, setup, the lost-write check) resolves the endpoints' host
	// names with, asked directly and without a cache; default: the system
	// resolver.
	DNSServer string
	// SkipVerify, when closed, skips the lost-write check at the end or
	// stops it if it is running (a second Ctrl-C). Nil: never.
	SkipVerify <-chan struct{}

	// Status receives the live status display (nil: none). StatusTTY redraws
	// in place; otherwise a plain line per stream every StatusEvery.
	Status      io.Writer
	StatusTTY   bool
	StatusEvery time.Duration // default 5s

	// Switchover, when set, is a command the recorder runs through the
	// shell (sh -c, in its own process group, stdin /dev/null)
	// SwitchoverAfter into the recording; its start, end, exit status and
	// every line of its output become events of the run (events.jsonl,
	// Source record). Ctrl-C, or the end of the recording, while it runs
	// kills its process group.
	Switchover      string
	SwitchoverAfter time.Duration
	// UntilRecovered, when set, ends the recording once the Switchover
	// command (if any) has ended and every stream has then been healthy
	// (ok or slow) for this long, counted from the end of the outage if
	// there was one; without a command, only after an outage. Duration
	// stays the upper bound.
	UntilRecovered time.Duration

	// MetricsAddr, when set, serves Prometheus metrics of the recording
	// on http://MetricsAddr/metrics while it runs.
	MetricsAddr string
	// MetricsLinger keeps the metrics served this long after the
	// recording (and its lost-write check) ended, with
	// switchwatch_run_active at 0, so that the last scrape sees the end.
	MetricsLinger time.Duration

	// OnSegment is called with each closed segment's path (see
	// store.WriterOptions.OnSegment): --out s3:// uploads it from there.
	OnSegment func(path string)
	// SegmentEvery closes a segment this often (store.WriterOptions'
	// default when 0): with --out s3:// how far the bucket lags.
	SegmentEvery time.Duration
}
