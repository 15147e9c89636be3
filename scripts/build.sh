#!/usr/bin/env bash
# Installs dependencies, configures and builds everything in build/ (Release): tcabench, the
# tests, the microbenchmarks and the Python package, which it installs (scripts/install_python.sh). The CUDA backend is built too when nvcc is found (CUDA 13
# under /usr/local/cuda; sm_90 by default, override with CUDA_ARCHS=...). Extra arguments go
# to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cuda_args=()
[ -n "${CUDA_ARCHS:-}" ] && cuda_args=(-DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCHS")
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTCA_ENABLE_CUDA=ON -DTCA_BUILD_TESTS=ON -DTCA_BUILD_BENCHMARKS=ON \
  "${cuda_args[@]}" "$@"
cmake --build build -j"$(nproc)"
if [ -d build/python/tcabench ]; then bash scripts/install_python.sh build; fi
