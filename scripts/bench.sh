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
#   KHO_BENCH_SIGNING 1 (default) also runs the signing benchmarks (issue 3
#                    item 12) on one core next to `openssl speed rsa2048`,
#                    and kho sign/verify on a 200 MB PDF; 0 skips them
#   KHO_BENCH_ONLY   "signing" runs only the signing step (no test servers)
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
SIGNING=${KHO_BENCH_SIGNING:-1}
ONLY=${KHO_BENCH_ONLY:-}
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

# median NAME UNIT FILE: the median of the UNIT metric of benchmark NAME.
median() {
	grep -E "^$1(-[0-9]+)?[[:space:]]" "$3" | awk -v u="$2" '{for (i = 3; i <= NF; i++) if ($i == u) print $(i - 1)}' |
		sort -g | awk '{v[NR] = $1} END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}

signing_step() {
	# The physical limit of the RSA step: OpenSSL's RSA-2048 signing on one
	# core, 3 runs of 3 s, in the same run as the Go benchmarks.
	header "signing: openssl speed -seconds 3 rsa2048 (3 runs)"
	load
	: >"$OUT/openssl.txt"
	for _ in 1 2 3; do
		openssl speed -seconds 3 rsa2048 2>/dev/null | awk '$1 == "rsa" && $2 == "2048" {print "OpenSSLRSA2048", 1, $6, "signs/s", $7, "verifies/s"}' | tee -a "$OUT/openssl.txt"
	done
	# Signing and verification on one core; the test PKI's responders in
	# this process, then (signing only) in a process of their own.
	bench signing -bench . -benchtime 2s -cpu 1 -count "$COUNT" -timeout 30m ./signing
	KHO_BENCH_PKI=external bench signing-external -bench 'Sign(BB|BT)' -benchtime 2s -cpu 1 -count "$COUNT" -timeout 30m ./signing
	# kho sign and kho verify on a 200 MB PDF: peak RSS (goal: +64 MB at most).
	bench sign-memory -bench LargePDFMemory -benchtime 1x -count 1 -timeout 10m ./e2e
	header "signing: medians and ratios (one core)"
	local ossl gors bb bbx nocheck ver pdfsig
	ossl=$(awk '{print $3}' "$OUT/openssl.txt" | sort -g | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}')
	gors=$(median BenchmarkRSA2048SignGo signs/s "$OUT/signing.txt")
	bb=$(median BenchmarkSignBB1Page signatures/s "$OUT/signing.txt")
	bbx=$(median BenchmarkSignBB1Page signatures/s "$OUT/signing-external.txt")
	nocheck=$(median BenchmarkSignBBNoCheck1Page signatures/s "$OUT/signing.txt")
	ver=$(median BenchmarkVerifyBB1Page verifications/s "$OUT/signing.txt")
	pdfsig=$(median BenchmarkPdfsigVerify1Page verifications/s "$OUT/signing.txt")
	for b in SignBB1Page SignBB100Pages SignBT1Page SignBT100Pages SignBBNoCheck1Page SignBatchBB SignData; do
		printf '%-28s %8s signatures/s  (responders external: %s)\n' "$b" "$(median "Benchmark$b" signatures/s "$OUT/signing.txt")" \
			"$(median "Benchmark$b" signatures/s "$OUT/signing-external.txt")"
	done
	for b in VerifyBB1Page VerifyBB100Pages VerifyBT1Page VerifyBB1PageOCSP VerifyData PdfsigVerify1Page; do
		printf '%-28s %8s verifications/s\n' "$b" "$(median "Benchmark$b" verifications/s "$OUT/signing.txt")"
	done
	printf 'RSA-2048 signs/s: openssl %s, Go crypto/rsa %s (Go/openssl %s)\n' "$ossl" "$gors" "$(awk -v a="$gors" -v b="$ossl" 'BEGIN {printf "%.2f", a / b}')"
	awk -v bb="$bb" -v bbx="$bbx" -v nc="$nocheck" -v o="$ossl" -v g="$gors" -v v="$ver" -v p="$pdfsig" 'BEGIN {
		printf "B-B 1 page / openssl RSA: %.2f (responders external %.2f, no revocation check %.2f); / Go RSA: %.2f\n", bb / o, bbx / o, nc / o, bb / g
		printf "verify B-B 1 page / pdfsig: %.1f x; goals: B-B >= 300/s: %s (external %s); verify >= 500/s: %s\n", v / p,
			(bb >= 300 ? "met" : "MISSED"), (bbx >= 300 ? "met" : "MISSED"), (v >= 500 ? "met" : "MISSED")
	}'
	grep -E 'peak RSS' "$OUT/sign-memory.txt" || true
}

if [[ $ONLY == signing ]]; then
	signing_step
else
	header "starting test servers"
	scripts/testenv.sh up </dev/null >/dev/null
	# shellcheck disable=SC1091
	source "$KHO_TESTENV_STATE/env.sh"

	# Upload through the API vs its floor (raw driver write + POST that reads and
	# hashes), interleaved (goal: ratio = floor / upload >= 0.8).
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

	if [[ $SIGNING == 1 ]]; then
		signing_step
	fi
fi

header "summary"
if ((${#FAILED[@]})); then
	echo "FAILED: ${FAILED[*]}"
	exit 1
fi
echo "all benchmarks ran"
