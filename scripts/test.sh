#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite. GPU tests (label gpu) skip with a reason when
# no CUDA device is present.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)"
