package record_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
)

// TestMetricsMidRecording scrapes --metrics-addr while a recording runs and
// parses it with the Prometheus text parser: per-stream counters by outcome
// and class (every class present, the unseen ones at 0), the current state,
// a latency histogram and the answering server.
func TestMetricsMidRecording(t *testing.T) {
	srv := sharedServer(t)
	port, err := pgserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := record.Run(ctx, record.Config{
			WriteDSN: srv.DSN(), Interval: 50 * time.Millisecond, Out: out,
			Kinds: []string{"write", "connect"}, MetricsAddr: addr, NoVerify: true,
		})
		done <- err
	}()
	waitForOK(t, out, 20)
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	find := func(name string, labels map[string]string) *dto.Metric {
		f := families[name]
		if f == nil {
			t.Fatalf("no metric family %s in %v", name, families)
		}
	next:
		for _, m := range f.Metric {
			got := map[string]string{}
			for _, l := range m.Label {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			return m
		}
		t.Errorf("%s%v: absent", name, labels)
		return nil
	}
	for _, kind := range []string{"write", "connect"} {
		s := map[string]string{"kind": kind, "conn": "new", "endpoint": "write"}
		with := func(k, v string) map[string]string {
			m := map[string]string{k: v}
			for a, b := range s {
				m[a] = b
			}
			return m
		}
		if m := find("switchwatch_probes_total", with("outcome", "ok")); m != nil && m.GetCounter().GetValue() < 10 {
			t.Errorf("%s: ok counter %v, want at least 10", kind, m.GetCounter().GetValue())
		}
		if m := find("switchwatch_probes_total", with("error_class", "read_only")); m != nil && m.GetCounter().GetValue() != 0 {
			t.Errorf("%s: read_only counter %v, want a pre-created 0", kind, m.GetCounter().GetValue())
		}
		if m := find("switchwatch_probe_up", s); m != nil && m.GetGauge().GetValue() != 1 {
			t.Errorf("%s: up = %v, want 1", kind, m.GetGauge().GetValue())
		}
		if m := find("switchwatch_probe_state", with("state", "ok")); m != nil && m.GetGauge().GetValue() != 1 {
			t.Errorf("%s: state ok = %v, want 1", kind, m.GetGauge().GetValue())
		}
		if m := find("switchwatch_probe_state", with("state", "refused")); m != nil && m.GetGauge().GetValue() != 0 {
			t.Errorf("%s: state refused = %v, want 0", kind, m.GetGauge().GetValue())
		}
		if m := find("switchwatch_probe_duration_seconds", s); m != nil && m.GetHistogram().GetSampleCount() < 10 {
			t.Errorf("%s: latency histogram has %d samples, want at least 10", kind, m.GetHistogram().GetSampleCount())
		}
		if m := find("switchwatch_server_info", with("server_addr", srv.Addr())); m != nil && m.GetGauge().GetValue() != 1 {
			t.Errorf("%s: server info = %v, want 1", kind, m.GetGauge().GetValue())
		}
	}
}
