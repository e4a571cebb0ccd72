#!/usr/bin/env bash
# bench-stats.sh — issue 13 item 8: the yearly statistics page over
# 1,000,000 dossiers on both metadata drivers, beside its floor.
#
# The first run loads the synthetic province (bench/statsgen_test.go) into
# a kept SQLite file and a kept FerretDB database (7–14 minutes each on
# 2 cores, 5–6 GB of disk each; then SQLite's aggregates, about 8 minutes),
# later runs reuse them; a stopped
# load goes on where it stopped. The FerretDB database lives on the test
# servers of KHO_TESTENV_STATE (default: a state dir of its own, kept up
# after the run so the next run finds it; `scripts/testenv.sh down` with
# that state ends them and the database).
#
#   KHO_BENCH_STATS_N    dossiers (default 1000000)
#   KHO_BENCH_STATS_DIR  where the SQLite file is kept (default /tmp/kho-statsbench)
#   KHO_BENCH_COUNT      runs of each benchmark (default 3)
#   KHO_BENCH_BENCHTIME  iterations of each run (default 5x)
#   KHO_BENCH_RUN        benchmarks (default 'BenchmarkStatsFloor|BenchmarkYearlyStats|BenchmarkStatsConcurrent')
#   KHO_BENCH_OUT        raw output (default bench/testdata/<today, UTC>/stats.txt)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export GOTOOLCHAIN=auto
export KHO_TESTENV_STATE=${KHO_TESTENV_STATE:-/tmp/kho-testenv-$(id -u)/bench-stats}
OUT=${KHO_BENCH_OUT:-bench/testdata/$(date -u +%F)/stats.txt}
mkdir -p "$(dirname "$OUT")"
load() { printf 'bench-stats: load average %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >&2; }

# shellcheck disable=SC1090
source "$(scripts/testenv.sh up)"
load
go test ./bench -run '^$' -bench "${KHO_BENCH_RUN:-BenchmarkStatsFloor|BenchmarkYearlyStats|BenchmarkStatsConcurrent}" \
	-benchtime "${KHO_BENCH_BENCHTIME:-5x}" -count "${KHO_BENCH_COUNT:-3}" -timeout 3h -v | tee "$OUT"
load
