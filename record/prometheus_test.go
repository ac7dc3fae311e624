package record_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record"
)

// TestPrometheusScrapesARecording starts a real Prometheus (Debian's
// package; .ci/run installs it) with the rules the repository ships,
// scraping a live recording: the expected series arrive through its query
// API, every recording rule and every query of the shipped Grafana
// dashboard returns data, and promtool finds nothing to lint in what
// record serves.
func TestPrometheusScrapesARecording(t *testing.T) {
	promBin := pgserver.FindOrSkip(t, "Prometheus (Debian's prometheus package)", func() (string, error) { return exec.LookPath("prometheus") })
	promtool := pgserver.FindOrSkip(t, "promtool (Debian's prometheus package)", func() (string, error) { return exec.LookPath("promtool") })
	rules, err := filepath.Abs("../monitoring/rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	srv := sharedServer(t)
	metricsAddr := freeAddr(t)
	const runID = "prom-e2e"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := record.Run(ctx, record.Config{
			// Pooled streams only: new connections every 100 ms on a loaded
			// 2-core machine under -race can fill the shared server's
			// connection slots, and what is tested here is the metrics.
			WriteDSN: srv.DSN(), Interval: 100 * time.Millisecond, Out: t.TempDir(), RunID: runID,
			Kinds: []string{"write", "read"}, Conns: []string{"pooled"}, MetricsAddr: metricsAddr, NoVerify: true,
			Labels: map[string]string{"strategy": "blue-green", "zone-name": "b"},
		})
		done <- err
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: switchwatch
    static_configs:
      - targets: [%q]
`, rules, metricsAddr)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	promAddr := freeAddr(t)
	var promLog bytes.Buffer
	prom := exec.Command(promBin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	prom.Stdout, prom.Stderr = &promLog, &promLog
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		prom.Process.Kill() // our own child, by pid
		prom.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", promLog.String())
		}
	}()

	query := func(q string) ([]json.RawMessage, error) {
		resp, err := http.Get("http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var r struct {
			Status string `json:"status"`
			Error  string `json:"error"`
			Data   struct {
				Result []json.RawMessage `json:"result"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return nil, fmt.Errorf("query %s: %w", q, err)
		}
		if r.Status != "success" {
			return nil, fmt.Errorf("query %s: %s", q, r.Error)
		}
		return r.Data.Result, nil
	}
	// waitSeries polls until q returns a series: the scrape every second
	// and the rules every 5 s take a few rounds to fill a 30 s rate.
	waitSeries := func(q string) []json.RawMessage {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			res, err := query(q)
			if err == nil && len(res) > 0 {
				return res
			}
			if time.Now().After(deadline) {
				t.Fatalf("no series for %s after 60 s (last error: %v)", q, err)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}

	sel := fmt.Sprintf(`run_id=%q`, runID)
	waitSeries(`switchwatch_probes_total{` + sel + `,kind="write",profile="pooled",outcome="ok"} > 0`)
	info := waitSeries(`switchwatch_run_info{` + sel + `,label_strategy="blue-green",label_zone_name="b"}`)
	if len(info) != 1 {
		t.Errorf("switchwatch_run_info: %d series, want 1", len(info))
	}
	// Every class is pre-created (blackbox_exporter's habit), so a class
	// that has not happened reads 0, not absent: 2 streams.
	if res := waitSeries(`switchwatch_probes_total{` + sel + `,outcome="error",error_class="read_only"}`); len(res) != 2 {
		t.Errorf("read_only counters: %d series, want one per stream (2)", len(res))
	}
	for _, rule := range []string{"switchwatch:write_error_ratio:rate30s", "switchwatch:read_error_ratio:rate30s",
		"switchwatch:failed_probes_by_class:rate30s", "switchwatch:probe_duration_seconds:p99_30s", "switchwatch:probe_up:min"} {
		waitSeries(rule + `{` + sel + `}`)
	}
	if res, err := query(`switchwatch:write_error_ratio:rate30s{` + sel + `} > 0`); err != nil || len(res) != 0 {
		t.Errorf("healthy writes show an error ratio above 0: %s (%v)", res, err)
	}

	// The dashboard's queries, with its run variable set to this run.
	data, err := os.ReadFile("../monitoring/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	exprs := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs++
			waitSeries(strings.ReplaceAll(tg.Expr, "$run_id", runID))
		}
	}
	if exprs < 6 {
		t.Errorf("the dashboard has %d queries, want one per panel at least (6)", exprs)
	}

	// promtool lints what record serves: base units, _total counters, help.
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	lint := exec.Command(promtool, "check", "metrics")
	lint.Stdin = bytes.NewReader(body)
	if out, err := lint.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	if out, err := exec.Command(promtool, "check", "rules", rules).CombinedOutput(); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
}

// freeAddr is a free TCP address on 127.0.0.1.
func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := pgserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// TestMetricsLingerAfterTheEnd: a recording that ends by itself keeps its
// final metrics up for MetricsLinger, switchwatch_run_active at 0 and the
// counters as they ended, so that the last scrape sees the end.
func TestMetricsLingerAfterTheEnd(t *testing.T) {
	srv := sharedServer(t)
	addr := freeAddr(t)
	done := make(chan error, 1)
	go func() {
		_, err := record.Run(context.Background(), record.Config{
			WriteDSN: srv.DSN(), Interval: 100 * time.Millisecond, Duration: 500 * time.Millisecond, Out: t.TempDir(),
			Kinds: []string{"write"}, Conns: []string{"pooled"}, MetricsAddr: addr, NoVerify: true, MetricsLinger: 3 * time.Second,
		})
		done <- err
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("Run returned (%v) before its final state was scraped with switchwatch_run_active 0", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no scrape showed switchwatch_run_active 0 within 30 s")
		}
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			text := string(body)
			active := ""
			for _, l := range strings.Split(text, "\n") {
				if strings.HasPrefix(l, "switchwatch_run_active{") {
					active = l
				}
			}
			if active != "" && strings.HasSuffix(active, "} 0") {
				if !strings.Contains(active, `run_id="`) {
					t.Errorf("switchwatch_run_active without the run id: %s", active)
				}
				if !strings.Contains(text, `switchwatch_probes_total{conn="pooled",endpoint="write",error_class="",kind="write",outcome="ok",profile="pooled"`) {
					t.Errorf("the final scrape has no ok write counter:\n%s", text)
				}
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
