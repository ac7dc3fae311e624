package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/otelapp"
	"github.com/switchwatch/switchwatch/lab"
)

// tracesFlags are lab run's flags of the instrumented application:
// --traces and the --traces-* settings.
type tracesFlags struct {
	on      bool
	cfg     otelapp.Config
	timeout time.Duration
	quiet   quietFlag
}

func (tf *tracesFlags) register(fs *flagSet) {
	fs.BoolVar(&tf.on, "traces", false, "also run an instrumented application (services checkout, pooled writes, and reports, new-connection reads) "+
		"against the write endpoint and store its OpenTelemetry traces in RUN/"+lab.TracesFile+" (the Collector file exporter's JSON lines) "+
		"and its settings and quiet windows in RUN/"+lab.AppFile)
	fs.IntVar(&tf.cfg.Checkout, "traces-checkout", otelapp.DefaultCheckout, "with --traces: closed-loop clients of service checkout")
	fs.IntVar(&tf.cfg.Reports, "traces-reports", otelapp.DefaultReports, "with --traces: closed-loop clients of service reports")
	fs.DurationVar(&tf.cfg.Think, "traces-think", otelapp.DefaultThink, "with --traces: mean think time between a client's requests within a burst")
	fs.DurationVar(&tf.cfg.Lull, "traces-lull", otelapp.DefaultLull, "with --traces: mean pause between bursts")
	fs.DurationVar(&tf.timeout, "traces-timeout", otelapp.DefaultQueryTimeout, "with --traces: the application's connect timeout and request timeout")
	fs.Var(&tf.quiet, "traces-quiet", "with --traces: send nothing for FOR from AFTER after the lead-in's start, repeatable (e.g. 20s+3s)")
}

// apply sets opts.App with --traces, and refuses --traces-* without it.
func (tf *tracesFlags) apply(fs *flagSet, opts *lab.RunOptions) error {
	if !tf.on {
		for _, name := range []string{"traces-checkout", "traces-reports", "traces-think", "traces-lull", "traces-timeout", "traces-quiet"} {
			if fs.Changed(name) {
				return fs.usagef("--%s needs --traces", name)
			}
		}
		return nil
	}
	if tf.cfg.Checkout < 0 || tf.cfg.Reports < 0 || tf.cfg.Checkout+tf.cfg.Reports == 0 {
		return fs.usagef("--traces-checkout %d, --traces-reports %d: want one client or more", tf.cfg.Checkout, tf.cfg.Reports)
	}
	if tf.timeout <= 0 || tf.cfg.Think <= 0 || tf.cfg.Lull <= 0 {
		return fs.usagef("--traces-timeout, --traces-think and --traces-lull must be positive")
	}
	cfg := tf.cfg
	cfg.ConnectTimeout, cfg.QueryTimeout = tf.timeout, tf.timeout
	cfg.Quiet = tf.quiet
	opts.App = &cfg
	return nil
}

// quietFlag is a repeated --traces-quiet AFTER+FOR.
type quietFlag []otelapp.Quiet

func (q *quietFlag) String() string { return "" }
func (q *quietFlag) Type() string   { return "AFTER+FOR" }

func (q *quietFlag) Set(v string) error {
	a, f, ok := strings.Cut(v, "+")
	if !ok {
		return fmt.Errorf("want AFTER+FOR (e.g. 20s+3s), got %q", v)
	}
	after, err := time.ParseDuration(strings.TrimSpace(a))
	if err != nil || after < 0 {
		return fmt.Errorf("AFTER of %q: want a duration of 0 or more", v)
	}
	d, err := time.ParseDuration(strings.TrimSpace(f))
	if err != nil || d <= 0 {
		return fmt.Errorf("FOR of %q: want a positive duration", v)
	}
	*q = append(*q, otelapp.Quiet{After: after, For: d})
	return nil
}
