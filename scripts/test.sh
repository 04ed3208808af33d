#!/usr/bin/env bash
# Installs what is missing, builds Lathe, and runs every test (lit + FileCheck,
# including a short libFuzzer run over the front end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
bash scripts/build.sh
log=$(mktemp)
set +e
/usr/lib/llvm-22/bin/lit build/test -sv --show-unsupported "$@" | tee "$log"
status=${PIPESTATUS[0]}
set -e
count() { grep -E "^ *$1 *: *[0-9]+" "$log" | grep -oE "[0-9]+" | head -1 || true; }
passed=$(count Passed); failed=$(count Failed); unresolved=$(count Unresolved)
# A test that does not run counts as a failure: nothing skips silently. The
# one exception is hardware: tests in test/gpu/ that need an NVIDIA GPU (or
# NVIDIA's ptxas), or its absence, are listed here by name instead.
unsupported=$(awk '/^Unsupported Tests \(/ {f = 1; next} f && /^ *$/ {f = 0}
  f {sub(/^ *Lathe :: /, ""); print}' "$log")
hardware=$(printf '%s\n' "$unsupported" | grep -E "^gpu/" || true)
other=$(printf '%s\n' "$unsupported" | grep -cvE "^(gpu/|$)" || true)
failed=$(( ${failed:-0} + ${unresolved:-0} + other ))
echo "${passed:-0} passed, ${failed} failed"
if [ -n "$hardware" ]; then
  echo "not run on this machine (they need an NVIDIA GPU, NVIDIA's ptxas, or no GPU):"
  printf '  %s\n' $hardware
fi
rm -f "$log"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
