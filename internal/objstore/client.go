package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Client talks to one object storage service.
type Client struct {
	s3 *s3.Client
	// BlockSize is the unit Object reads and caches (default 64 KiB):
	// a read of a few bytes fetches its block, and a read across
	// several missing blocks fetches them in one range request.
	BlockSize int64
	// CacheBlocks is how many blocks an Object keeps (default 32).
	CacheBlocks int

	// Progress, when set, is told how a listing goes, at most once every
	// ProgressEvery (default 2 s; negative: every page) and never within
	// the first: a long listing of a large prefix says it is not stuck,
	// a short one says nothing.
	Progress      io.Writer
	ProgressEvery time.Duration

	gets     atomic.Int64 // GetObject requests
	getBytes atomic.Int64 // bytes they returned

	listMu    sync.Mutex
	lists     int       // ListObjectsV2 pages
	listed    int       // keys and folders they returned
	listStart time.Time // the first listing
	listSaid  time.Time // the last progress line
}

// notePage counts a listing page of n entries below u, and says so on
// Progress when it is time.
func (c *Client) notePage(u URL, n int) {
	if c.Progress == nil {
		return
	}
	c.listMu.Lock()
	defer c.listMu.Unlock()
	now := time.Now()
	if c.lists == 0 {
		c.listStart, c.listSaid = now, now
	}
	c.lists++
	c.listed += n
	every := c.ProgressEvery
	if every == 0 {
		every = defaultProgressEvery
	}
	if every > 0 && now.Sub(c.listSaid) < every {
		return
	}
	c.listSaid = now
	fmt.Fprintf(c.Progress, "object storage: listing %s (%d list requests, %d entries so far, %.0f s)\n", u, c.lists, c.listed, now.Sub(c.listStart).Seconds())
}

// defaultProgressEvery is how often a listing says how it goes.
const defaultProgressEvery = 2 * time.Second

// Default read unit and cache of an Object: a segment's column chunk is
// tens of kilobytes, so 64 KiB blocks fetch little beyond the chunks asked
// for, and 2 MiB of cache holds a row group's worth of them.
const (
	defaultBlockSize   = 64 << 10
	defaultCacheBlocks = 32
)

// retryAttempts is how often the SDK tries one request (its standard
// retryer: exponential backoff with jitter) before the error reaches us,
// unless AWS_MAX_ATTEMPTS says otherwise.
const retryAttempts = 5

// New returns a Client configured by the SDK's standard chain. With an
// endpoint of its own (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3 or
// endpoint_url in the profile: an S3-compatible server) it addresses
// buckets by path (http://host/bucket/key), which every such server
// serves, and sends checksums only where S3 requires them, since not all
// of them accept the SDK's newer checksum trailers.
func New(ctx context.Context) (*Client, error) {
	var opts []func(*config.LoadOptions) error
	if os.Getenv("AWS_MAX_ATTEMPTS") == "" { // the chain's own setting wins
		opts = append(opts, config.WithRetryMaxAttempts(retryAttempts))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("object storage: load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // S3-compatible servers ignore it; S3 redirects need one
	}
	custom := cfg.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
	c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if custom {
			o.UsePathStyle = true
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	return &Client{s3: c, BlockSize: defaultBlockSize, CacheBlocks: defaultCacheBlocks}, nil
}

// Gets returns the GetObject requests made so far and the bytes they
// returned: how a test shows that a reader fetched only what it needed.
func (c *Client) Gets() (requests, bytes int64) { return c.gets.Load(), c.getBytes.Load() }

// notFound reports whether err is the service's "no such key" (404).
func notFound(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

// pathError wraps err as an fs.PathError naming the URL, with
// fs.ErrNotExist for a missing key so that callers test it as for a file.
func pathError(op string, u URL, err error) error {
	if notFound(err) {
		err = fmt.Errorf("%w (%v)", fs.ErrNotExist, err)
	}
	return &fs.PathError{Op: op, Path: u.String(), Err: err}
}
