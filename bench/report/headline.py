#!/usr/bin/env python3
"""The headline table of a leaderboard: per network and hidden size, one row per rule and one
column per task holding the rule's median test metric, its rank, and a mark when it is the best
of the task or not worse than the best across seeds (paired over seeds, the exact Wilcoxon
signed-rank test of the per-seed differences at p < 0.05: bench/report/paired.py). Rules are sorted by their mean normalised
score, 0 for the readout_only baseline and 1 for the best rule of each task.

    python3 bench/report/headline.py LEADERBOARD.json            print the Markdown
    python3 bench/report/headline.py LEADERBOARD.json --write FILE
    python3 bench/report/headline.py LEADERBOARD.json --check FILE
    python3 bench/report/headline.py LEADERBOARD.json --hidden 64 ...   only the networks of n = 64

--write replaces, in FILE, the text between the lines
    <!-- headline: LEADERBOARD.json -->        (with --hidden N: <!-- headline: LEADERBOARD.json, n = N -->)
    <!-- end headline -->
with the table; --check exits 1 when that text differs from the table (a stale headline).
Standard library only.
"""
import argparse
import json
import math
import sys

from paired import number, versus

NETWORKS = {"rate": "rate network", "lif": "spiking network"}


def task_scores(entries, higher):
    """{rule: (median - readout_only's) / (best median - readout_only's)} over one ranking's entries
    (None for a rule without a finite median), or None when the task cannot be scored: no
    readout_only entry with a finite median, or the best is the baseline."""
    values = {e["rule"]: number(e["metric"]["median"]) for e in entries}
    finite = [v for v in values.values() if v is not None]
    base = [values[e["rule"]] for e in entries if e["algorithm"] == "readout_only"]
    if not base or base[0] is None or not finite:
        return None
    top = max(finite) if higher else min(finite)
    if top == base[0]:
        return None
    return {rule: None if v is None else (v - base[0]) / (top - base[0]) for rule, v in values.items()}


def tied_with_best(ranking, higher):
    """The rules of a ranking (entries in rank order) not worse than its first entry at p < 0.05:
    paired over seeds, the exact Wilcoxon signed-rank test of the per-seed differences
    (paired.versus), each rule against the first, without a multiplicity correction (which would
    make more rules tied)."""
    best = ranking[0]
    return {e["rule"] for e in ranking if e is best or versus(e, best, higher)[2] == "reaches"}


def tables(board, hidden=None):
    out = []
    nets = sorted({(e.get("model", "rate"), e["hidden"]) for t in board["tasks"] for e in t["entries"]
                   if hidden is None or e["hidden"] == hidden},
                  key=lambda key: (key[0] != "rate", key[0], key[1]))  # the rate network first
    for net, n in nets:
        tasks = []
        for t in board["tasks"]:
            ranking = sorted((e for e in t["entries"] if e.get("model", "rate") == net and e["hidden"] == n),
                             key=lambda e: e["rank"])
            if ranking:
                tasks.append((t, ranking))
        if not tasks:
            continue
        rules, cell, score = [], {}, {}
        for t, ranking in tasks:
            name = t["task"]
            higher = t["better"] == "higher"
            best = tied_with_best(ranking, higher)
            scores = task_scores(ranking, higher) or {}
            for e in ranking:
                if e["rule"] not in rules:
                    rules.append(e["rule"])
                v = number(e["metric"]["median"])
                text = "–" if v is None else "%.3g (%d)" % (v, e["rank"])
                cell[(e["rule"], name)] = ("**%s**" % text) if e["rule"] in best else text
                if scores.get(e["rule"]) is not None:
                    score.setdefault(e["rule"], []).append(scores[e["rule"]])
        mean = {r: sum(score[r]) / len(score[r]) if score.get(r) else -math.inf for r in rules}
        rules.sort(key=lambda r: -mean[r])
        names = [t["task"] for t, _ in tasks]
        header = ["rule"] + ["%s: %s (%s)" % (t["task"], t["metric"], "↑" if t["better"] == "higher" else "↓")
                             for t, _ in tasks]
        lines = ["**%s, n = %d**" % (NETWORKS.get(net, net), n), "",
                 "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for r in rules:
            lines.append("| `%s` | " % r + " | ".join(cell.get((r, c), "") for c in names) + " |")
        out.append("\n".join(lines))
    note = ("Median test metric over seeds at each rule's best learning rate (its rank among the rules "
            "of that network and size); **bold**: the best, or not worse than the best at p < 0.05 "
            "(exact Wilcoxon signed-rank test of the per-seed differences, each rule against the best, "
            "unadjusted); rows sorted by the mean score between readout_only (0) and the "
            "best rule (1). Commit(s) %s." % ", ".join(board.get("git_commits", [])))
    return "\n\n".join(out) + "\n\n" + note + "\n"


def block(path_text, leaderboard, hidden=None):
    start = "<!-- headline: %s -->" % (leaderboard if hidden is None else "%s, n = %d" % (leaderboard, hidden))
    end = "<!-- end headline -->"
    i = path_text.find(start)
    j = path_text.find(end, i + 1)
    if i < 0 or j < 0:
        raise SystemExit("headline: no block '%s' ... '%s'" % (start, end))
    return i + len(start) + 1, j


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("leaderboard")
    parser.add_argument("--hidden", type=int, help="only the networks of this hidden size")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="FILE")
    group.add_argument("--check", metavar="FILE")
    args = parser.parse_args(argv)
    with open(args.leaderboard) as f:
        board = json.load(f)
    if args.hidden is not None and not any(e["hidden"] == args.hidden for t in board["tasks"] for e in t["entries"]):
        raise SystemExit("headline: %s has no entry of hidden size %d" % (args.leaderboard, args.hidden))
    table = tables(board, args.hidden)
    target = args.write or args.check
    if not target:
        sys.stdout.write(table)
        return 0
    with open(target) as f:
        text = f.read()
    i, j = block(text, args.leaderboard, args.hidden)
    if args.check:
        if text[i:j] != table:
            print("headline: %s: the table from %s is stale; run bench/report/headline.py %s --write %s" %
                  (target, args.leaderboard, args.leaderboard, target), file=sys.stderr)
            return 1
        print("headline: %s holds the table of %s" % (target, args.leaderboard))
        return 0
    with open(target, "w") as f:
        f.write(text[:i] + table + text[j:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
