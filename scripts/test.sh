#!/usr/bin/env bash
# Installs what is missing, builds Lathe, and runs every test (lit + FileCheck,
# including a short libFuzzer run over the front end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
bash scripts/build.sh
log=$(mktemp)
set +e
/usr/lib/llvm-22/bin/lit build/test -sv "$@" | tee "$log"
status=${PIPESTATUS[0]}
set -e
count() { grep -E "^ *$1 *: *[0-9]+" "$log" | grep -oE "[0-9]+" | head -1 || true; }
passed=$(count Passed); failed=$(count Failed); unsupported=$(count Unsupported)
unresolved=$(count Unresolved)
failed=$(( ${failed:-0} + ${unresolved:-0} + ${unsupported:-0} ))
echo "${passed:-0} passed, ${failed} failed"
rm -f "$log"
# A test that does not run counts as a failure: nothing skips silently.
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
