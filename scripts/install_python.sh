#!/usr/bin/env bash
# Makes the Python package of a build importable as `import tcabench`: writes a file tcabench.pth
# naming <build>/python into the user site-packages of Debian's /usr/bin/python3 and of the
# python3 first on the PATH (the same folder when both are Python 3.11). No package index is
# used; the package is the build's own (python/tcabench and its module tcabench._core).
#   bash scripts/install_python.sh [BUILD_DIR]     (default build/; scripts/build.sh calls it)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ ! -f "$build/python/tcabench/__init__.py" ] || ! ls "$build"/python/tcabench/_core*.so > /dev/null 2>&1; then
  echo "install_python: no Python package in $build/python (built with pybind11-dev and python3-dev?)" >&2
  exit 1
fi
dir=$(cd "$build/python" && pwd)
module=$(basename "$(ls "$build"/python/tcabench/_core*.so | head -1)")
for python in /usr/bin/python3 "$(command -v python3 || true)"; do
  [ -x "$python" ] || continue
  # Only an interpreter that can load the module (the same Python 3.x: its extension suffix).
  if ! "$python" -c 'import importlib.machinery as m, sys; sys.exit(not any(sys.argv[1].endswith(s) for s in m.EXTENSION_SUFFIXES))' "$module"; then
    echo "install_python: $python cannot load $module (another Python version); skipped"
    continue
  fi
  site=$("$python" -c 'import site; print(site.getusersitepackages())')
  mkdir -p "$site"
  echo "$dir" > "$site/tcabench.pth"
  echo "install_python: $python imports tcabench from $dir ($site/tcabench.pth)"
done
