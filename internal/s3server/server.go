package s3server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// BinEnv names the environment variable that, when set, is the weed
// binary to run.
const BinEnv = "SWITCHWATCH_WEED"

// ErrNoBinary is wrapped by FindBinary's error when there is no weed.
var ErrNoBinary = errors.New("no SeaweedFS (weed) binary found")

// FindBinary returns the weed binary: $SWITCHWATCH_WEED, else the one
// .ci/run builds into $XDG_CACHE_HOME/switchwatch-weed (~/.cache/...),
// else weed on PATH.
func FindBinary() (string, error) {
	if p := os.Getenv(BinEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: %s=%s: %v", ErrNoBinary, BinEnv, p, err)
		}
		return p, nil
	}
	var tried []string
	if dir, err := os.UserCacheDir(); err == nil {
		p := filepath.Join(dir, "switchwatch-weed", "weed")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	if p, err := exec.LookPath("weed"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: not at %v nor on PATH (.ci/run builds it; or set %s)", ErrNoBinary, tried, BinEnv)
}

// Server is a running SeaweedFS with its S3 gateway.
type Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Region    string

	dir     string
	logPath string
	cmd     *exec.Cmd
	grpc    map[string]int // service → gRPC port, for the sockets weed leaves
	exited  chan struct{}
	waitErr error
}

// startTimeout bounds the wait for the gateway to answer: the master,
// volume server and filer start first (a few seconds; longer on a loaded
// machine).
const startTimeout = 90 * time.Second

// Start runs weed from bin with its data in dir (which it creates) and
// waits until the gateway serves S3 requests.
func Start(ctx context.Context, bin, dir string) (*Server, error) {
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, fmt.Errorf("s3 server: %w", err)
	}
	ports, err := freePorts(8)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint:  "http://127.0.0.1:" + strconv.Itoa(ports[0]),
		AccessKey: "switchwatch", SecretKey: "switchwatch-test-secret", Region: "us-east-1",
		dir: dir, logPath: filepath.Join(dir, "weed.log"), exited: make(chan struct{}),
	}
	if err := s.launch(bin, ports); err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// launch starts weed: every port given (nothing at its defaults, so that
// servers of several tests can run at once), every service bound to
// 127.0.0.1, the optional gateways (Iceberg, Lance) off, telemetry off,
// and the admin identity from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
func (s *Server) launch(bin string, p []int) error {
	logf, err := os.Create(s.logPath)
	if err != nil {
		return fmt.Errorf("s3 server log: %w", err)
	}
	defer logf.Close()
	port := func(i int) string { return strconv.Itoa(p[i]) }
	cmd := exec.Command(bin, "server",
		"-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir="+filepath.Join(s.dir, "data"),
		"-master.port="+port(1), "-master.port.grpc="+port(2),
		"-volume.port="+port(3), "-volume.port.grpc="+port(4),
		"-filer.port="+port(5), "-filer.port.grpc="+port(6),
		"-s3", "-s3.port="+port(0), "-s3.port.grpc="+port(7),
		"-s3.port.iceberg=0", "-s3.port.lance=0",
		"-master.volumeSizeLimitMB=64", "-volume.max=16", "-master.telemetry=false",
		"-filer.localSocket="+filepath.Join(s.dir, "filer.sock"),
		"-s3.localSocket="+filepath.Join(s.dir, "s3.sock"),
	)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+s.AccessKey, "AWS_SECRET_ACCESS_KEY="+s.SecretKey)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group (a Ctrl-C reaches only us), and SIGKILL if
	// the test binary dies, so no server outlives its test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	s.cmd = cmd
	s.grpc = map[string]int{"master": p[2], "volume": p[4], "filer": p[6], "s3": p[7]}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// freePorts returns n TCP ports on 127.0.0.1 that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port on 127.0.0.1: %w", err)
		}
		ls = append(ls, l) // held until all are chosen: n different ports
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Client returns an S3 client of the server, with its credentials.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint), Region: s.Region, UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// waitReady polls ListBuckets until the gateway answers it, weed exits,
// or startTimeout passes.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	c := s.Client()
	var last error
	for {
		rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := c.ListBuckets(rctx, &s3.ListBucketsInput{})
		rcancel()
		if err == nil {
			return nil
		}
		last = err
		select {
		case <-s.exited:
			return fmt.Errorf("s3 server exited while starting (%v); see %s", s.waitErr, s.logPath)
		case <-ctx.Done():
			return fmt.Errorf("s3 server at %s not ready after %v: %v; see %s", s.Endpoint, startTimeout, last, s.logPath)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// CreateBucket creates a bucket.
func (s *Server) CreateBucket(ctx context.Context, name string) error {
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return nil
}

// Env is the environment that points the AWS SDK's standard chain (and
// so switchwatch) at this server.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.Endpoint, "AWS_REGION=" + s.Region,
		"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_EC2_METADATA_DISABLED=true", // no instance-role probe on a test machine
	}
}

// LogPath is weed's log.
func (s *Server) LogPath() string { return s.logPath }

// PID is weed's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Close stops weed by its pid: SIGTERM, then SIGKILL if it has not exited
// within 10 s.
func (s *Server) Close() error {
	if s.cmd == nil {
		return nil
	}
	defer s.removeSockets()
	select {
	case <-s.exited:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return nil
	case <-time.After(10 * time.Second):
	}
	if err := s.cmd.Process.Kill(); err != nil {
		return fmt.Errorf("stop s3 server (pid %d): %w", s.PID(), err)
	}
	<-s.exited
	return nil
}

// removeSockets removes the Unix sockets that weed server opens beside
// each gRPC port at a fixed place, /tmp/seaweedfs-SERVICE-grpc-PORT.sock,
// whatever its flags say, and does not remove on exit.
func (s *Server) removeSockets() {
	for name, port := range s.grpc {
		os.Remove(fmt.Sprintf("/tmp/seaweedfs-%s-grpc-%d.sock", name, port))
	}
}

// StartForTest starts a server for t with a bucket, points the AWS SDK's
// standard chain at it (t.Setenv: not for parallel tests), and stops it
// when t ends. Without the weed binary t is skipped, or failed under
// SWITCHWATCH_REQUIRE_POSTGRES=1.
func StartForTest(t testing.TB, bucket string) *Server {
	t.Helper()
	bin := pgserver.FindOrSkip(t, "SeaweedFS's S3 gateway", FindBinary)
	s := pgserver.StartOrSkip(t, "SeaweedFS's S3 gateway", ErrNoBinary,
		func() (*Server, error) { return Start(context.Background(), bin, t.TempDir()) },
		func(s *Server) string { return "weed log: " + s.logPath + "\n" + tail(s.logPath, 4000) })
	if err := s.CreateBucket(context.Background(), bucket); err != nil {
		t.Fatal(err)
	}
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return s
}

// tail is the end of the file at path, at most n bytes.
func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err.Error()
	}
	off := max(st.Size()-n, 0)
	buf := make([]byte, st.Size()-off)
	k, _ := f.ReadAt(buf, off)
	return string(buf[:k])
}
