// Package s3server starts a real S3-compatible server for tests: the S3
// gateway of SeaweedFS ("weed server -s3", its master, volume server and
// filer in one process), on 127.0.0.1 at free ports, as a child process
// stopped by its pid. switchwatch's object storage code is tested against
// it, never against a fake.
//
// SeaweedFS is built from its Go module by .ci/run into a cache folder
// outside the repository (see FindBinary); MinIO's server, the usual
// choice, cannot be had from the package registries this project builds
// from. Tests that need the server skip with the reason where the binary
// is missing, and fail under SWITCHWATCH_REQUIRE_POSTGRES=1 (CI), as the
// tests that need PostgreSQL do.
package s3server
