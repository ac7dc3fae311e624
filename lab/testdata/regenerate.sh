#!/bin/sh
# Regenerates lab/testdata/runs: real lab runs recorded on this machine,
# shipped so that the analyzer and the report have real data to work on.
#
#   sh lab/testdata/regenerate.sh        (from the repository root; needs
#                                         PostgreSQL server binaries; ~5 min)
#
# 5 x aurora with a new connection per probe and 3 x crash with new and
# pooled connections; default scenario parameters, probes every 100ms,
# write and read probes through the write endpoint.
#
# Not yet: 5 x aurora with pooled connections. The recorder's pool dials
# without a connect timeout (record/conn.go sets ConnectTimeout = 0 and
# pgxpool finishes a dial in the background after the probe's context
# ends), so once the endpoint stops answering all pool slots hang for
# good and every later pooled probe is a connect timeout. Enable the line
# below once the pool's dials are bounded.
set -eu
out=lab/testdata/runs
bin=$(mktemp -d)/switchwatch
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/switchwatch
rm -rf "$out"
"$bin" lab run --quiet --scenario aurora --runs 5 --conn new --label clients=new --out "$out"
# "$bin" lab run --quiet --scenario aurora --runs 5 --conn pooled --label clients=pooled --out "$out"
"$bin" lab run --quiet --scenario crash --runs 3 --conn new,pooled --label clients=new+pooled --out "$out"
# The writer's lock files carry nothing.
find "$out" -name _lock -delete
du -sh "$out"
