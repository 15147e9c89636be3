#!/usr/bin/env python3
"""ctest checks of the paired comparisons behind the README's headline and docs/results.md's
per-task tables (bench/report/paired.py, headline.py, task_summary.py).

    report_stats_checks.py SOURCE_DIR

The exact Wilcoxon p-values against the signed-rank distribution counted independently (a
dynamic programme over the ranks, not the enumeration the module uses) and against the table
value for n = 10 (W = 8: p = 0.0488, the largest significant at 0.05); the verdicts of a paired
comparison, diverged runs counting as worse; the headline's marks of ties with the best and its
choice of one hidden size; task_summary's table on a two-rule leaderboard. Exits non-zero with a
message on the first failed check.
"""
import json
import os
import random
import sys
import tempfile


def fail(message):
    print("report_stats_checks: " + message, file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def counted_p(differences):
    """Two-sided p of the signed-rank statistic for distinct non-zero magnitudes, from the
    number of rank subsets of each sum (dynamic programme)."""
    d = sorted((x for x in differences if x != 0), key=abs)
    m = len(d)
    total = m * (m + 1) // 2
    counts = [1] + [0] * total
    for r in range(1, m + 1):
        counts = [counts[s] + (counts[s - r] if s >= r else 0) for s in range(total + 1)]
    w = sum(r for r, x in enumerate(d, start=1) if x > 0)
    low = min(w, total - w)
    return min(1.0, 2 * sum(counts[:low + 1]) / 2.0 ** m)


def entry(rule, values, rank=1, hidden=32, model="rate", algorithm=None):
    finite = sorted(v for v in values if v is not None) or [None]
    return {"rule": rule, "algorithm": algorithm or rule, "hidden": hidden, "model": model, "rank": rank,
            "seeds": list(range(1, len(values) + 1)), "metric_by_seed": values,
            "metric": {"median": finite[len(finite) // 2], "interval": [finite[0], finite[-1]]},
            "file": rule + ".json", "state_bytes": 1024, "gradient": [{"recurrent": {"cosine_of_mean": 0.5}}],
            "alignment_curve": {"cosine": [0.9, 0.5, 0.4], "iterations": [0, 1, 2]}}


def main(source):
    sys.path.insert(0, os.path.join(source, "bench", "report"))
    import headline
    import paired
    import task_summary

    # The p-values: the table value, then random untied samples against the counted distribution.
    ranks_down = lambda negative: [(-r if r in negative else r) for r in range(1, 11)]
    check(abs(paired.wilcoxon_exact(ranks_down({1, 3, 4})) - 0.048828125) < 1e-12, "n = 10, W- = 8 is not p = 0.0488")
    check(abs(paired.wilcoxon_exact(ranks_down({2, 3, 4})) - 0.064453125) < 1e-12, "n = 10, W- = 9 is not p = 0.0645")
    rng = random.Random(7)
    for trial in range(200):
        m = rng.randint(1, 12)
        d = [rng.gauss(0.3, 1.0) for _ in range(m)]
        if len({abs(x) for x in d}) < m:
            continue
        got, want = paired.wilcoxon_exact(d), counted_p(d)
        check(abs(got - want) < 1e-12, "p %r against the counted %r for %r" % (got, want, d))
    check(paired.wilcoxon_exact([0.0] * 5) is None, "all-zero differences have a p-value")
    check(abs(paired.wilcoxon_exact([1, 1, 2, -3]) - 0.75) < 1e-12, "tied magnitudes: not their mean rank")  # 12 of 16 sign patterns

    # Verdicts: lower is better here.
    exact = entry("bptt", [0.40 + 0.01 * i for i in range(10)])
    worse = entry("slow", [0.50 + 0.01 * i for i in range(10)])
    noisy = entry("noisy", [0.40 + 0.01 * i + (0.05 if i % 2 else -0.05) for i in range(10)])
    better = entry("fast", [0.30 + 0.01 * i for i in range(10)])
    check(paired.versus(worse, exact, False)[2] == "short", "a rule worse on every seed reaches the exact one")
    check(paired.versus(noisy, exact, False)[2] == "reaches", "a rule worse on half the seeds is short")
    check(paired.versus(better, exact, False)[2] == "reaches", "a better rule is short")
    check(paired.versus(worse, exact, True)[2] == "reaches", "higher is better: a larger metric is short")
    diverged = entry("diverged", [None] * 10)
    check(paired.versus(diverged, exact, False)[2] == "short", "a rule whose runs all diverged reaches the exact one")
    check(paired.versus(exact, diverged, False)[2] == "reaches", "against a diverged reference a finite rule is short")

    # The headline: ties with the best are marked, ranks and sizes chosen.
    readout = entry("readout_only", [0.70] * 10)
    board = {"git_commits": ["abc"], "tasks": [{
        "id": "add-v0", "task": "add-v0", "metric": "ce", "better": "lower", "regime": "batched",
        "entries": [dict(better, rank=1), dict(exact, rank=2), dict(noisy, rank=3), dict(worse, rank=4),
                    dict(readout, rank=5), dict(exact, hidden=64, rank=1), dict(readout, hidden=64, rank=2)]}]}
    text = headline.tables(board)
    for rule, bold in (("fast", True), ("bptt", False), ("noisy", False), ("slow", False), ("readout_only", False)):
        line = next((l for l in text.split("\n") if l.startswith("| `%s` |" % rule)), None)
        check(line is not None, "headline: no row for %s" % rule)
        check(("**" in line) == bold, "headline: %s %s marked as tied with the best: %s" % (rule, "not" if bold else "", line))
    check("n = 64" in text and "n = 32" in text, "headline: both sizes expected")
    only = headline.tables(board, 64)
    check("n = 64" in only and "n = 32" not in only, "headline --hidden 64 kept another size")

    # task_summary: the exact rule, a rule short of it, FLOPs read from the cell.
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "cells"))
        for e in (exact, worse):
            with open(os.path.join(tmp, "cells", e["file"]), "w") as f:
                json.dump({"probe": {"checkpoints": [{"algorithms": [{"flops_per_step_per_sequence": 4416}]}]}}, f)
        small = {"tasks": [{"id": "add-v0", "task": "add-v0", "metric": "ce", "better": "lower", "regime": "batched",
                            "entries": [dict(exact, rank=1), dict(worse, rank=2)]}]}
        table = task_summary.summary(small, tmp)
    rows = {l.split("|")[1].strip(): l for l in table.split("\n") if l.startswith("| `")}
    check("| exact |" in rows.get("`bptt`", ""), "task_summary: bptt is not the exact rule: %s" % table)
    check("short: 0.1, 0.002" in rows.get("`slow`", ""), "task_summary: slow is not short by 0.1 at p 0.002: %s" % table)
    check("4.42e+03" in rows["`slow`"] and "1 KiB" in rows["`slow`"], "task_summary: FLOPs or state missing: %s" % table)
    check("0.9 → 0.4 (0.5)" in rows["`slow`"], "task_summary: alignment start → end (median) wrong: %s" % table)
    print("report_stats_checks: all checks passed")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail("usage: report_stats_checks.py SOURCE_DIR")
    main(sys.argv[1])
