#!/usr/bin/env bash
# test.sh — the one test command (`make test`, `.ci/run`): start the real test
# servers, run go vet, go test and a short fuzz pass over every Fuzz target,
# stop the servers (also on failure or interrupt), exit non-zero on any failure.
#
#   KHO_FUZZTIME   time per fuzz target (default 10s; 0 or "off" skips fuzzing)
#   KHO_FUZZ_BUDGET  seconds for the whole fuzz pass (default 600): a fuzz run
#                  first builds its package's whole dependency graph with
#                  coverage instrumentation (minutes, cold); targets that do not
#                  fit are reported as skipped, loudly, not as failures
#   KHO_TEST_ARGS  extra arguments for go test (e.g. "-race" or "-run Foo")
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export GOTOOLCHAIN=auto
FUZZTIME=${KHO_FUZZTIME:-10s}
T0=$SECONDS
FUZZ_BUDGET=${KHO_FUZZ_BUDGET:-600}
FAILED=()
WARNINGS=()

header() { printf '\n==== %s ====\n' "$*"; }

# step NAME CMD...: run CMD under a header, print its time, record a failure.
step() {
	local name=$1 t=$SECONDS rc=0
	shift
	header "$name"
	"$@" || rc=$?
	if ((rc == 0)); then
		printf -- '---- %s: ok (%ss)\n' "$name" $((SECONDS - t))
	else
		printf -- '---- %s: FAILED, exit %s (%ss)\n' "$name" "$rc" $((SECONDS - t))
		FAILED+=("$name")
	fi
}

# The servers of this run live in their own state dir, so parallel runs and a
# developer's `make test-servers` do not collide. If this script is killed
# with SIGKILL, the next `testenv.sh up` stops the leftovers.
export KHO_TESTENV_STATE=/tmp/kho-testenv-$(id -u)/test-$$
export KHO_TESTENV_OWNER=$$
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	header "stopping test servers"
	scripts/testenv.sh down || true
	printf '\n==== total %ss ====\n' $((SECONDS - T0))
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

header "go $(go env GOVERSION) on $(nproc) cores, CI=${CI:-}"
t=$SECONDS
header "starting test servers"
scripts/testenv.sh up </dev/null >/dev/null
printf -- '---- servers: ok (%ss)\n' $((SECONDS - t))
# shellcheck disable=SC1091
source "$KHO_TESTENV_STATE/env.sh"

step "go vet" go vet ./...
# shellcheck disable=SC2086
step "go test" go test -count=1 -timeout 20m ${KHO_TEST_ARGS:-} ./...

# fuzz_all: run every Fuzz target for $FUZZTIME, each in its own package.
fuzz_all() {
	local list pkg line name rc=0 n=0 frc left start=$SECONDS
	local -a names=()
	if ! list=$(go test -list '^Fuzz' ./... 2>&1); then
		grep -v -e '^Fuzz' -e '^ok' -e '^?' <<<"$list" || true
		echo "some packages could not be listed (above); fuzzing the others"
		rc=1
	fi
	# go test -list prints the names of a package, then "ok  <pkg> <time>".
	while IFS= read -r line; do
		case $line in
		Fuzz*) names+=("$line") ;;
		ok*)
			pkg=$(awk '{print $2}' <<<"$line")
			for name in "${names[@]}"; do
				n=$((n + 1))
				left=$((FUZZ_BUDGET - (SECONDS - start)))
				if ((left <= 0)); then
					printf -- '-- %s %s: SKIPPED, fuzz budget of %ss used up\n' "$pkg" "$name" "$FUZZ_BUDGET"
					WARNINGS+=("fuzz target $pkg $name skipped (budget)")
					continue
				fi
				printf -- '-- %s %s (%s)\n' "$pkg" "$name" "$FUZZTIME"
				frc=0
				timeout -k 10 "$left" go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$pkg" || frc=$?
				case $frc in
				0) ;;
				124 | 137)
					printf -- '-- %s %s: STOPPED, fuzz budget of %ss used up (the instrumented build is cached for the next run)\n' "$pkg" "$name" "$FUZZ_BUDGET"
					WARNINGS+=("fuzz target $pkg $name stopped (budget)")
					;;
				*) rc=1 ;;
				esac
			done
			names=()
			;;
		esac
	done <<<"$list"
	echo "$n fuzz targets"
	return "$rc"
}
if [[ $FUZZTIME == 0 || $FUZZTIME == off ]]; then
	header "fuzz: skipped (KHO_FUZZTIME=$FUZZTIME)"
else
	step "fuzz" fuzz_all
fi

header "summary"
for w in "${WARNINGS[@]}"; do
	echo "WARNING: $w"
done
if ((${#FAILED[@]})); then
	echo "FAILED: ${FAILED[*]}"
	exit 1
fi
echo "all passed"
