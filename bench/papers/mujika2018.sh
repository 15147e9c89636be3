#!/usr/bin/env bash
# Mujika, Meier & Steger 2018 (NeurIPS, "Approximating real-time recurrent learning with random
# Kronecker factors"): the variance of UORO against that of KF-RTRL (and R-KF-RTRL) as the
# network grows. One probe per (n, seed), n in {16, 32, 64, 128}, seeds 1-5, on copy-v0 (their
# copy task; our rate network in place of their RHN), K = 64 noise samples per rule, at the
# initial parameters and after 200 steps of Adam on the exact gradient. Page:
# docs/papers/mujika2018.md.
#
#   bash bench/papers/mujika2018.sh [BUILD_DIR]     (default build/)
#
# One probe report per (n, seed) under results/papers/mujika2018/ (an existing one is kept:
# the script resumes), then the summary: python3 bench/papers/mujika2018.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
out=results/papers/mujika2018
mkdir -p "$out"
for n in 16 32 64 128; do
  for seed in 1 2 3 4 5; do
    report="$out/probe-n$n-seed$seed.json"
    [[ -f "$report" ]] && continue
    echo "mujika2018: n $n seed $seed" >&2
    "$build/tcabench" probe --task copy-v0 --algo uoro,kf_rtrl,rkf_rtrl --hidden "$n" --seed "$seed" \
      --batch 16 --samples 64 --checkpoints 0,200 --data-batches 0 --precision float --device cpu \
      --quiet --out "$report"
  done
done
python3 bench/papers/mujika2018.py
