package objstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/switchwatch/switchwatch/record/store"
)

// Remote reads s3:// paths for store's readers (store.RegisterRemote):
// a folder is a key prefix ending in "/", listed with a delimiter.
type Remote struct {
	C   *Client
	Ctx context.Context
}

var _ store.Remote = Remote{}

// Register makes store's readers read s3:// paths through c.
func (c *Client) Register(ctx context.Context) {
	store.RegisterRemote(Scheme, Remote{C: c, Ctx: ctx})
}

// Open opens the object at path.
func (r Remote) Open(p string) (store.File, error) {
	u, err := ParseURL(p)
	if err != nil {
		return nil, err
	}
	return r.C.Open(r.Ctx, u)
}

// ReadDir lists the objects and the folders directly below the folder p,
// sorted by name as os.ReadDir does. A folder with nothing below it does
// not exist.
func (r Remote) ReadDir(p string) ([]fs.DirEntry, error) {
	u, err := ParseURL(p)
	if err != nil {
		return nil, err
	}
	u = u.Dir()
	var out []fs.DirEntry
	pg := s3.NewListObjectsV2Paginator(r.C.s3, &s3.ListObjectsV2Input{Bucket: &u.Bucket, Prefix: &u.Key, Delimiter: aws.String("/")})
	for pg.HasMorePages() {
		page, err := pg.NextPage(r.Ctx)
		if err != nil {
			return nil, pathError("list", u, err)
		}
		r.C.notePage(u, len(page.CommonPrefixes)+len(page.Contents))
		for _, cp := range page.CommonPrefixes {
			name := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), u.Key), "/")
			out = append(out, fs.FileInfoToDirEntry(fileInfo{name: name, dir: true}))
		}
		for _, o := range page.Contents {
			name := strings.TrimPrefix(aws.ToString(o.Key), u.Key)
			if name == "" {
				continue // a folder marker some tools create
			}
			out = append(out, fs.FileInfoToDirEntry(fileInfo{name: name, size: aws.ToInt64(o.Size), mod: aws.ToTime(o.LastModified)}))
		}
	}
	if len(out) == 0 {
		return nil, pathError("list", u, fmt.Errorf("%w: nothing under this prefix", fs.ErrNotExist))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Stat describes the object at p or, when there is none, the folder p
// (a prefix with objects below it).
func (r Remote) Stat(p string) (fs.FileInfo, error) {
	u, err := ParseURL(p)
	if err != nil {
		return nil, err
	}
	if u.Key != "" && !strings.HasSuffix(u.Key, "/") {
		h, err := r.C.s3.HeadObject(r.Ctx, &s3.HeadObjectInput{Bucket: &u.Bucket, Key: &u.Key})
		if err == nil {
			return fileInfo{name: path.Base(u.Key), size: aws.ToInt64(h.ContentLength), mod: aws.ToTime(h.LastModified)}, nil
		}
		if !notFound(err) {
			return nil, pathError("stat", u, err)
		}
	}
	d := u.Dir()
	out, err := r.C.s3.ListObjectsV2(r.Ctx, &s3.ListObjectsV2Input{Bucket: &d.Bucket, Prefix: &d.Key, MaxKeys: aws.Int32(1)})
	if err != nil {
		return nil, pathError("stat", u, err)
	}
	if len(out.Contents) == 0 {
		return nil, pathError("stat", u, fs.ErrNotExist)
	}
	return fileInfo{name: path.Base(strings.TrimSuffix(d.Key, "/")), dir: true}, nil
}
