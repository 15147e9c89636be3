#!/usr/bin/env bash
# Marschall, Cho & Savin 2020 (JMLR 21, "A unified framework of online learning algorithms for
# training recurrent neural networks"): the add (t1 = 5, t2 = 9) and mimic tasks at alpha = 1,
# n = 32, trained online by every rule they compare that tcabench has. The grid is
# suites/papers/marschall2020.json; the page docs/papers/marschall2020.md.
#
#   bash bench/papers/marschall2020.sh [BUILD_DIR]     (default build/)
#
# Runs the suite into results/papers/marschall2020/cells/ (resumable: written cells are kept),
# then builds its leaderboard (leaderboard.json, leaderboard.md), the figures (report/) and
# the summary with the verdicts (summary.json; bench/papers/marschall2020.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
out=results/papers/marschall2020
"$build/tcabench" suite --config suites/papers/marschall2020.json --device cpu --out-dir "$out" --quiet
"$build/tcabench" leaderboard --cells "$out" --out "$out/leaderboard.json" --markdown "$out/leaderboard.md"
/usr/bin/python3 bench/report/figures.py --leaderboard "$out/leaderboard.json" --cells "$out" --out-dir "$out/report"
python3 bench/papers/marschall2020.py --folder "$out"
