#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite. GPU tests (label gpu) skip with a reason when
# no CUDA device is present. Ends with one line: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
log=build/ctest.log
status=0
(cd build && ctest --output-on-failure -j"$(nproc)") 2>&1 | tee "$log" || status=$?
passed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$log" || true)
failed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(\*\*\*Failed|\*\*\*Exception|\*\*\*Timeout|Not Run)' "$log" || true)
skipped=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*\*\*\*Skipped' "$log" || true)
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
