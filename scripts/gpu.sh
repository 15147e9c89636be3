#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, in one command: build with CUDA, run the GPU tests, run
# compute-sanitizer (memcheck, racecheck) over them, and benchmark. Results go to
# results/<device>/ (or $OUT/ when set, as on the lent device machines):
#   gpu_tests.log, sanitizer.log, gpu.json (tcabench_gpu_bench), gpu_table.md, torch.json.
# Usage: bash scripts/gpu.sh [--quick]   (--quick: fewer benchmark sizes and repetitions)
set -uo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
export PATH=/usr/local/cuda/bin:$PATH

# Build: system packages when apt works (a lent machine may have none reachable).
bash scripts/setup.sh || echo "gpu.sh: setup.sh failed; building with what is installed"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${CUDA_ARCHS:+-DCMAKE_CUDA_ARCHITECTURES=$CUDA_ARCHS} || exit 1
cmake --build build -j"$(nproc)" || exit 1

device=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr ' ' '-' | tr -cd 'A-Za-z0-9_.-')
dest=${OUT:-results/$device}
mkdir -p "$dest"
echo "gpu.sh: device $device, results in $dest"

status=0
(cd build && ctest -L gpu --output-on-failure) 2>&1 | tee "$dest/gpu_tests.log" || status=1

if command -v compute-sanitizer >/dev/null; then
  for tool in memcheck racecheck; do
    compute-sanitizer --tool "$tool" --error-exitcode 1 build/tests/tca_gpu_tests \
      --gtest_filter='*float*:*Float*' 2>&1 | tail -20 | tee -a "$dest/sanitizer.log" || status=1
  done
else
  echo "gpu.sh: compute-sanitizer not found" | tee "$dest/sanitizer.log"
fi

filter='.'
reps=5
if [ $quick -eq 1 ]; then
  filter='Ceiling|/n:(128|256)/B:(1|64)'
  reps=3
fi
build/tcabench_gpu_bench --benchmark_filter="$filter" --benchmark_repetitions=$reps \
  --benchmark_report_aggregates_only=true --benchmark_out="$dest/gpu.json" --benchmark_out_format=json || status=1
python3 bench/gpu_table.py "$dest/gpu.json" | tee "$dest/gpu_table.md"
if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  python3 bench/torch_compare.py --json "$dest/torch.json" || status=1
else
  echo "gpu.sh: no PyTorch with CUDA here; skipping the comparison"
fi
exit $status
