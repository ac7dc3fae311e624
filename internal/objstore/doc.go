// Package objstore keeps runs in S3 or any S3-compatible object storage
// (SeaweedFS, MinIO, Ceph RGW, R2, ...), through the AWS SDK for Go v2:
// credentials, region and endpoint come from the SDK's standard chain
// (AWS_ACCESS_KEY_ID, AWS_PROFILE, instance roles, AWS_REGION,
// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3), never from switchwatch's own
// flags, and signing is the SDK's.
//
// Runs are never written to a bucket as they are recorded: the recorder
// writes its run folder on the local disk (crash safety unchanged) and an
// Uploader puts each complete file there as one PUT, which a bucket shows
// only once it is whole, so a prefix never holds a partial file. Closed
// segments go as they close; events.jsonl, verify.json and run.json go
// last. It never removes a local file: Confirm checks with HEAD requests
// that every file of a run folder is in the bucket, whole, so that the
// command may remove the folder.
//
// Reading is the other way: Remote implements store.Remote, so that
// store's readers (and so the analyzer) open s3:// paths, and Object reads
// an object with range requests through a small block cache, so that
// parquet-go fetches the footer and the column chunks asked for, not the
// file.
//
// It must not know the layout of a run folder beyond what store exports,
// nor talk to PostgreSQL.
package objstore
