#!/usr/bin/env bash
# test.sh — the one test command (`make test`, `.ci/run`): start the real test
# servers, check that cgo is on, run go vet, go test and a short fuzz pass
# over every Fuzz target (scripts/fuzz.sh), stop the servers (also on failure or interrupt),
# exit non-zero on any failure.
#
#   CI               when set (CI=true), nothing may be left out: cgo off, a
#                    skipped test (scripts/skips-allowed.txt lists the few
#                    deliberate ones) or a fuzz target that did not get its
#                    run is a failure, not a warning
#   KHO_FUZZTIME, KHO_FUZZ_BUDGET  the fuzz pass (scripts/fuzz.sh)
#   KHO_TEST_ARGS    extra arguments for go test (e.g. "-race" or "-run Foo")
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export GOTOOLCHAIN=auto
CI_RUN=${CI:-} # any non-empty value, as internal/testenv reads it
T0=$SECONDS
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

# lapse MSG: under CI a failure of the current step (returns 1), otherwise a
# warning repeated in the summary (returns 0).
lapse() {
	if [[ -n $CI_RUN ]]; then
		echo "ERROR (CI): $*"
		return 1
	fi
	echo "WARNING: $*"
	WARNINGS+=("$*")
}

# The servers of this run live in their own state dir, so parallel runs and a
# developer's `make test-servers` do not collide. If this script is killed
# with SIGKILL, the next `testenv.sh up` stops the leftovers.
export KHO_TESTENV_STATE=/tmp/kho-testenv-$(id -u)/test-$$
export KHO_TESTENV_OWNER=$$
WORK=$(mktemp -d /tmp/kho-test-XXXXXX)
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	header "stopping test servers"
	scripts/testenv.sh down || true
	rm -rf "$WORK"
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

# check_cgo: the PKCS#11 tests (signing/pkcs11_test.go and cmd/kho's
# *pkcs11_test.go, build tag cgo) exist only when cgo is on and the C
# compiler works; without it go test drops them without a word.
check_cgo() {
	local cgo cc
	cgo=$(go env CGO_ENABLED)
	cc=$(go env CC)
	if [[ $cgo != 1 ]]; then
		lapse "cgo is off (go env CGO_ENABLED=$cgo${CGO_ENABLED:+, set in the environment}): the PKCS#11 tests would not be built; install gcc (Debian gcc) and unset CGO_ENABLED"
		return
	fi
	if ! printf 'int main(void) { return 0; }\n' | $cc -x c -o "$WORK/cc-check" - 2>"$WORK/cc-check.log"; then
		cat "$WORK/cc-check.log"
		lapse "the C compiler \"$cc\" (go env CC) does not work: the PKCS#11 tests cannot be built"
		return
	fi
	if ! go list -test -f '{{join .TestGoFiles " "}}' ./signing | grep -qw pkcs11_test.go; then
		lapse "signing/pkcs11_test.go is not part of the signing tests although cgo is on"
		return
	fi
	echo "cgo on, $cc works, the PKCS#11 tests are built"
}
step "cgo" check_cgo

step "go vet" go vet ./...

# go_test: go test ./... with its output reduced to what a person reads
# (cmd/testsummary): failures, skips and one line per package. Under CI a
# skip that scripts/skips-allowed.txt does not list fails the step.
go_test() {
	local rc=0
	go build -o "$WORK/testsummary" ./internal/cmd/testsummary || return 1
	# shellcheck disable=SC2086
	go test -json -count=1 -timeout 20m ${KHO_TEST_ARGS:-} ./... |
		"$WORK/testsummary" -allowed scripts/skips-allowed.txt ${CI_RUN:+-strict} || rc=$?
	return "$rc"
}
step "go test" go_test

step "fuzz" scripts/fuzz.sh

header "summary"
for w in "${WARNINGS[@]}"; do
	echo "WARNING: $w"
done
if ((${#FAILED[@]})); then
	echo "FAILED: ${FAILED[*]}"
	exit 1
fi
echo "all passed"
