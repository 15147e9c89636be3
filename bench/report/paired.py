"""Paired comparisons of two leaderboard entries over the seeds both ran: the exact two-sided
Wilcoxon signed-rank test of their per-seed differences. Used by headline.py (which rules are
tied with the best) and task_summary.py (which rules reach the exact rule). Standard library only.
"""
import itertools
import math


def number(x):
    return x if isinstance(x, (int, float)) and math.isfinite(x) else None


def wilcoxon_exact(differences):
    """Two-sided exact p-value of the Wilcoxon signed-rank test, or None without a non-zero
    difference. Midranks for tied magnitudes; the null distribution of the statistic (the sum of
    the positive differences' ranks) is enumerated over the 2^m sign patterns."""
    d = [x for x in differences if x != 0]
    m = len(d)
    if m == 0:
        return None
    if m > 20:
        raise ValueError("wilcoxon_exact: %d pairs; the enumeration is for at most 20" % m)
    order = sorted(range(m), key=lambda i: abs(d[i]))
    ranks = [0.0] * m
    i = 0
    while i < m:
        j = i
        while j + 1 < m and abs(d[order[j + 1]]) == abs(d[order[i]]):
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1
        i = j + 1
    observed = sum(r for r, x in zip(ranks, d) if x > 0)
    centre = sum(ranks) / 2.0
    extreme = abs(observed - centre) - 1e-9
    count = sum(1 for signs in itertools.product((0, 1), repeat=m)
                if abs(sum(r for r, s in zip(ranks, signs) if s) - centre) >= extreme)
    return min(1.0, count / 2.0 ** m)


def median(values):
    v = sorted(values)
    if not v:
        return None
    h = len(v) // 2
    return v[h] if len(v) % 2 else 0.5 * (v[h - 1] + v[h])


def by_seed(entry):
    """{seed: the ranked metric of that run, None when it diverged}."""
    return {seed: number(v) for seed, v in zip(entry["seeds"], entry["metric_by_seed"])}


def versus(entry, reference, higher):
    """(median of the per-seed differences entry - reference, p, verdict) over the seeds both ran;
    verdict "reaches" when the entry is better or not worse at p < 0.05, "short" when it is worse
    at p < 0.05. A diverged run counts as worse than any finite value (as in the leaderboard's
    lead_over_next)."""
    a, b = by_seed(entry), by_seed(reference)
    seeds = [s for s in a if s in b]
    if len(seeds) < 2:
        return None, None, "–"
    worst = -math.inf if higher else math.inf
    diff = []
    for s in seeds:
        x = worst if a[s] is None else a[s]
        y = worst if b[s] is None else b[s]
        diff.append(0.0 if x == y else x - y)
    p = wilcoxon_exact(diff)
    md = median(diff)
    worse = (md < 0) if higher else (md > 0)
    if p is None or p >= 0.05 or not worse:
        return md, p, "reaches"
    return md, p, "short"
