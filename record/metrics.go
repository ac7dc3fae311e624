package record

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/switchwatch/switchwatch/record/store"
)

// metrics exposes the recording to Prometheus while it runs, in the style
// of blackbox_exporter: every label value a counter can take is created at
// start, so a class that never happened reads 0 rather than absent, and
// rate() over a switchover works from its first error.
type metrics struct {
	reg      *prometheus.Registry
	up       *prometheus.GaugeVec     // 1 when the stream's latest probe succeeded
	state    *prometheus.GaugeVec     // 1 for the stream's latest outcome or error class
	probes   *prometheus.CounterVec   // by outcome and error class
	duration *prometheus.HistogramVec // probe latency, seconds
	server   *prometheus.GaugeVec     // info: the server that last answered
	running  prometheus.Gauge         // 1 while probing, 0 after
	srv      *http.Server
	mu       sync.Mutex
}

// outcomeClasses are the (outcome, error class) pairs a probe can end in.
func outcomeClasses() [][2]string {
	pairs := [][2]string{{store.OutcomeOK, ""}, {store.OutcomeSkipped, store.ClassInflightLimit}}
	for _, c := range store.ErrorClasses {
		switch c {
		case store.ClassConnectTimeout, store.ClassQueryTimeout:
			pairs = append(pairs, [2]string{store.OutcomeTimeout, c})
		case store.ClassInflightLimit, store.ClassInferred:
		default:
			pairs = append(pairs, [2]string{store.OutcomeError, c})
		}
	}
	return pairs
}

func stateOf(p *store.Probe) string {
	if p.ErrorClass != "" {
		return p.ErrorClass
	}
	return p.Outcome
}

// listenMetrics listens on --metrics-addr before anything else starts: a
// failure to listen is a configuration error, and the run does not start.
func listenMetrics(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	return ln, nil
}

// metricsRun is what identifies the run on every series: the run id as a
// label of each (so that a fleet's Prometheus can join a series back to its
// Parquet folder, run=<id>), and the labels and version on run_info.
type metricsRun struct {
	id, version, host string
	labels            map[string]string
}

// startMetrics serves /metrics on ln (nil: no metrics) until close.
func startMetrics(ln net.Listener, streams []*stream, run metricsRun) *metrics {
	if ln == nil {
		return nil
	}
	// The stream labels are named as the Parquet columns are: kind, conn
	// (the connection mode), profile (the client profile) and endpoint.
	streamLabels := []string{"kind", "conn", "profile", "endpoint"}
	m := &metrics{
		reg: prometheus.NewRegistry(),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "switchwatch_probe_up", Help: "1 when the stream's latest probe succeeded, else 0.",
		}, streamLabels),
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "switchwatch_probe_state", Help: "1 for the stream's latest outcome or error class, 0 for the others.",
		}, append(streamLabels, "state")),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchwatch_probes_total", Help: "Probes by outcome and error class.",
		}, append(streamLabels, "outcome", "error_class")),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "switchwatch_probe_duration_seconds", Help: "Probe latency, from its start to its end.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, streamLabels),
		server: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "switchwatch_server_info", Help: "The server that answered the stream's latest successful probe (value 1).",
		}, append(streamLabels, "server_addr", "system_id", "in_recovery")),
	}
	reg := prometheus.WrapRegistererWith(prometheus.Labels{"run_id": run.id}, m.reg)
	reg.MustRegister(m.up, m.state, m.probes, m.duration, m.server)
	reg.MustRegister(runInfo(run))
	m.running = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "switchwatch_run_active", Help: "1 while the recording probes, 0 once it has ended (the final state stays up for --metrics-linger).",
	})
	m.running.Set(1)
	reg.MustRegister(m.running)
	for _, s := range streams {
		m.up.WithLabelValues(s.labels()...)
		m.duration.WithLabelValues(s.labels()...)
		for _, oc := range outcomeClasses() {
			m.probes.WithLabelValues(append(s.labels(), oc[0], oc[1])...)
			m.state.WithLabelValues(append(s.labels(), stateOf(&store.Probe{Outcome: oc[0], ErrorClass: oc[1]}))...)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go m.srv.Serve(ln) // returns when close shuts the server down
	return m
}

// runInfo is switchwatch_run_info: value 1, with the run's id, the tool's
// version, the host and every run label as label_<key> (a key made a
// Prometheus label name: other characters become '_').
func runInfo(run metricsRun) prometheus.Collector {
	labels := prometheus.Labels{"version": run.version, "host": run.host}
	for k, v := range run.labels {
		labels["label_"+promLabelName(k)] = v
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "switchwatch_run_info", Help: "The recording: its id (run_id, as in the run folder's name run=<id>), version, host and labels (value 1).",
		ConstLabels: labels,
	})
	g.Set(1)
	return g
}

// promLabelName makes a run label's key a valid Prometheus label name.
func promLabelName(k string) string {
	b := []byte(k)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9' && i > 0) {
			b[i] = '_'
		}
	}
	return string(b)
}

// labels are the stream's label values, in startMetrics' order.
func (s *stream) labels() []string { return []string{s.kind, s.conn, s.profile, s.endpoint} }

// observe counts one probe (nil metrics: off).
func (m *metrics) observe(s *stream, p *store.Probe) {
	if m == nil {
		return
	}
	m.probes.WithLabelValues(append(s.labels(), p.Outcome, p.ErrorClass)...).Inc()
	m.mu.Lock() // the gauges of one stream change together
	defer m.mu.Unlock()
	if p.Outcome == store.OutcomeSkipped {
		return // no latency, and it says nothing about the endpoint
	}
	m.duration.WithLabelValues(s.labels()...).Observe(time.Duration(p.LatencyNS).Seconds())
	up := 0.0
	if p.Outcome == store.OutcomeOK {
		up = 1
		m.server.DeletePartialMatch(prometheus.Labels{"kind": s.kind, "profile": s.profile, "endpoint": s.endpoint})
		inRecovery := ""
		if p.InRecovery != nil {
			inRecovery = strconv.FormatBool(*p.InRecovery)
		}
		m.server.WithLabelValues(append(s.labels(), p.ServerAddr, p.SystemID, inRecovery)...).Set(1)
	}
	m.up.WithLabelValues(s.labels()...).Set(up)
	for _, oc := range outcomeClasses() {
		st := stateOf(&store.Probe{Outcome: oc[0], ErrorClass: oc[1]})
		v := 0.0
		if st == stateOf(p) {
			v = 1
		}
		m.state.WithLabelValues(append(s.labels(), st)...).Set(v)
	}
}

// linger marks the run ended and keeps the final state up for d, or until
// ctx ends: a scrape every 15 s would otherwise miss how a recording that
// --until-recovered ended on its own finished.
func (m *metrics) linger(ctx context.Context, d time.Duration) {
	if m == nil {
		return
	}
	m.running.Set(0)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (m *metrics) close() {
	if m == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	m.srv.Shutdown(ctx)
}
