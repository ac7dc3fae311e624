package otlpfile

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// TracesPath is the OTLP/HTTP path of trace exports.
const TracesPath = "/v1/traces"

// maxBody bounds one request's (decompressed) body: far above what an
// SDK's batch of 512 spans takes.
const maxBody = 64 << 20

// Receiver is a running OTLP/HTTP trace receiver appending to a file.
type Receiver struct {
	ln   net.Listener
	srv  *http.Server
	path string

	mu   sync.Mutex // serialises appends, as the file exporter's writer does
	file *os.File
	enc  ptrace.JSONMarshaler
	werr error // the first write error; later requests fail with it

	requests, spans atomic.Int64
	served          chan struct{}
	serveErr        error
}

// Listen opens (creating or appending to) path and starts serving on
// 127.0.0.1 on a free port.
func Listen(path string) (*Receiver, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open OTLP traces file: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("OTLP receiver: listen on 127.0.0.1: %w", err)
	}
	r := &Receiver{ln: ln, path: path, file: f, served: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc(TracesPath, r.handleTraces)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(r.served)
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.serveErr = err
		}
	}()
	return r, nil
}

// Endpoint is the receiver's host:port, as otlptracehttp.WithEndpoint
// takes it (with WithInsecure: plain HTTP).
func (r *Receiver) Endpoint() string { return r.ln.Addr().String() }

// URL is the full URL of trace exports.
func (r *Receiver) URL() string { return "http://" + r.Endpoint() + TracesPath }

// Path is the file the receiver appends to.
func (r *Receiver) Path() string { return r.path }

// Requests is the number of export requests written; Spans the spans in
// them.
func (r *Receiver) Requests() int64 { return r.requests.Load() }
func (r *Receiver) Spans() int64    { return r.spans.Load() }

// Close stops serving (letting requests in progress finish, within ctx)
// and closes the file. Exporters should be shut down first, so their last
// batch is written.
func (r *Receiver) Close(ctx context.Context) error {
	err := r.srv.Shutdown(ctx)
	<-r.served
	r.mu.Lock()
	defer r.mu.Unlock()
	if cerr := r.file.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close %s: %w", r.path, cerr)
	}
	return errors.Join(err, r.serveErr, r.werr)
}

func (r *Receiver) handleTraces(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	isJSON := ct == "application/json"
	if !isJSON && ct != "application/x-protobuf" {
		http.Error(w, "Content-Type: want application/x-protobuf or application/json", http.StatusUnsupportedMediaType)
		return
	}
	var body io.Reader = req.Body
	switch enc := req.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, "gzip body: "+err.Error(), http.StatusBadRequest)
			return
		}
		defer zr.Close()
		body = zr
	default:
		http.Error(w, "Content-Encoding "+enc+" not supported", http.StatusUnsupportedMediaType)
		return
	}
	data, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(data) > maxBody {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	exp := ptraceotlp.NewExportRequest()
	if isJSON {
		err = exp.UnmarshalJSON(data)
	} else {
		err = exp.UnmarshalProto(data)
	}
	if err != nil {
		http.Error(w, "decode ExportTraceServiceRequest: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := r.append(exp.Traces()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp := ptraceotlp.NewExportResponse()
	var out []byte
	if isJSON {
		out, err = resp.MarshalJSON()
	} else {
		out, err = resp.MarshalProto()
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}

// append writes td as one line, as the file exporter's json format does
// (its exportMessageAsLine: the marshalled request, then "\n").
func (r *Receiver) append(td ptrace.Traces) error {
	buf, err := r.enc.MarshalTraces(td)
	if err != nil {
		return fmt.Errorf("encode traces as OTLP JSON: %w", err)
	}
	buf = append(buf, '\n')
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.werr != nil {
		return r.werr
	}
	if _, err := r.file.Write(buf); err != nil {
		r.werr = fmt.Errorf("append to %s: %w", r.path, err)
		return r.werr
	}
	r.requests.Add(1)
	r.spans.Add(int64(td.SpanCount()))
	return nil
}
