package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/switchwatch/switchwatch/internal/otelapp"
	"github.com/switchwatch/switchwatch/internal/otlpfile"
	"github.com/switchwatch/switchwatch/record"
)

// Files of a run with the instrumented application (RunOptions.App).
const (
	// TracesFile holds the application's spans as the OpenTelemetry
	// Collector's file exporter writes them (format json): one OTLP
	// ExportTraceServiceRequest as JSON per line, one line per export.
	TracesFile = "traces.jsonl"
	// AppFile is the application's own ground truth (otelapp.Truth): its
	// settings, when it ran, its quiet windows, and the requests each
	// service sent, plus what the receiver wrote.
	AppFile = "app.json"
)

// AppRecord is the content of AppFile.
type AppRecord struct {
	otelapp.Truth
	DSN            string `json:"dsn"` // the write endpoint, password redacted
	TracesFile     string `json:"traces_file"`
	ExportRequests int64  `json:"export_requests"` // lines in TracesFile
	Spans          int64  `json:"spans"`
}

// appRun is the application and its receiver during one lab run.
type appRun struct {
	dir  string
	dsn  string
	rcv  *otlpfile.Receiver
	app  *otelapp.App
	done bool
}

// startApp starts the receiver, writing runDir/TracesFile, and the
// application against dsn (resolved through dnsServer when set).
func startApp(ctx context.Context, cfg otelapp.Config, runDir, dsn, dnsServer string) (*appRun, error) {
	rcv, err := otlpfile.Listen(filepath.Join(runDir, TracesFile))
	if err != nil {
		return nil, fmt.Errorf("application traces: %w", err)
	}
	cfg.DSN, cfg.DNSServer, cfg.OTLPEndpoint = dsn, dnsServer, rcv.Endpoint()
	app, err := otelapp.Start(ctx, cfg)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("start the application: %w", err), rcv.Close(context.Background()))
	}
	return &appRun{dir: runDir, dsn: record.RedactDSN(dsn), rcv: rcv, app: app}, nil
}

// stop ends the application, flushes its spans into the receiver's file,
// closes it and writes AppFile. Only the first call does anything.
func (a *appRun) stop() error {
	if a == nil || a.done {
		return nil
	}
	a.done = true
	// Requests in flight end within the app's query timeout; the flush of
	// the last batch is local.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	truth, err := a.app.Stop(ctx)
	if cerr := a.rcv.Close(ctx); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close the OTLP receiver: %w", cerr))
	}
	if truth == nil {
		return err
	}
	rec := AppRecord{Truth: *truth, DSN: a.dsn, TracesFile: TracesFile, ExportRequests: a.rcv.Requests(), Spans: a.rcv.Spans()}
	data, jerr := json.MarshalIndent(rec, "", "  ")
	if jerr == nil {
		jerr = os.WriteFile(filepath.Join(a.dir, AppFile), append(data, '\n'), 0o644)
	}
	if jerr != nil {
		err = errors.Join(err, fmt.Errorf("write %s: %w", AppFile, jerr))
	}
	return err
}
