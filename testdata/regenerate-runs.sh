#!/bin/sh
# Regenerates testdata/runs: real lab runs recorded on this machine,
# shipped so that the analyzer and the report have real data to work on.
#
#   sh testdata/regenerate-runs.sh        (from the repository root; needs
#                                         PostgreSQL server binaries; ~8 min)
#
# 5 x aurora with a new connection per probe, 5 x aurora with pooled
# connections, 3 x crash with both; default scenario parameters, probes
# every 100ms, write and read probes through the write endpoint. The runs
# carry the label clients=new, pooled or new+pooled.
set -eu
out=testdata/runs
bin=$(mktemp -d)/switchwatch
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/switchwatch
rm -rf "$out"
"$bin" lab run --quiet --scenario aurora --runs 5 --conn new --label clients=new --out "$out"
"$bin" lab run --quiet --scenario aurora --runs 5 --conn pooled --label clients=pooled --out "$out"
"$bin" lab run --quiet --scenario crash --runs 3 --conn new,pooled --label clients=new+pooled --out "$out"
# The writer's lock files carry nothing.
find "$out" -name _lock -delete
du -sh "$out"
