#!/bin/sh
# Regenerates testdata/runs: real lab runs recorded on this machine,
# shipped so that the analyzer and the report have real data to work on,
# and so that the README can compare switchover strategies on them.
#
#   sh testdata/regenerate-runs.sh [OUT]   (from the repository root; OUT
#                                          defaults to testdata/runs; needs
#                                          PostgreSQL server binaries,
#                                          pgbouncer, patroni, etcd-server
#                                          and haproxy; ~12 min)
#
# 4 runs each of four strategies, every one with the same probe workload
# (lab run's defaults: write and read probes every 100ms through the write
# endpoint, a new connection per probe and a pooled one, the default
# timeouts) and each scenario's default parameters:
#   aurora     the lab's proxy, Aurora Blue/Green style
#   dns        a DNS endpoint flip, RDS Blue/Green as documented
#   pgbouncer  PgBouncer PAUSE/RESUME
#   patroni    patronictl switchover, clients through HAProxy
# Four per side is what a Mann-Whitney U test needs to find a difference
# at the 5% level at all. Compare them with
#   switchwatch analyze --by scenario -o report-out testdata/runs
set -eu
out=${1:-testdata/runs}
bin=$(mktemp -d)/switchwatch
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/switchwatch
rm -rf "$out"
for scenario in aurora dns pgbouncer patroni; do
	"$bin" lab run --quiet --scenario "$scenario" --runs 4 --conn new,pooled --out "$out"
done
# The writer's lock files carry nothing.
find "$out" -name _lock -delete
du -sh "$out"
