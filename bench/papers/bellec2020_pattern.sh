#!/usr/bin/env bash
# Bellec et al. 2020 (Nature Communications 11:3625), the pattern-generation task of their code's
# tutorial (IGITUGraz/eligibility_propagation, tutorial_pattern_generation.py): 100 LIF neurons
# learn a fixed sum of four sines from a frozen 50 Hz Poisson input of 100 channels, one sequence
# of 1000 ms, plain SGD with learning rate 1e-4 for 2000 iterations on the summed squared error.
# Rules: eprop_random (their default random feedback, N(0, 1/n)), eprop (symmetric) and bptt;
# seeds 1-3 (the network's initialisation; the pattern is the task's, pattern_seed 1).
# Page: docs/papers/bellec2020_pattern.md.
#
#   bash bench/papers/bellec2020_pattern.sh [BUILD_DIR]     (default build/)
#
# Their neuron integrates its input with gain (1 - alpha), v = alpha v + (1 - alpha) I - v_th z,
# threshold 0.03; ours integrates the current itself. Dividing their v by (1 - alpha) gives our
# equations with the same weights, threshold 0.03 / (1 - alpha) = 0.91508 and the same
# pseudo-derivative height 0.3, so the runs below use that threshold (docs/papers page).
# Their firing-rate regulariser 300 * 0.5 * sum_j (rate_j - 10 Hz)^2 is our rate_reg = 150.
#
# One JSON report per (rule, seed) under results/papers/bellec2020_pattern/; a report that
# exists is kept, so the script resumes where it stopped. Then the summary:
#   python3 bench/papers/bellec2020_pattern.py
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
out=results/papers/bellec2020_pattern
logs=out/papers/bellec2020_pattern
mkdir -p "$out" "$logs"
model=(--model lif --model-param n_lif=100 --model-param n_alif=0 --model-param tau_v=30 --model-param tau_out=30
       --model-param readout_filter=average --model-param v_th=0.91508 --model-param gamma=0.3
       --model-param refractory=1 --model-param rate_reg=150 --model-param rate_target=10)
for seed in 1 2 3; do
  for rule in eprop_random eprop bptt; do
    report="$out/$rule-seed$seed.json"
    [[ -f "$report" ]] && continue
    echo "bellec2020_pattern: $rule seed $seed" >&2
    "$build/tcabench" train "${model[@]}" --task pattern_generation-v0 --algo "$rule" \
      --batch 1 --iterations 2000 --seeds "$seed" --lr 1e-4 --optimizer sgd --clip 0 \
      --eval-every 100 --eval-batch 1 --precision float --device cpu --out "$report" \
      2> "$logs/$rule-seed$seed.log" > /dev/null
  done
done
python3 bench/papers/bellec2020_pattern.py
