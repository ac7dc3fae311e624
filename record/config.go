package record

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
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
	// Vantage names where this recorder probes from (run.json's vantage;
	// default: the host name).
	Vantage string
	// SwitchoverID names the switchover this recording watches, the same
	// in every vantage's recording of it (run.json's switchover_id).
	SwitchoverID string

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

// Defaults of Config.
const (
	DefaultInterval       = 100 * time.Millisecond
	DefaultConnectTimeout = 3 * time.Second
	DefaultQueryTimeout   = 3 * time.Second
	DefaultPoolSize       = 4
	MaxInflightCap        = 512
	// VerifyMax bounds the lost-write check at the end of a run: it keeps
	// trying for verifyRetry, each attempt within its own timeout.
	VerifyMax = verifyRetry + 10*time.Second
)

// Defaults fills the zero fields of cfg with their defaults.
func (cfg *Config) Defaults() {
	if cfg.ReadDSN == "" {
		cfg.ReadDSN = cfg.WriteDSN
	}
	if cfg.Interval <= 0 && cfg.Rate > 0 {
		cfg.Interval = time.Duration(float64(time.Second) / cfg.Rate)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = DefaultQueryTimeout
	}
	if len(cfg.Kinds) == 0 {
		cfg.Kinds = []string{store.KindWrite, store.KindRead}
	}
	if len(cfg.Conns) == 0 && len(cfg.Profiles) == 0 {
		cfg.Conns = []string{store.ConnNew}
	}
	if cfg.Table == "" {
		cfg.Table = DefaultTable
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = DefaultPoolSize
	}
	if cfg.MaxInflight <= 0 {
		// Enough slots that a probe is skipped only when every probe in the
		// window hangs for both of its timeouts.
		ct, qt := cfg.ConnectTimeout, cfg.QueryTimeout
		for _, p := range cfg.Profiles {
			ct, qt = max(ct, time.Duration(p.ConnectTimeout)), max(qt, time.Duration(p.QueryTimeout))
		}
		n := int((ct+qt+closeTimeout)/cfg.Interval) + 1
		cfg.MaxInflight = min(n, MaxInflightCap)
	}
	if cfg.StatusEvery <= 0 {
		cfg.StatusEvery = 5 * time.Second
	}
	if cfg.RunID == "" {
		cfg.RunID = NewRunID(time.Now())
	}
}

// NewRunID makes a run id from a time and random bits: sortable, unique,
// and safe in a Hive folder name.
func NewRunID(t time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// checkGrid checks the two ways of giving the grid step before Defaults
// fills one of them in.
func (cfg *Config) checkGrid() error {
	switch {
	case cfg.Interval < 0:
		return fmt.Errorf("--interval must be positive, got %v", cfg.Interval)
	case cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0):
		return fmt.Errorf("--rate must be a positive number of probes per second, got %v", cfg.Rate)
	case cfg.Interval > 0 && cfg.Rate > 0:
		return fmt.Errorf("--interval %v and --rate %v both given: say the grid step one way (--rate N is --interval 1s/N)", cfg.Interval, cfg.Rate)
	case cfg.Rate > 0 && time.Duration(float64(time.Second)/cfg.Rate) < time.Microsecond:
		return fmt.Errorf("--rate %v is more than a million probes per second per stream", cfg.Rate)
	}
	return nil
}

func (cfg *Config) validate() error {
	if cfg.WriteDSN == "" && os.Getenv("PGHOST") == "" && os.Getenv("PGSERVICE") == "" {
		// An empty DSN is legal for libpq (all from PG* variables), so only
		// refuse when nothing at all says where to connect.
		return fmt.Errorf("--write-dsn is empty and neither PGHOST nor PGSERVICE is set: nothing says where to connect")
	}
	if cfg.Out == "" {
		return fmt.Errorf("--out is empty: say where the run folder goes")
	}
	if err := CheckKinds("--probes", cfg.Kinds); err != nil {
		return err
	}
	if _, err := cfg.profiles(); err != nil {
		return err
	}
	if cfg.Duration < 0 {
		return fmt.Errorf("--duration must not be negative")
	}
	switch {
	case cfg.SwitchoverAfter < 0:
		return fmt.Errorf("--switchover-after must not be negative, got %v", cfg.SwitchoverAfter)
	case cfg.SwitchoverAfter > 0 && cfg.Switchover == "":
		return fmt.Errorf("--switchover-after %v without --switchover: no command to run", cfg.SwitchoverAfter)
	case cfg.Switchover != "" && cfg.Duration > 0 && cfg.SwitchoverAfter >= cfg.Duration:
		return fmt.Errorf("--switchover-after %v is not before the end of --duration %v", cfg.SwitchoverAfter, cfg.Duration)
	case cfg.UntilRecovered < 0:
		return fmt.Errorf("--until-recovered must not be negative, got %v", cfg.UntilRecovered)
	}
	return nil
}

// ErrConfig is wrapped by Run's errors for a Config that cannot be right
// whatever the endpoint's state: a bad or conflicting setting, a DSN that
// does not parse. The command line reports these as usage errors (exit 2);
// every other error of Run is the recording's.
var ErrConfig = errors.New("invalid recording settings")

type configError struct{ err error }

func (e configError) Error() string        { return e.err.Error() }
func (e configError) Unwrap() error        { return e.err }
func (e configError) Is(target error) bool { return target == ErrConfig }
