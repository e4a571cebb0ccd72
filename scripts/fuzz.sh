#!/usr/bin/env bash
# fuzz.sh — the short fuzz pass of `make test` (scripts/test.sh runs it after
# go test): every Fuzz target of the module fuzzes for a few seconds, inside
# a fixed budget, and no target is ever dropped for lack of time.
#
#   1. Build each package's coverage-instrumented test binary once
#      (`go test -c -fuzz=.`; minutes cold, since every dependency is
#      instrumented too, seconds warm). Like go test's own compiling, this
#      is not part of the budget; it has a time limit of its own.
#   2. Share the budget between the targets: each fuzzes for
#      min(KHO_FUZZTIME, its share minus the observed start-up cost) seconds
#      counted from the end of its start-up (set-up and corpus replay), run
#      from its package directory (testdata/fuzz corpora) with go test's
#      fuzz cache ($GOCACHE/fuzz/<package>).
#   A target that cannot get FUZZ_MIN seconds, that does not start fuzzing
#   within SETUP_MAX, a build or run that overruns, or a failing input fails
#   the pass (exit 1). The time of each phase is printed.
#
# Measured 2026-12-07 with the CI defaults, on 2 cores shared with other
# jobs (load 10-19): cold (empty GOCACHE) 10.4 min in all, of which listing
# and building 511 s (the listing compiles what go test would already have
# compiled) and running 112 s; 5.7 min of CPU. Warm: 38 s of listing and
# building, 140 s of running, 3.0 min in all.
#
#   KHO_FUZZTIME     seconds per target (default 10, 5 under CI; "10s" is
#                    read as 10; 0 or "off" switches the pass off, refused
#                    under CI)
#   KHO_FUZZ_BUDGET  seconds for running all the targets (default 600, 450
#                    under CI), start-up included
#   KHO_FUZZ_BUILD_TIMEOUT  seconds for building the binaries (default 900)
#   CI               any non-empty value: CI defaults, and off is refused
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export GOTOOLCHAIN=auto
if [[ -n ${CI:-} ]]; then
	FUZZTIME=${KHO_FUZZTIME:-5}
	BUDGET=${KHO_FUZZ_BUDGET:-450}
else
	FUZZTIME=${KHO_FUZZTIME:-10}
	BUDGET=${KHO_FUZZ_BUDGET:-600}
fi
BUILD_TIMEOUT=${KHO_FUZZ_BUILD_TIMEOUT:-900}
FUZZTIME=${FUZZTIME%s}
FUZZ_MIN=2   # the shortest run that still fuzzes past the seed corpus
SETUP_MAX=120 # the longest a target may take to set up and replay its corpus
if [[ ! $FUZZTIME =~ ^([0-9]+|off)$ || ! $BUDGET =~ ^[0-9]+$ || ! $BUILD_TIMEOUT =~ ^[0-9]+$ ]]; then
	echo "fuzz: KHO_FUZZTIME must be whole seconds or off (got $FUZZTIME), KHO_FUZZ_BUDGET and KHO_FUZZ_BUILD_TIMEOUT seconds (got $BUDGET, $BUILD_TIMEOUT)" >&2
	exit 2
fi
if [[ $FUZZTIME == 0 || $FUZZTIME == off ]]; then
	if [[ -n ${CI:-} ]]; then
		echo "fuzz: ERROR (CI): the fuzz pass may not be switched off under CI (KHO_FUZZTIME=$FUZZTIME)"
		exit 1
	fi
	echo "fuzz: off (KHO_FUZZTIME=$FUZZTIME)"
	exit 0
fi

WORK=$(mktemp -d /tmp/kho-fuzz-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
start=$SECONDS

# The targets: go test -list prints a package's names, then "ok  <pkg> <time>".
# Only the packages whose tests mention a Fuzz function are listed (listing
# runs each package's TestMain; e2e's builds the kho binary).
mapfile -t dirs < <(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -rn1 dirname | sort -u)
if ((${#dirs[@]} == 0)); then
	echo "fuzz: no Fuzz targets found"
	exit 1
fi
list=$(go test -list '^Fuzz' "${dirs[@]}" 2>&1) || {
	echo "$list"
	echo "fuzz: the fuzz targets could not be listed"
	exit 1
}
pkgs=()
targets=()
names=()
while IFS= read -r line; do
	case $line in
	Fuzz*) names+=("$line") ;;
	ok*)
		if ((${#names[@]})); then
			pkg=$(awk '{print $2}' <<<"$line")
			pkgs+=("$pkg")
			for name in "${names[@]}"; do
				targets+=("$pkg $name")
			done
		fi
		names=()
		;;
	esac
done <<<"$list"
n=${#targets[@]}
if ((n == 0)); then
	echo "fuzz: no Fuzz targets found"
	exit 1
fi
echo "$n fuzz targets in ${#pkgs[@]} packages; at most ${FUZZTIME}s each, ${BUDGET}s in all (building apart)"
printf -- '-- listed (%ss)\n' $((SECONDS - start))

# 1. Build, one package at a time (go test -c refuses -fuzz with several).
for pkg in "${pkgs[@]}"; do
	left=$((BUILD_TIMEOUT - (SECONDS - start)))
	t=$SECONDS
	rc=0
	timeout -k 10 "$left" go test -c -fuzz=. -o "$WORK/${pkg//\//_}.test" "$pkg" || rc=$?
	if ((rc != 0)); then
		echo "fuzz: FAILED: building the fuzz binary of $pkg (exit $rc; 124: over KHO_FUZZ_BUILD_TIMEOUT=${BUILD_TIMEOUT}s)"
		exit 1
	fi
	printf -- '-- built %s (%ss)\n' "$pkg" $((SECONDS - t))
done
built=$((SECONDS - start))
printf -- '-- listing and instrumented build: %ss\n' "$built"

# 2. Run. A target first sets itself up in every process (the signing
# targets make a test PKI: seconds) and replays its corpus ("gathering
# baseline coverage"); -test.fuzztime would count that time too, and a slow
# setup would then leave no time to fuzz. So each target fuzzes for secs
# seconds from the moment it says "now fuzzing", then gets SIGINT (the
# fuzzer stops cleanly and passes). ovh is the longest start-up seen so
# far; a share pays for it first. A start-up over SETUP_MAX fails.
cache=$(go env GOCACHE)/fuzz
ovh=3
status=0
for ((i = 0; i < n; i++)); do
	read -r pkg name <<<"${targets[i]}"
	left=$((BUDGET - (SECONDS - start - built)))
	share=$((left / (n - i) - ovh))
	secs=$((share < FUZZTIME ? share : FUZZTIME))
	if ((secs < FUZZ_MIN)); then
		printf -- '-- %s %s: NOT RUN: %ss left for %s targets, each needing %ss plus %ss to start (raise KHO_FUZZ_BUDGET)\n' \
			"$pkg" "$name" "$left" $((n - i)) "$FUZZ_MIN" "$ovh"
		status=1
		continue
	fi
	dir=$(go list -f '{{.Dir}}' "$pkg")
	log=$WORK/$name.log
	t=$SECONDS
	fuzzing=0 # when fuzzing began, in $SECONDS
	stopped=""
	: >"$log"
	(cd "$dir" && exec "$WORK/${pkg//\//_}.test" -test.run='^$' -test.fuzz="^${name}\$" \
		-test.fuzztime="$((secs + SETUP_MAX))s" -test.fuzzcachedir="$cache/$pkg" -test.paniconexit0) >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if ((fuzzing == 0)) && grep -q 'now fuzzing' "$log"; then
			fuzzing=$SECONDS
		fi
		if ((fuzzing > 0 && SECONDS - fuzzing >= secs)); then
			kill -INT "$pid" 2>/dev/null || true
			break
		fi
		if ((fuzzing == 0 && SECONDS - t > SETUP_MAX)); then
			kill -KILL "$pid" 2>/dev/null || true
			stopped="its set-up and corpus took over ${SETUP_MAX}s"
			break
		fi
		sleep 0.2
	done
	# SIGINT ends fuzzing within a second or two; allow ten.
	for ((w = 0; w < 50; w++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		stopped="it did not stop within 10 s of SIGINT"
	fi
	rc=0
	wait "$pid" || rc=$?
	took=$((SECONDS - t))
	if ((fuzzing > 0 && fuzzing - t > ovh)); then
		ovh=$((fuzzing - t))
	fi
	if [[ -n $stopped ]]; then
		cat "$log"
		printf -- '-- %s %s: FAILED: %s\n' "$pkg" "$name" "$stopped"
		status=1
	elif ((rc != 0)); then
		cat "$log"
		printf -- '-- %s %s: FAILED (exit %s); a failing input is kept in %s/testdata/fuzz/%s\n' "$pkg" "$name" "$rc" "$dir" "$name"
		status=1
	elif ((fuzzing == 0)); then
		cat "$log"
		printf -- '-- %s %s: FAILED: it ended without fuzzing\n' "$pkg" "$name"
		status=1
	else
		printf -- '-- %s %s: ok, %ss to start, %ss of fuzzing, %s\n' "$pkg" "$name" $((fuzzing - t)) $((took - (fuzzing - t))) \
			"$(grep -o 'execs: [0-9]*' "$log" | tail -n 1)"
	fi
done
printf -- '-- %s fuzz targets: build %ss, run %ss of a %ss budget, total %ss\n' "$n" "$built" $((SECONDS - start - built)) "$BUDGET" $((SECONDS - start))
exit "$status"
