package synth

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// Scenario names of Scenario.
var Scenarios = []string{"aurora_bluegreen", "multiaz_failover", "patroni_switchover", "restart", "flapping"}

// Scenario makes a run of a named kind of switchover with realistic,
// randomly varied phase lengths around the run's middle. healthy is the
// healthy time before and after the switchover.
func Scenario(name string, rng *rand.Rand, healthy time.Duration) []Phase {
	jit := func(mean time.Duration) time.Duration {
		return time.Duration(float64(mean) * (0.7 + 0.6*rng.Float64()))
	}
	h := Phase{State: Healthy, Duration: healthy}
	switch name {
	case "aurora_bluegreen":
		return []Phase{h,
			{State: Unavailable, Duration: jit(4 * time.Second), Class: store.ClassConnectTimeout},
			{State: ReadOnly, Duration: jit(6 * time.Second)},
			{State: Healthy, Duration: healthy, Server: 1}}
	case "multiaz_failover":
		return []Phase{h,
			{State: Unavailable, Duration: jit(25 * time.Second), Class: store.ClassConnectTimeout},
			{State: Unavailable, Duration: jit(2 * time.Second), Class: store.ClassRefused},
			{State: Healthy, Duration: healthy, Server: 1}}
	case "patroni_switchover":
		return []Phase{h,
			{State: Unavailable, Duration: jit(time.Second), Class: store.ClassShutdown},
			{State: ReadOnly, Duration: jit(2 * time.Second)},
			{State: Unavailable, Duration: jit(time.Second), Class: store.ClassRefused},
			{State: Healthy, Duration: healthy, Server: 1}}
	case "restart":
		return []Phase{h,
			{State: Unavailable, Duration: jit(3 * time.Second), Class: store.ClassRefused},
			{State: Healthy, Duration: healthy, Server: 2}}
	case "flapping":
		ps := []Phase{h}
		for i := 0; i < 3; i++ {
			ps = append(ps, Phase{State: Unavailable, Duration: jit(time.Second), Class: store.ClassReset},
				Phase{State: Healthy, Duration: jit(2 * time.Second), Server: 1})
		}
		ps[len(ps)-1].Duration = healthy
		return ps
	}
	panic(fmt.Sprintf("synth: unknown scenario %q", name))
}

// Dataset describes many runs.
type Dataset struct {
	// Rows is the total number of probe rows wanted (approximately: whole
	// runs are made, RowsPerRun each).
	Rows       int64
	RowsPerRun int64 // default 500,000
	Interval   time.Duration
	Kinds      []string // default write, read, connect
	Conns      []string // default new, pooled
	Seed       uint64
	// Strategies are label values of "strategy", assigned round-robin.
	Strategies []string
	Output     WriteOptions
	// Workers write runs at once (default GOMAXPROCS).
	Workers int
}

// Runs returns the runs of the dataset, without generating their rows.
func (d *Dataset) Runs() []*Run {
	if d.RowsPerRun <= 0 {
		d.RowsPerRun = 500_000
	}
	if d.Interval <= 0 {
		d.Interval = 10 * time.Millisecond
	}
	if len(d.Kinds) == 0 {
		d.Kinds = []string{store.KindWrite, store.KindRead, store.KindConnect}
	}
	if len(d.Conns) == 0 {
		d.Conns = []string{store.ConnNew, store.ConnPooled}
	}
	if len(d.Strategies) == 0 {
		d.Strategies = []string{"default", "tuned"}
	}
	n := int((d.Rows + d.RowsPerRun - 1) / d.RowsPerRun)
	streams := int64(len(d.Kinds) * len(d.Conns))
	rng := rand.New(rand.NewPCG(d.Seed, 42))
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	runs := make([]*Run, n)
	for i := range runs {
		sc := Scenarios[i%len(Scenarios)]
		total := time.Duration(d.RowsPerRun/streams) * d.Interval
		phases := Scenario(sc, rng, time.Second)
		var fault time.Duration
		for _, p := range phases[1 : len(phases)-1] {
			fault += p.Duration
		}
		healthy := max((total-fault)/2, time.Second)
		phases[0].Duration = healthy
		phases[len(phases)-1].Duration = total - fault - healthy
		runs[i] = &Run{
			ID:       fmt.Sprintf("%s-%05d", sc, i),
			Labels:   map[string]string{"scenario": sc, "strategy": d.Strategies[i%len(d.Strategies)]},
			Start:    start.Add(time.Duration(i) * 2 * time.Hour),
			Interval: d.Interval,
			Kinds:    d.Kinds,
			Conns:    d.Conns,
			Stagger:  true,
			Phases:   phases,
			Seed:     d.Seed + uint64(i),
			Verify:   true,
		}
		if sc == "aurora_bluegreen" {
			runs[i].DNSChangeAt = healthy + fault/2
		}
	}
	return runs
}

// Write writes every run of the dataset under out, several at once.
func (d *Dataset) Write(out string) error {
	runs := d.Runs()
	workers := d.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan *Run)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				if _, _, err := r.Write(out, d.Output); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("write run %s: %w", r.ID, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, r := range runs {
		next <- r
	}
	close(next)
	wg.Wait()
	return first
}
