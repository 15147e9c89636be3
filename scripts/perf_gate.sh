#!/usr/bin/env bash
# The CPU performance gate: a fast subset of tcabench_micro (every benchmark at n = 32 and 64,
# 9 repetitions of at least 0.05 s each) compared with the committed baseline by
# tcabench bench-compare. Builds nothing: run it after scripts/build.sh (or name the build).
# OpenBLAS runs on one thread: a multi-threaded GEMM slows by several times when another process
# wants the cores, a single thread only by its share.
#
#   bash scripts/perf_gate.sh [BUILD_DIR]             gate: exit 1 on a regression
#   bash scripts/perf_gate.sh --refresh [BUILD_DIR]   re-measure the baseline (a quiet machine)
#
# CI machines are shared and are not the machine the baseline was measured on, so the gate
#  - uses a generous threshold (PERF_GATE_THRESHOLD, default 0.5: a median 50% slower, and a
#    significant U test; re-runs on the shared development machine move by 10-30%);
#  - runs the repetitions of all benchmarks in random order, so that a burst of load from
#    another process spreads over many benchmarks instead of slowing every repetition of one;
#  - after a regression, measures the whole subset once more and fails only on the benchmarks
#    that regressed both times: a real regression repeats, a burst of load rarely does;
#  - passes --allow-device-mismatch: on another CPU the new times are divided by the machines'
#    speed factor, so only a benchmark that slowed relative to the others fails, and at a wider
#    threshold (PERF_GATE_MISMATCH_THRESHOLD, default 0.9: 1.9 times slower than the rest). From
#    one CPU to another, benchmarks bound by different units move relative to each other: on
#    unchanged code, batched RTRL at n = 64 (16 influence matrices, 18 MB) measured 1.55 times the
#    others' speed factor on an AMD EPYC of family 26 against the baseline's family 25.
set -euo pipefail
cd "$(dirname "$0")/.."
refresh=0
if [ "${1:-}" = "--refresh" ]; then refresh=1; shift; fi
build=${1:-build}
baseline=results/baselines/cpu/micro.json
threshold=${PERF_GATE_THRESHOLD:-0.5}
mismatch_threshold=${PERF_GATE_MISMATCH_THRESHOLD:-0.9}
for binary in "$build/tcabench_micro" "$build/tcabench"; do
  [ -x "$binary" ] || { echo "perf_gate: $binary not found; build first (bash scripts/build.sh)" >&2; exit 2; }
done

# measure FILTER REPETITIONS OUT: the interleaved repetitions of the benchmarks FILTER matches.
measure() {
  "$build/tcabench_micro" --benchmark_filter="$1" --benchmark_repetitions="$2" \
    --benchmark_enable_random_interleaving=true --benchmark_min_time=0.05 \
    --benchmark_out="$3" --benchmark_out_format=json > /dev/null
}
compare() {
  "$build/tcabench" bench-compare "$baseline" "$1" --threshold "$threshold" \
    --allow-device-mismatch --mismatch-threshold "$mismatch_threshold" --json "$2"
}

out="$build/perf_gate.json"
[ "$refresh" = 1 ] && out=$baseline
mkdir -p "$(dirname "$out")"
export OPENBLAS_NUM_THREADS=1
echo "perf_gate: load average $(cut -d' ' -f1-3 /proc/loadavg); measuring into $out"
measure '/n:(32|64)/' 9 "$out"
[ "$refresh" = 1 ] && { echo "perf_gate: wrote the baseline $out"; exit 0; }
status=0
compare "$out" "$build/perf_gate_compare.json" || status=$?
[ "$status" = 1 ] || exit "$status"

# Confirm: the whole subset once more (so that on another CPU the speed factor comes from the
# same benchmarks); the gate fails on the benchmarks that regressed in both measurements.
echo "perf_gate: load average $(cut -d' ' -f1-3 /proc/loadavg); measuring again to confirm"
measure '/n:(32|64)/' 9 "$build/perf_gate_confirm.json"
compare "$build/perf_gate_confirm.json" "$build/perf_gate_confirm_compare.json" > /dev/null || true
/usr/bin/python3 - "$build/perf_gate_compare.json" "$build/perf_gate_confirm_compare.json" <<'PY'
import json, sys
def regressed(path):
    return {r["name"] for r in json.load(open(path))["benchmarks"] if r["verdict"] == "REGRESSION"}
first, second = regressed(sys.argv[1]), regressed(sys.argv[2])
both = sorted(first & second)
for name in sorted(first - second):
    print("perf_gate: %s did not regress when measured again" % name)
for name in both:
    print("perf_gate: %s regressed in both measurements" % name)
print("perf_gate: %d regression(s) confirmed" % len(both))
sys.exit(1 if both else 0)
PY
