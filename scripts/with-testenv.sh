#!/usr/bin/env bash
# with-testenv.sh CMD...: run CMD with fresh test servers up and their env
# vars set; stop the servers afterwards (also on failure or interrupt).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export GOTOOLCHAIN=auto
export KHO_TESTENV_STATE=/tmp/kho-testenv-$(id -u)/with-$$
export KHO_TESTENV_OWNER=$$
trap 'rc=$?; trap - EXIT; scripts/testenv.sh down || true; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
scripts/testenv.sh up </dev/null >/dev/null
# shellcheck disable=SC1091
source "$KHO_TESTENV_STATE/env.sh"
"$@"
