package objstore

import (
	"fmt"
	"strings"
)

// Scheme is the URL scheme of object storage paths: s3://bucket/prefix/.
const Scheme = "s3"

// URL is a place in object storage: a bucket and a key prefix.
type URL struct {
	Bucket string
	// Key is the key or key prefix, without a leading "/"; a prefix that
	// names a folder ends in "/" (or is empty: the whole bucket).
	Key string
}

// IsURL reports whether s names object storage: s3://... (or s3:/...,
// which is what filepath.Join makes of it).
func IsURL(s string) bool { return strings.HasPrefix(s, Scheme+":/") }

// ParseURL parses s3://bucket/key. The key may be empty.
func ParseURL(s string) (URL, error) {
	if !IsURL(s) {
		return URL{}, fmt.Errorf("%q: not an s3://bucket/prefix URL", s)
	}
	rest := strings.TrimLeft(strings.TrimPrefix(s, Scheme+":"), "/")
	bucket, key, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return URL{}, fmt.Errorf("%q: no bucket (want s3://bucket/prefix/)", s)
	}
	if strings.Contains(key, "//") {
		return URL{}, fmt.Errorf("%q: empty path element in the key", s)
	}
	return URL{Bucket: bucket, Key: key}, nil
}

// Dir is u as a folder: its key ends in "/" unless it is empty.
func (u URL) Dir() URL {
	if u.Key != "" && !strings.HasSuffix(u.Key, "/") {
		u.Key += "/"
	}
	return u
}

// Join is the URL of rel (slash-separated) below the folder u.
func (u URL) Join(rel string) URL {
	d := u.Dir()
	d.Key += strings.TrimLeft(rel, "/")
	return d
}

func (u URL) String() string { return Scheme + "://" + u.Bucket + "/" + u.Key }
