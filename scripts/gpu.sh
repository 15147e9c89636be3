#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: build with CUDA, run the GPU tests (required to run, not
# skip), compute-sanitizer (memcheck, racecheck) over them, and benchmark. Stages can run in
# separate calls, each within a 10-minute limit:
#   bash scripts/gpu.sh build        configure and build (uses .gpudeps/ when present)
#   bash scripts/gpu.sh test         GPU tests
#   bash scripts/gpu.sh sanitize     compute-sanitizer memcheck and racecheck on the float tests
#   bash scripts/gpu.sh bench [RE]   tcabench_gpu_bench (filter RE, default every benchmark),
#                                    bench/micro/gpu_table.py, and bench/micro/baselines/torch_compare.py if PyTorch is there
#   bash scripts/gpu.sh all          every stage (the default)
# Results go to $OUT/ when set (the lent device machines), else results/<device>/:
# gpu_tests.log, sanitizer.log, gpu.json, gpu_table.md, torch.json.
# The lent GPU machines reach no package registry: run scripts/gpu_deps.sh on the development
# machine first and carry .gpudeps/ (device tool: carry [".gpudeps"]).
set -uo pipefail
cd "$(dirname "$0")/.."
stage=${1:-all}
filter=${2:-.}
export PATH=/usr/local/cuda/bin:$PATH

deps_args=()
if [ -d .gpudeps/root ]; then
  root=$PWD/.gpudeps/root/usr
  export LD_LIBRARY_PATH=$root/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu/openblas-pthread:${LD_LIBRARY_PATH:-}
  deps_args=(-DCMAKE_PREFIX_PATH="$root" -DBLAS_LIBRARIES="$root/lib/x86_64-linux-gnu/libopenblas.so")
fi

device=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr ' ' '-' | tr -cd 'A-Za-z0-9_.-')
dest=${OUT:-results/${device:-unknown-gpu}}
mkdir -p "$dest"
status=0

if [ "$stage" = build ] || [ "$stage" = all ]; then
  if [ ${#deps_args[@]} -eq 0 ]; then timeout 120 bash scripts/setup.sh || echo "gpu.sh: setup.sh failed"; fi
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${CUDA_ARCHS:+-DCMAKE_CUDA_ARCHITECTURES=$CUDA_ARCHS} \
    "${deps_args[@]}" 2>&1 | tee build-configure.log || exit 1
  grep -q "CUDA backend ON" build-configure.log || { echo "gpu.sh: the CUDA backend is not being built"; exit 1; }
  cmake --build build -j"$(nproc)" || exit 1
fi

if [ "$stage" = test ] || [ "$stage" = all ]; then
  echo "gpu.sh: device ${device:-none}; results in $dest"
  (cd build && TCA_REQUIRE_CUDA=1 ctest -L gpu --no-tests=error --output-on-failure) 2>&1 | tee "$dest/gpu_tests.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi

if [ "$stage" = sanitize ] || [ "$stage" = all ]; then
  : > "$dest/sanitizer.log"
  for tool in memcheck racecheck; do
    TCA_REQUIRE_CUDA=1 compute-sanitizer --tool "$tool" --error-exitcode 1 build/tests/tca_gpu_tests \
      --gtest_filter='*float*:*Float*' >> "$dest/sanitizer.log" 2>&1 || status=1
    tail -5 "$dest/sanitizer.log"
  done
fi

if [ "$stage" = bench ] || [ "$stage" = all ]; then
  build/tcabench_gpu_bench --benchmark_filter="$filter" --benchmark_repetitions=3 --benchmark_min_time=0.1 \
    --benchmark_report_aggregates_only=true --benchmark_out="$dest/gpu.json" --benchmark_out_format=json || status=1
  python3 bench/micro/gpu_table.py "$dest/gpu.json" | tee "$dest/gpu_table.md"
  if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
    python3 bench/micro/baselines/torch_compare.py --json "$dest/torch.json" || status=1
  else
    echo "gpu.sh: no PyTorch with CUDA here; skipping the comparison"
  fi
fi
exit $status
