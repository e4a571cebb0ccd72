#!/usr/bin/env bash
# bench-dossiers.sh — issue 10 item 12: a simulated day of a provincial
# one-stop shop on both metadata drivers, with public lookups through HTTP
# at the same time.
#
# For each deployment it starts `kho serve` (embedded: a new data folder;
# minio+ferretdb: a new database and bucket on the test servers it starts
# with scripts/testenv.sh), runs bench's BenchmarkDossierDay on the SAME
# stores (a second process, as a second kho serve would be: dossiers made
# and handled by 200 officers), and, once dossiers have been submitted,
# points vegeta at GET /api/v1/public/dossiers/{code} of kho serve with
# KHO_BENCH_CONNECTIONS workers, each on its own connection, sending
# requests back to back (the 2023 circular's 5,000 concurrent users, all
# of them active: harsher than its 833). Raw outputs go to KHO_BENCH_OUT.
#
#   KHO_BENCH_DOSSIERS     dossiers of the day (default 20000; see BenchmarkDossierDay
#                          for KHO_BENCH_RATE, _OFFICERS, _APPLICANTS, _SUPPLEMENT)
#   KHO_BENCH_LOOKUPS      in-process lookups beside vegeta's (default 0)
#   KHO_BENCH_CONNECTIONS  vegeta's concurrent connections (default 5000)
#   KHO_BENCH_VEGETA_DURATION  how long vegeta sends (default 60s; it stops
#                          earlier if the day ends first)
#   KHO_BENCH_DEPLOYS      "embedded minio+ferretdb" (default) or one of them
#   KHO_BENCH_OUT          raw outputs (default bench/testdata/<today, UTC>)
#
# vegeta (github.com/tsenart/vegeta/v12, the Go module proxy) is built
# once into $KHO_CACHE/bin (default ~/.cache/kho/bin) from a throwaway
# wrapper module, as scripts/testenv.sh builds the test servers.
# kho serve caps connections (--max-conns 4096, --max-conns-per-client
# 128): all of vegeta's come from 127.0.0.1, as a load balancer's would,
# so the script exempts loopback from the per-client cap (--conn-limit-exempt,
# as docs/deployment.md says for a proxy) and raises the total above
# KHO_BENCH_CONNECTIONS. 5,000 connections need more open files than the usual 1024: the script
# raises `ulimit -n` to 65536 (or the hard limit, and says so).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export GOTOOLCHAIN=auto
DOSSIERS=${KHO_BENCH_DOSSIERS:-20000}
CONNS=${KHO_BENCH_CONNECTIONS:-5000}
DURATION=${KHO_BENCH_VEGETA_DURATION:-60s}
DEPLOYS=${KHO_BENCH_DEPLOYS:-embedded minio+ferretdb}
OUT=${KHO_BENCH_OUT:-bench/testdata/$(date -u +%F)}
CACHE=${KHO_CACHE:-$HOME/.cache/kho}
VEGETA_MODULE=github.com/tsenart/vegeta/v12
VEGETA_VERSION=v12.13.0
VEGETA=$CACHE/bin/vegeta
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/kho-bench-dossiers-XXXXXX)

log() { printf 'bench-dossiers: %s\n' "$*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# Open files: each of vegeta's connections is one on each side.
# vegeta and kho serve are two processes here, each with its own limit;
# each needs CONNS descriptors and some to spare.
if ! ulimit -n 65536 2>/dev/null; then
	ulimit -n "$(ulimit -Hn)"
	if (($(ulimit -n) < CONNS + 1024)); then
		log "ulimit -n is capped at $(ulimit -n): fewer than $CONNS connections can open"
	fi
fi
log "ulimit -n $(ulimit -n)"

SERVE_PID=
TESTENV_UP=
export KHO_TESTENV_STATE=/tmp/kho-testenv-$(id -u)/bench-dossiers-$$
export KHO_TESTENV_OWNER=$$
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n $SERVE_PID ]]; then
		kill "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
	fi
	[[ -n $TESTENV_UP ]] && scripts/testenv.sh down >/dev/null || true
	rm -rf "$WORK"
	log "raw outputs in $OUT"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# build_vegeta builds vegeta once into $VEGETA (a lock keeps two runs from
# building it at the same time).
build_vegeta() {
	if [[ -x $VEGETA && -f $VEGETA.version && $(cat "$VEGETA.version") == "$VEGETA_VERSION" ]]; then
		return 0
	fi
	mkdir -p "$CACHE/bin" "$CACHE/build/vegeta"
	exec {lock}>"$CACHE/build/vegeta.lock"
	flock "$lock"
	if ! [[ -x $VEGETA && -f $VEGETA.version && $(cat "$VEGETA.version") == "$VEGETA_VERSION" ]]; then
		log "building vegeta $VEGETA_VERSION into $VEGETA"
		(
			cd "$CACHE/build/vegeta"
			export GOFLAGS="-mod=mod -buildvcs=false"
			[[ -f go.mod ]] || go mod init x
			printf '//go:build tools\n\npackage x\n\nimport _ "%s"\n' "$VEGETA_MODULE" >tools.go
			go get "$VEGETA_MODULE@$VEGETA_VERSION"
			go build -trimpath -o "$VEGETA.tmp" "$VEGETA_MODULE"
			mv -f "$VEGETA.tmp" "$VEGETA"
			echo "$VEGETA_VERSION" >"$VEGETA.version"
		) >"$CACHE/build/vegeta.log" 2>&1 || { tail -n 20 "$CACHE/build/vegeta.log" >&2; exit 1; }
	fi
	exec {lock}>&-
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

build_vegeta
go build -o "$WORK/kho" ./cmd/kho
if [[ $DEPLOYS == *minio* ]]; then
	envfile=$(scripts/testenv.sh up)
	TESTENV_UP=1
	# shellcheck disable=SC1090
	source "$envfile"
fi

for dep in $DEPLOYS; do
	name=${dep//+/-}
	port=$(free_port)
	base=http://127.0.0.1:$port
	benchenv=(KHO_BENCH_DEPLOY="$dep" KHO_BENCH_DOSSIERS="$DOSSIERS" KHO_BENCH_LOOKUPS="${KHO_BENCH_LOOKUPS:-0}"
		KHO_BENCH_CODES="$WORK/codes-$name.txt")
	case $dep in
	embedded)
		args=(--data "$WORK/data-$name")
		benchenv+=(KHO_BENCH_SHARED_DATA="$WORK/data-$name")
		;;
	minio+ferretdb)
		db=benchday$$ bucket=benchday-$$
		args=(--mongo-uri "$KHO_TEST_MONGO_URI" --mongo-db "$db" --s3-endpoint "$KHO_TEST_S3_ENDPOINT" --s3-bucket "$bucket"
			--s3-access-key "$KHO_TEST_S3_ACCESS_KEY")
		export KHO_S3_SECRET_KEY=$KHO_TEST_S3_SECRET_KEY
		benchenv+=(KHO_BENCH_SHARED_DB="$db" KHO_BENCH_SHARED_BUCKET="$bucket")
		;;
	*)
		log "unknown deployment $dep"
		exit 2
		;;
	esac
	: >"$WORK/codes-$name.txt"
	log "$dep: kho serve on $base; load average $(load)"
	"$WORK/kho" serve --addr "127.0.0.1:$port" --max-conns $((CONNS + 256)) --conn-limit-exempt 127.0.0.0/8 "${args[@]}" >"$WORK/serve-$name.log" 2>&1 &
	SERVE_PID=$!
	for _ in $(seq 100); do
		curl -fsS "$base/healthz" >/dev/null 2>&1 && break
		kill -0 "$SERVE_PID" 2>/dev/null || { tail -n 20 "$WORK/serve-$name.log" >&2; exit 1; }
		sleep 0.2
	done

	log "$dep: the day (${DOSSIERS} dossiers) through BenchmarkDossierDay"
	env "${benchenv[@]}" go test -run '^$' -bench "DossierDay/${dep//+/[+]}\$" -benchtime 1x -timeout 3h ./bench \
		>"$OUT/dossier-day-$name.txt" 2>&1 &
	bench_pid=$!
	# Wait for some submitted dossiers (or the day's end) before looking them up.
	want=$((DOSSIERS / 4 < 500 ? (DOSSIERS + 3) / 4 : 500))
	while kill -0 "$bench_pid" 2>/dev/null && (($(wc -l <"$WORK/codes-$name.txt") < want)); do sleep 0.5; done
	if kill -0 "$bench_pid" 2>/dev/null; then
		sed "s|^|GET $base/api/v1/public/dossiers/|" "$WORK/codes-$name.txt" >"$WORK/targets-$name.txt"
		log "$dep: vegeta, $CONNS connections, $(wc -l <"$WORK/targets-$name.txt") codes, for $DURATION; load average $(load)"
		"$VEGETA" attack -targets "$WORK/targets-$name.txt" -rate 0 -workers "$CONNS" -max-workers "$CONNS" \
			-connections "$CONNS" -duration "$DURATION" -timeout 30s >"$WORK/vegeta-$name.bin" &
		vegeta_pid=$!
		# The lookups run while the day does: stop them when it ends.
		while kill -0 "$vegeta_pid" 2>/dev/null && kill -0 "$bench_pid" 2>/dev/null; do sleep 0.5; done
		kill -INT "$vegeta_pid" 2>/dev/null || true
		wait "$vegeta_pid" || true
		{
			echo "# vegeta $VEGETA_VERSION: GET /api/v1/public/dossiers/{code}, $CONNS connections, rate 0 (back to back), $dep, $(date -u +%FT%TZ), load average $(load)"
			# The error set can list every failed request: keep its first lines.
			"$VEGETA" report <"$WORK/vegeta-$name.bin" | head -n 30
			"$VEGETA" report -type 'hist[0,10ms,50ms,100ms,500ms,1s,2.5s,5s,10s,30s]' <"$WORK/vegeta-$name.bin"
		} >"$OUT/dossier-day-$name-vegeta.txt"
		cat "$OUT/dossier-day-$name-vegeta.txt"
	else
		log "$dep: the day ended before $want dossiers were submitted: no HTTP lookups"
	fi
	rc=0
	wait "$bench_pid" || rc=$?
	grep -A40 -E '^--- BENCH|^--- FAIL|^FAIL' "$OUT/dossier-day-$name.txt" || true
	kill "$SERVE_PID"
	wait "$SERVE_PID" || true
	SERVE_PID=
	# kho serve's log has a line per request: keep the rest, the count of
	# each status, and one failure of each error code.
	{
		grep -v -e ' msg=request ' -e ' msg="request failed" ' "$WORK/serve-$name.log" || true
		echo "# requests by status:"
		grep -o ' msg=request .* status=[0-9]*' "$WORK/serve-$name.log" | sed 's/.* status=//' | sort | uniq -c || true
		echo "# one failure of each code:"
		grep ' msg="request failed" ' "$WORK/serve-$name.log" | sed -n 's/.* code=\([^ ]*\).*/\1\t&/p' |
			awk -F'\t' '!seen[$1]++ { print $2 }' | cut -c1-600 || true
	} >"$OUT/dossier-day-$name-serve.txt"
	((rc == 0)) || { log "$dep: the benchmark failed (exit $rc); see $OUT/dossier-day-$name.txt"; exit "$rc"; }
	log "$dep: done; load average $(load)"
done
