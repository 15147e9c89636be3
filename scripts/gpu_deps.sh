#!/usr/bin/env bash
# Run on the development machine (Debian 12), not on the GPU machine: the lent GPU machines
# reach no package registry and lack OpenBLAS, Random123, nlohmann-json, CLI11, GoogleTest and
# Google Benchmark. This downloads those Debian packages by name and unpacks them into
# .gpudeps/ (ignored by git, about 50 MB; name it in the device tool's carry list), to be carried to the GPU machine, where
# scripts/gpu.sh builds against them.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .gpudeps
mkdir -p .gpudeps/debs .gpudeps/root
(cd .gpudeps/debs && apt-get download libopenblas0-pthread libopenblas-pthread-dev libopenblas-dev \
  libgfortran5 libquadmath0 librandom123-dev nlohmann-json3-dev libcli11-dev libgtest-dev \
  libbenchmark-dev libbenchmark1debian)
for deb in .gpudeps/debs/*.deb; do dpkg -x "$deb" .gpudeps/root; done
rm -rf .gpudeps/debs
# Only what the build needs: no static OpenBLAS, LAPACK, docs or manuals.
rm -f .gpudeps/root/usr/lib/x86_64-linux-gnu/openblas-pthread/*.a  # GoogleTest and Benchmark ship static archives: keep those
rm -f .gpudeps/root/usr/lib/x86_64-linux-gnu/openblas-pthread/liblapack*
rm -rf .gpudeps/root/usr/share/doc .gpudeps/root/usr/share/man .gpudeps/root/usr/share/lintian
# Debian points libopenblas.so at the pthread build through the alternatives system, which
# dpkg -x does not set up: link it directly.
lib=.gpudeps/root/usr/lib/x86_64-linux-gnu
ln -sf openblas-pthread/libopenblas.so.0 "$lib/libopenblas.so.0"
ln -sf openblas-pthread/libopenblas.so "$lib/libopenblas.so"
du -sh .gpudeps
