#!/usr/bin/env bash
# bench.sh — run the benchmarks docs/benchmarks.md quotes (issue 2 item 9)
# against fresh test servers, print the results (medians with benchstat when
# it is installed) and stop the servers (also on failure or interrupt).
#
#   KHO_BENCH_COUNT  runs of each benchmark (default 5; benchstat wants >= 5)
#   KHO_BENCH_MONGO  1 (default) also runs storage/mongo's BenchmarkListDocuments
#                    once as is and once with GIN indexes on FerretDB's
#                    PostgreSQL tables; 0 skips both (seeding takes minutes)
#   KHO_BENCH_MEMORY 1 (default) also runs e2e TestLargeFileMemory (500 MB up
#                    and down, embedded and MinIO+FerretDB); 0 skips it
#   KHO_BENCH_OUT    directory for the raw outputs (default a new /tmp dir)
#
# On a 2-core machine the whole run takes 8 (quiet) to 11 (loaded) minutes.
# Numbers worth writing down need an otherwise idle machine: the load
# average is printed before and after each step.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export GOTOOLCHAIN=auto
COUNT=${KHO_BENCH_COUNT:-5}
MONGO=${KHO_BENCH_MONGO:-1}
MEMORY=${KHO_BENCH_MEMORY:-1}
OUT=${KHO_BENCH_OUT:-$(mktemp -d /tmp/kho-bench-XXXXXX)}
mkdir -p "$OUT"
T0=$SECONDS
FAILED=()

header() { printf '\n==== %s ====\n' "$*"; }
load() { printf -- '-- load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"; }

export KHO_TESTENV_STATE=/tmp/kho-testenv-$(id -u)/bench-$$
export KHO_TESTENV_OWNER=$$
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	header "stopping test servers"
	scripts/testenv.sh down || true
	printf '\n==== total %ss; raw outputs in %s ====\n' $((SECONDS - T0)) "$OUT"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# benchstat: the one on PATH or in GOPATH/bin, else built from the module
# proxy; without it the raw lines are printed.
BENCHSTAT=$(command -v benchstat || true)
if [[ -z $BENCHSTAT ]]; then
	BENCHSTAT=$(go env GOPATH)/bin/benchstat
	[[ -x $BENCHSTAT ]] || go install golang.org/x/perf/cmd/benchstat@latest >/dev/null 2>&1 || true
	[[ -x $BENCHSTAT ]] || BENCHSTAT=
fi

# bench NAME GO-TEST-ARGS...: run go test with the arguments, keep the output
# in $OUT/NAME.txt, summarise it, record a failure.
bench() {
	local name=$1 t=$SECONDS rc=0
	shift
	header "$name: go test $*"
	sync # start with no dirty pages left by the step before
	load
	go test -run '^$' "$@" >"$OUT/$name.txt" 2>&1 || rc=$?
	grep -E '^(Benchmark|bench:|seeded|FAIL|---|panic)' "$OUT/$name.txt" || true
	if ((rc != 0)); then
		tail -n 30 "$OUT/$name.txt"
		FAILED+=("$name")
	elif [[ -n $BENCHSTAT ]]; then
		"$BENCHSTAT" "$OUT/$name.txt" || true
	fi
	load
	printf -- '---- %s: %s (%ss)\n' "$name" "$( ((rc == 0)) && echo ok || echo "FAILED, exit $rc")" $((SECONDS - t))
}

header "go $(go env GOVERSION) on $(nproc) cores, $(date -u +%FT%TZ)"
load
header "starting test servers"
scripts/testenv.sh up </dev/null >/dev/null
# shellcheck disable=SC1091
source "$KHO_TESTENV_STATE/env.sh"

# Upload through the API vs raw driver writes, interleaved (goal ratio >= 0.7).
# First, while the disk has no backlog of dirty pages from other steps.
bench upload -bench Upload -benchtime 3s -count "$COUNT" -timeout 30m ./bench
# Where an upload's metadata time goes: each store call, timed (once).
bench store-calls -bench StoreCalls -benchtime 3s -count 1 ./bench
# Blob drivers alone: raw writes and Bucket.Put, 1 MB and 20 MB.
bench drivers -bench 'DriverWrite|BucketPut' -benchmem -count "$COUNT" ./storage/localfs ./storage/s3
# Listing through the API, embedded, 100k documents (goal p99 < 20 ms).
bench list-api -bench List -benchtime 1000x -count "$COUNT" -timeout 30m ./bench
# Listing at the store, embedded (goal p99 < 20 ms).
bench list-sqlite -bench ListDocuments -benchtime 1000x -count "$COUNT" -timeout 30m ./storage/sqlite
if [[ $MONGO == 1 ]]; then
	# Listing at the store, FerretDB (goal p99 < 50 ms; see the doc): once.
	bench list-mongo -bench ListDocuments -benchtime 100x -count 1 -timeout 60m ./storage/mongo
	# The same with GIN indexes that FerretDB's PostgreSQL can use (docs).
	KHO_BENCH_FERRETDB_GIN=1 bench list-mongo-gin -bench ListDocuments -benchtime 100x -count 1 -timeout 60m ./storage/mongo
fi
if [[ $MEMORY == 1 ]]; then
	header "memory: e2e TestLargeFileMemory (500 MB up and down)"
	load
	t=$SECONDS
	if go test -count=1 -run '^TestLargeFileMemory$' -v -timeout 30m ./e2e >"$OUT/memory.txt" 2>&1; then
		grep -E 'resident memory|^(---|===|ok|PASS)' "$OUT/memory.txt" || true
		printf -- '---- memory: ok (%ss)\n' $((SECONDS - t))
	else
		tail -n 40 "$OUT/memory.txt"
		printf -- '---- memory: FAILED (%ss)\n' $((SECONDS - t))
		FAILED+=(memory)
	fi
	load
fi

header "summary"
if ((${#FAILED[@]})); then
	echo "FAILED: ${FAILED[*]}"
	exit 1
fi
echo "all benchmarks ran"
