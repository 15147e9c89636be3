#!/usr/bin/env bash
# Sets up, builds and runs the small default benchmark on the CPU:
#   1. the gradient probe (rtrl and bptt against the exact gradient) on every task, n = 32;
#   2. the per-step microbenchmarks (RTRL beside one SGEMM of the same shape, BPTT);
#   3. the numpy RTRL baseline, for the speed ratio.
# Reports go to out/ (JSON); tables go to the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p out
for task in dnms-v0 path_integration-v0 copy-v0 add-v0 flipflop-v0 mimic-v0 evidence_accumulation-v0; do
  build/tcabench probe --task "$task" --algo rtrl,bptt --hidden 32 --batch 16 --seed 1 \
    --out "out/probe-$task.json"
done
build/tcabench_micro --benchmark_filter='Rtrl|Sgemm' --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_out=out/micro.json --benchmark_out_format=json
/usr/bin/python3 bench/numpy_rtrl.py --sizes 64 128 --repeats 5 --json out/numpy_rtrl.json
echo "reports written to out/"
