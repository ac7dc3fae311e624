package s3server

import (
	"context"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestStartServesS3AndStops starts the gateway, puts and gets an object
// with the SDK, and checks that Close leaves no process behind.
func TestStartServesS3AndStops(t *testing.T) {
	s := StartForTest(t, "s3server-test")
	ctx := context.Background()
	c := s.Client()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("s3server-test"), Key: aws.String("k"), Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	rng := "bytes=1-3"
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("s3server-test"), Key: aws.String("k"), Range: &rng})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || string(got) != "ell" {
		t.Errorf("range %s read %q, %v; want \"ell\"", rng, got, err)
	}
	if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") {
		t.Errorf("endpoint %s is not on 127.0.0.1", s.Endpoint)
	}
	pid := s.PID()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("weed (pid %d) still running after Close", pid)
	}
}
