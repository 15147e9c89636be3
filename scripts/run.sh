#!/usr/bin/env bash
# The main job, from a fresh clone: installs the Debian packages (scripts/setup.sh), builds the
# tcabench binary alone in build/ (the CUDA backend only when a GPU is present or TCA_CUDA=1 is
# set), then takes a quick look at every rule of both networks on one task (suites/quick.json:
# training and the gradient probe against exact BPTT), and prints the leaderboard table.
# Results: out/quick/cells/ (one JSON file per rule), out/quick/leaderboard.json and .md,
# figures in out/quick/figures/ (open index.html). 2 min 58 s from a fresh clone on the 2-core
# development machine, most of it compiling. The tests: scripts/test.sh; the benchmark grids: docs/suites.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cuda=OFF
if [ "${TCA_CUDA:-0}" = 1 ] || { command -v nvidia-smi > /dev/null && nvidia-smi -L > /dev/null 2>&1; }; then
  cuda=ON
fi
device=cpu
[ "$cuda" = ON ] && device=auto
cuda_args=()
[ -n "${CUDA_ARCHS:-}" ] && cuda_args=(-DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCHS")
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTCA_ENABLE_CUDA="$cuda" -DTCA_BUILD_TESTS=OFF \
  -DTCA_BUILD_BENCHMARKS=OFF "${cuda_args[@]}" > /dev/null
echo "run: building tcabench (CUDA backend $cuda)"
cmake --build build -j"$(nproc)" --target tcabench > build/run-build.log 2>&1 || { tail -n 40 build/run-build.log; exit 1; }

out=out/quick
rm -rf "$out/cells"  # a fresh measurement each time (the suite would otherwise resume)
echo "run: every rule on add-v0 (suites/quick.json) on device $device; one line per rule"
build/tcabench suite --config suites/quick.json --out-dir "$out" --device "$device" --quiet
build/tcabench leaderboard --cells "$out" --out "$out/leaderboard.json" --markdown "$out/leaderboard.md" > /dev/null
/usr/bin/python3 bench/report/figures.py --leaderboard "$out/leaderboard.json" --cells "$out" --out-dir "$out/figures" > /dev/null
echo
cat "$out/leaderboard.md"
echo
echo "run: cells in $out/cells/, leaderboard in $out/leaderboard.json and $out/leaderboard.md,"
echo "     figures in $out/figures/ (index.html)"
