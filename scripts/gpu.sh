#!/usr/bin/env bash
# GPU verification in stages, each short enough for one call on a lent GPU machine (10 minutes
# a call there, 15 minutes of device time a session; estimates below are for an H100/H200):
#
#   bash scripts/gpu.sh pack        on the DEVELOPMENT machine (Debian 12, nvcc, no GPU needed):
#                                   build the GPU targets in build-gpu/ and pack them, with the
#                                   CPU-backend libraries they load, into .gpudeps/ (about 15 MB),
#                                   for a GPU machine that cannot build (no packages there)
#   bash scripts/gpu.sh build       ~5 s with a pack, ~4 min without: unpack .gpudeps/prebuilt.tar.xz,
#                                   or configure and build tcabench, tca_gpu_tests and
#                                   tcabench_gpu_bench in build-gpu/ (with .gpudeps/root when present)
#   bash scripts/gpu.sh test        ~1 min: every GPU test (TCA_REQUIRE_CUDA=1: a missing device fails)
#   bash scripts/gpu.sh e2e         ~30 s: tcabench probe and train with --device cuda beside --device cpu
#   bash scripts/gpu.sh sanitize    ~3 min: compute-sanitizer memcheck on every GPU test, racecheck
#                                   on the project's own kernels (kernel names containing "tca")
#   bash scripts/gpu.sh bench [quick|full|REGEX]
#                                   quick (~1 min, the default): one repetition of the ceilings, every
#                                   rule at n = 64 and 256 with B = 1 and 64, the forward pass at
#                                   n = 128, four rules' stepwise forward pass at n = 64, per-row
#                                   norms of 1 and 16 rows, an allocation and its free;
#                                   full (~8 min): every benchmark, 3 repetitions
#   bash scripts/gpu.sh torch       ~30 s: PyTorch on the same shapes (bench/micro/baselines/torch_compare.py)
#
# Results go to $OUT when set (the lent machines bring back at most 8 files from there), else
# results/<device>/: env.log, gpu_tests.log, gpu_tests.json, e2e.log, sanitizer.log, gpu.json,
# gpu_table.md, torch.json (8 files).
set -uo pipefail
cd "$(dirname "$0")/.."
stage=${1:-}
arg=${2:-quick}
export PATH=/usr/local/cuda/bin:$PATH
build=build-gpu
started=$(date +%s)

if [ "$stage" = pack ]; then
  set -e
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release ${CUDA_ARCHS:+-DCMAKE_CUDA_ARCHITECTURES=$CUDA_ARCHS} > /dev/null
  cmake --build "$build" -j"$(nproc)" --target tcabench tca_gpu_tests tcabench_gpu_bench
  mkdir -p .gpudeps
  # The newest glibc symbol the binaries use: the GPU machine's glibc must be at least that.
  need=$(objdump -T "$build"/tcabench "$build"/libtca_cuda.so "$build"/tests/tca_gpu_tests \
         "$build"/tcabench_gpu_bench | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 | cut -d_ -f2)
  echo "$need" > "$build/glibc_needed"
  git rev-parse --short HEAD > "$build/packed_commit"
  git diff --quiet HEAD || echo "dirty" >> "$build/packed_commit"
  tar -cJf .gpudeps/prebuilt.tar.xz "$build"/tcabench "$build"/libtca_cuda.so "$build"/tests/tca_gpu_tests \
      "$build"/tcabench_gpu_bench "$build"/glibc_needed "$build"/packed_commit
  # OpenBLAS and what it needs, found where the binaries load them here.
  libs=$(ldd "$build"/tcabench | awk '/libopenblas|libgfortran|libquadmath/ {print $3}')
  tmp=$(mktemp -d)
  for lib in $libs; do cp -L "$lib" "$tmp/"; done
  tar -cJf .gpudeps/runtime.tar.xz -C "$tmp" .
  rm -rf "$tmp"
  echo "gpu.sh pack: glibc >= $need needed; $(du -ch .gpudeps/*.tar.xz | tail -1 | cut -f1) in .gpudeps/ (carry it)"
  exit 0
fi

device=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr ' ' '-' | tr -cd 'A-Za-z0-9_.-')
dest=${OUT:-results/${device:-unknown-gpu}}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
status=0

# Libraries a pack brings (OpenBLAS) and those of a build against .gpudeps/root.
if [ -f .gpudeps/runtime.tar.xz ]; then
  mkdir -p .gpudeps/runtime
  [ -n "$(ls .gpudeps/runtime)" ] || tar -xJf .gpudeps/runtime.tar.xz -C .gpudeps/runtime
  export LD_LIBRARY_PATH=$PWD/.gpudeps/runtime:${LD_LIBRARY_PATH:-}
fi
deps_args=()
if [ -d .gpudeps/root ]; then
  root=$PWD/.gpudeps/root/usr
  export LD_LIBRARY_PATH=$root/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu/openblas-pthread:${LD_LIBRARY_PATH:-}
  deps_args=(-DCMAKE_PREFIX_PATH="$root" -DBLAS_LIBRARIES="$root/lib/x86_64-linux-gnu/libopenblas.so")
fi
export LD_LIBRARY_PATH=$PWD/$build:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}

case "$stage" in
build)
  {
    echo "device: ${device:-none}"; nvidia-smi 2>&1 | head -15
    echo "glibc here: $(getconf GNU_LIBC_VERSION)"; nvcc --version 2>&1 | tail -1
  } | tee "$dest/env.log"
  if [ -f .gpudeps/prebuilt.tar.xz ]; then
    tar -xJf .gpudeps/prebuilt.tar.xz || exit 1
    need=$(cat "$build/glibc_needed")
    have=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
    if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
      echo "gpu.sh: the pack needs glibc >= $need and this machine has $have: build here instead (rm .gpudeps/prebuilt.tar.xz)"
      exit 1
    fi
    echo "gpu.sh: unpacked the build of $(tr '\n' ' ' < "$build/packed_commit")(glibc >= $need; here $have)" | tee -a "$dest/env.log"
    ldd "$build/tests/tca_gpu_tests" | grep "not found" && { echo "gpu.sh: libraries missing"; exit 1; }
  else
    if [ ${#deps_args[@]} -eq 0 ]; then timeout 120 bash scripts/setup.sh || echo "gpu.sh: setup.sh failed"; fi
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release ${CUDA_ARCHS:+-DCMAKE_CUDA_ARCHITECTURES=$CUDA_ARCHS} \
      "${deps_args[@]}" 2>&1 | tee build-configure.log || exit 1
    grep -q "CUDA backend ON" build-configure.log || { echo "gpu.sh: the CUDA backend is not being built"; exit 1; }
    cmake --build "$build" -j"$(nproc)" --target tcabench tca_gpu_tests tcabench_gpu_bench || exit 1
  fi
  ;;
test)
  TCA_REQUIRE_CUDA=1 "$build/tests/tca_gpu_tests" --gtest_output="json:$dest/gpu_tests.json" \
    > "$dest/gpu_tests.log" 2>&1 || status=1
  grep -E "^\[  (FAILED|PASSED|SKIPPED) |tests ran|Failure|error" "$dest/gpu_tests.log" | head -80
  ;;
e2e)
  # The whole CLI on the GPU: the same probes and a short training on both backends.
  tmp=$(mktemp -d)
  {
    for dev in cpu cuda; do
      "$build/tcabench" probe --device "$dev" --task dnms-v1 --hidden 37 --batch 5 --samples 8 --data-batches 2 \
        --algo all --quiet --out "$tmp/probe_$dev.json" || status=1
      "$build/tcabench" probe --device "$dev" --model lif --task dnms-v1 --batch 5 --samples 8 --data-batches 2 \
        --algo all --quiet --out "$tmp/probe-lif_$dev.json" || status=1
      "$build/tcabench" train --device "$dev" --task add-v0 --hidden 32 --algo rflo --seeds 1 --lr 0.01 \
        --iterations 40 --quiet --out "$tmp/train_$dev.json" || status=1
    done
    python3 - "$tmp" <<'EOF' || status=1
import json, sys
d = sys.argv[1]
for kind in ("probe", "probe-lif", "train"):
    cpu, gpu = (json.load(open(f"{d}/{kind}_{dev}.json")) for dev in ("cpu", "cuda"))
    diffs, count = [], [0]
    def walk(a, b, path=""):
        if isinstance(a, dict):
            for k in a:
                if k in b and not any(s in k for s in ("time", "seconds", "per_s", "device", "host", "memory", "rss")):
                    walk(a[k], b[k], path + "/" + k)
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{i}]")
        elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            count[0] += 1
            rel = abs(a - b) / max(abs(a), abs(b), 1e-30)
            if rel > 1e-4:
                diffs.append((rel, f"{kind}{path}: cpu {a!r} cuda {b!r}"))
    walk(cpu, gpu)
    print(f"{kind}: {count[0]} numbers compared, {len(diffs)} differ by more than 1e-4 relative; the largest:")
    for rel, line in sorted(diffs, reverse=True)[:15]:
        print(f"  {rel:.1e}  {line}")
EOF
  } > >(tee "$dest/e2e.log") 2>&1
  rm -rf "$tmp"
  ;;
sanitize)
  : > "$dest/sanitizer.log"
  for tool in memcheck racecheck; do
    filter=(); [ "$tool" = racecheck ] && filter=(--kernel-name kns=tca)
    echo "== $tool" >> "$dest/sanitizer.log"
    TCA_REQUIRE_CUDA=1 timeout 240 compute-sanitizer --tool "$tool" "${filter[@]}" --error-exitcode 1 \
      "$build/tests/tca_gpu_tests" >> "$dest/sanitizer.log" 2>&1 || status=1
    tail -3 "$dest/sanitizer.log"
  done
  ;;
bench)
  case "$arg" in
    quick) args=(--benchmark_filter='BM_Ceiling|BM_GpuRule/[^/]+/n:(64|256)/B:(1|64)/|BM_Forward[A-Za-z]+/n:128/B:64/|BM_GpuRuleStepwise/[^/]+/n:64/|BM_RowNorms/rows:(1|16)/cols:66049|BM_AllocateFree'
                 --benchmark_repetitions=1 --benchmark_min_time=0.05s) ;;
    full) args=(--benchmark_repetitions=3 --benchmark_min_time=0.1s --benchmark_report_aggregates_only=true) ;;
    *) args=(--benchmark_filter="$arg" --benchmark_repetitions=3 --benchmark_min_time=0.1s
             --benchmark_report_aggregates_only=true) ;;
  esac
  log=$(mktemp)
  "$build/tcabench_gpu_bench" "${args[@]}" --benchmark_out="$dest/gpu.json" --benchmark_out_format=json \
    > "$log" 2>&1 || { status=1; tail -20 "$log"; }
  grep -i -E "error|skipped" "$log" | head -20
  rm -f "$log"
  python3 bench/micro/gpu_table.py "$dest/gpu.json" | tee "$dest/gpu_table.md"
  ;;
torch)
  if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
    python3 bench/micro/baselines/torch_compare.py --json "$dest/torch.json" || status=1
  else
    echo "gpu.sh: no PyTorch with CUDA here; skipping the comparison"
  fi
  ;;
*)
  sed -n '2,26p' "$0"
  exit 2
  ;;
esac
echo "gpu.sh $stage: $(( $(date +%s) - started )) s, status $status"
exit $status
