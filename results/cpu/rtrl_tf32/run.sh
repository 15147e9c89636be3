#!/usr/bin/env bash
# RTRL with its influence product in TF32 (influence_product=tf32, the CPU's emulation by
# truncation) against RTRL in full float: the probe's distance from exact BPTT on the default
# suite's four tasks at its sizes and probe settings (3 seeds, checkpoints 0 and 500), and
# training on dnms-v1 at n = 32 with the suite's training settings (3 seeds, its 3 rates).
#   bash results/cpu/rtrl_tf32/run.sh [build-dir]      (writes results/cpu/rtrl_tf32/raw/)
set -euo pipefail
cd "$(dirname "$0")/../../.."
bin=${1:-build-cpu-only}/tcabench
out=results/cpu/rtrl_tf32/raw
mkdir -p "$out"
for task in dnms-v1 path_integration-v0 copy-v0 add-v0; do
  for n in 32 64 128; do
    for product in full tf32; do
      for seed in 1 2 3; do
        f="$out/probe-$task-n$n-$product-s$seed.json"
        [ -s "$f" ] && continue
        "$bin" probe --task "$task" --hidden "$n" --algo rtrl --algo-param "rtrl.influence_product=$product" \
          --seed "$seed" --batch 16 --data-batches 16 --checkpoints 0,500 --train-lr 0.001 --precision float \
          --device cpu --quiet --out "$f.tmp" && mv "$f.tmp" "$f"
      done
    done
  done
done
for task in dnms-v1; do
  for product in full tf32; do
    f="$out/train-$task-n32-$product.json"
    [ -s "$f" ] && continue
    "$bin" train --task "$task" --hidden 32 --algo rtrl --algo-param "influence_product=$product" --seeds 1,2,3 \
      --lr 0.001,0.003,0.01 --iterations 1000 --batch 16 --eval-every 100 --eval-batch 512 --clip 1 \
      --precision float --device cpu --jobs 2 --quiet --go-on --out "$f.tmp" && mv "$f.tmp" "$f"
  done
done
