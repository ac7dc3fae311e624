#!/bin/sh
# Regenerates testdata/profile-runs: real lab runs with client profiles,
# recorded on this machine, shipped so that the profile comparison of the
# analyzer and the report has real data (and the README its table).
#
#   sh testdata/regenerate-profile-runs.sh   (from the repository root; needs
#                                            PostgreSQL server binaries; ~2 min)
#
# 3 x the dns scenario with cut=false (old blue stays up read-only and keeps
# its sessions, so pooled connections survive the switchover), a tail of 32s
# so that the 30 s DNS cache expires inside the run, write and read probes
# every 200ms through the DNS name, four profiles side by side: the built-in
# new (the baseline) and pooled, and jvm and evict of
# testdata/profile-runs.yaml.
set -eu
out=testdata/profile-runs
bin=$(mktemp -d)/switchwatch
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/switchwatch
rm -rf "$out"
"$bin" lab run --quiet --scenario dns --set cut=false --set tail=32s --runs 3 --interval 200ms \
	--conn new,pooled --clients testdata/profile-runs.yaml --out "$out"
# The writer's lock files carry nothing.
find "$out" -name _lock -delete
du -sh "$out"
