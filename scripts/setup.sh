#!/usr/bin/env bash
# Installs tcabench's build dependencies from Debian's packages (by name; nothing else is
# downloaded). Skips apt entirely when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake       # compiler and build system
  libopenblas-dev             # CBLAS for the CPU backend
  nlohmann-json3-dev          # JSON reports
  librandom123-dev            # Philox counter-based random numbers (same draws on CPU and GPU)
  libcli11-dev                # command line
  googletest libgtest-dev     # tests
  libbenchmark-dev            # microbenchmarks
  python3-numpy               # the numpy baseline benchmark (bench/micro/baselines/numpy_rtrl.py)
  python3-jsonschema          # the leaderboard's schema check (tests/leaderboard_checks.py)
  python3-pandas              # the tidy CSV's loader (bench/report/tidy.py) and its check
  python3-matplotlib          # the figures (bench/report/figures.py)
  pybind11-dev python3-dev    # the Python package's module (python/bindings.cpp)
  python3-pytest              # the Python package's tests (python/tests/)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
