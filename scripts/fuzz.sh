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
#      min(KHO_FUZZTIME, its share minus the observed start-up cost) seconds,
#      run from its package directory (testdata/fuzz corpora) with go test's
#      fuzz cache ($GOCACHE/fuzz/<package>).
#   A target that cannot get FUZZ_MIN seconds, a build or run that overruns,
#   or a failing input fails the pass (exit 1). The time of each phase is
#   printed.
#
#   KHO_FUZZTIME     seconds per target (default 10, 5 under CI; "10s" is
#                    read as 10; 0 or "off" switches the pass off, refused
#                    under CI)
#   KHO_FUZZ_BUDGET  seconds for running all the targets (default 300, 150
#                    under CI), start-up included
#   KHO_FUZZ_BUILD_TIMEOUT  seconds for building the binaries (default 900)
#   CI               any non-empty value: CI defaults, and off is refused
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export GOTOOLCHAIN=auto
if [[ -n ${CI:-} ]]; then
	FUZZTIME=${KHO_FUZZTIME:-5}
	BUDGET=${KHO_FUZZ_BUDGET:-150}
else
	FUZZTIME=${KHO_FUZZTIME:-10}
	BUDGET=${KHO_FUZZ_BUDGET:-300}
fi
BUILD_TIMEOUT=${KHO_FUZZ_BUILD_TIMEOUT:-900}
FUZZTIME=${FUZZTIME%s}
FUZZ_MIN=2 # the shortest run that still fuzzes past the seed corpus
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

# 2. Run. ovh is the start-up cost seen so far (process, seed corpus and
# cached corpus replayed before fuzzing); a share pays for it first.
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
	t=$SECONDS
	rc=0
	(cd "$dir" && timeout -k 5 $((secs + 120)) "$WORK/${pkg//\//_}.test" -test.run='^$' -test.fuzz="^${name}\$" \
		-test.fuzztime="${secs}s" -test.fuzzcachedir="$cache/$pkg" -test.paniconexit0) >"$WORK/log" 2>&1 || rc=$?
	took=$((SECONDS - t))
	if ((took - secs > ovh)); then
		ovh=$((took - secs))
	fi
	case $rc in
	0)
		printf -- '-- %s %s: ok, %ss of fuzzing in %ss, %s\n' "$pkg" "$name" "$secs" "$took" \
			"$(grep -o 'execs: [0-9]*' "$WORK/log" | tail -n 1)"
		;;
	124 | 137)
		cat "$WORK/log"
		printf -- '-- %s %s: FAILED: stopped after %ss (%ss of fuzzing asked)\n' "$pkg" "$name" "$took" "$secs"
		status=1
		;;
	*)
		cat "$WORK/log"
		printf -- '-- %s %s: FAILED (exit %s); the failing input is kept in %s/testdata/fuzz/%s\n' "$pkg" "$name" "$rc" "$dir" "$name"
		status=1
		;;
	esac
done
printf -- '-- %s fuzz targets: build %ss, run %ss of a %ss budget, total %ss\n' "$n" "$built" $((SECONDS - start - built)) "$BUDGET" $((SECONDS - start))
exit "$status"
