#!/usr/bin/env bash
# Bellec et al. 2020 (Nature Communications 11:3625), Fig. 3: e-prop on evidence accumulation
# with 50 LIF + 50 ALIF neurons, Adam 0.005, batch 64, stopped once the validation error is
# below 7% and a larger fresh batch confirms it (their check: 8 more batches of 64). Rules:
# eprop_random (their random feedback, N(0, 1): feedback_init=unit), eprop (symmetric) and bptt;
# seeds 1-5; each run at most 2000 iterations. Page: docs/papers/bellec2020.md.
#
#   bash bench/papers/bellec2020.sh [BUILD_DIR]     (default build/)
#
# One JSON report per (rule, seed) under results/papers/bellec2020/; a report that exists is
# kept, so the script resumes where it stopped (reports are written whole, at a run's end; a run
# cut short is run again from its start).
# Progress lines go to out/papers/bellec2020/<rule>-seed<s>.log. Then the summary:
#   python3 bench/papers/bellec2020.py
# writes results/papers/bellec2020/summary.json and prints the table of the docs page.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
out=results/papers/bellec2020
logs=out/papers/bellec2020
mkdir -p "$out" "$logs"
# --max-hours 3: the estimate (about 1.6 h on the 2-core machine) assumes all 2000 iterations;
# the runs stop at the criterion, after a few hundred.
for seed in 1 2 3 4 5; do
  for rule in eprop_random eprop bptt; do
    report="$out/$rule-seed$seed.json"
    [[ -f "$report" ]] && continue
    extra=()
    [[ "$rule" == eprop_random ]] && extra=(--algo-param feedback_init=unit)
    echo "bellec2020: $rule seed $seed" >&2
    "$build/tcabench" train --model lif --task evidence_accumulation-v0 --algo "$rule" "${extra[@]}" \
      --batch 64 --iterations 2000 --seeds "$seed" --lr 0.005 --optimizer adam --clip 0 \
      --eval-every 10 --eval-batch 64 --criterion 'accuracy>=0.93' --confirm-batch 512 --stop-at-criterion \
      --precision float --device cpu --max-hours 3 --out "$report" 2> "$logs/$rule-seed$seed.log" > /dev/null
  done
done
python3 bench/papers/bellec2020.py
