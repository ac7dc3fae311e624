package objstore

import "testing"

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		in     string
		bucket string
		key    string
		bad    bool
	}{
		{in: "s3://runs/fleet/", bucket: "runs", key: "fleet/"},
		{in: "s3://runs", bucket: "runs"},
		{in: "s3://runs/fleet/run=x/run.json", bucket: "runs", key: "fleet/run=x/run.json"},
		// what filepath.Join makes of an s3:// path
		{in: "s3:/runs/fleet/run=x/probes-000001.parquet", bucket: "runs", key: "fleet/run=x/probes-000001.parquet"},
		{in: "s3://", bad: true},
		{in: "runs/fleet", bad: true},
		{in: "s3://runs/a//b", bad: true},
	} {
		u, err := ParseURL(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("ParseURL(%q) = %+v, want an error", c.in, u)
			}
			continue
		}
		if err != nil || u.Bucket != c.bucket || u.Key != c.key {
			t.Errorf("ParseURL(%q) = %+v, %v; want bucket %q key %q", c.in, u, err, c.bucket, c.key)
		}
	}
	u := URL{Bucket: "b", Key: "p"}
	if got := u.Join("run=x/run.json").String(); got != "s3://b/p/run=x/run.json" {
		t.Errorf("Join = %s", got)
	}
}
