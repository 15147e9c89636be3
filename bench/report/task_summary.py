#!/usr/bin/env python3
"""Per task, the three answers a reader of a suite comes for: which rules reach the exact rule's
result, at what cost per step, and how well each follows the exact gradient while it trains.

    python3 bench/report/task_summary.py LEADERBOARD.json --cells SUITE_DIR [--task ID] [--hidden N]

prints, for every task of the leaderboard and every network and hidden size, one Markdown
table, rules in rank order:

- the median test metric over seeds at the rule's chosen learning rate, with its interval;
- "vs exact": the rule against the exact rule of its ranking (bptt, or rtrl in the online
  regime, bptt-lif on the spiking network), paired over the seeds both ran: the median of the
  per-seed differences (rule − exact, in the metric's units) and the two-sided p-value of an
  exact Wilcoxon signed-rank test (zero differences dropped, tied magnitudes given their mean
  rank, the null distribution enumerated over all sign patterns). "reaches" when the rule is
  better, or not worse at p < 0.05; "short" when it is worse at p < 0.05;
- FLOPs per step and sequence (the rule's own count, from the probe of the cell), and its state
  in bytes at the suite's batch;
- cos(mean ĝ, g) on the recurrent parameters W where the probe measured it (the initial
  parameters), and cos(ĝ, g) on W along the rule's own training run (`align_every`): at the
  first and the last checkpoint and the median over the checkpoints, each the median over seeds.

Standard library only.
"""
import argparse
import json
import math
import os
import sys

from paired import median, number, versus

EXACT = {("rate", "batched"): "bptt", ("rate", "online"): "rtrl", ("lif", "batched"): "bptt-lif"}


def fmt(x, digits=3):
    x = number(x)
    return "–" if x is None else "%.*g" % (digits, x)


def fmt_bytes(b):
    if not number(b):
        return "0 B" if b == 0 else "–"
    for unit, scale in (("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if b >= scale:
            return "%.3g %s" % (b / scale, unit)
    return "%d B" % b


def cell_flops(cells_dir, entry, cache):
    path = os.path.join(cells_dir, "cells", entry["file"])
    if path not in cache:
        with open(path) as f:
            cell = json.load(f)
        try:
            cache[path] = cell["probe"]["checkpoints"][0]["algorithms"][0].get("flops_per_step_per_sequence")
        except (KeyError, IndexError, TypeError):
            cache[path] = None
    return cache[path]


def alignment(entry):
    curve = entry.get("alignment_curve") or {}
    cos = [number(c) for c in curve.get("cosine", [])]
    cos = [c for c in cos if c is not None]
    if not cos:
        return "–"
    return "%s → %s (%s)" % (fmt(cos[0], 2), fmt(cos[-1], 2), fmt(median(cos), 2))


def summary(board, cells_dir, only_task=None, hidden=None):
    out = []
    cache = {}
    for task in board["tasks"]:
        name = task.get("task", task["id"])
        if only_task and only_task != name:
            continue
        higher = task["better"] == "higher"
        groups = {}
        for e in task["entries"]:
            if hidden is not None and e["hidden"] != hidden:
                continue
            groups.setdefault((e.get("model", "rate"), e["hidden"]), []).append(e)
        for (net, n), entries in sorted(groups.items(), key=lambda kv: (kv[0][0] != "rate", kv[0])):
            entries.sort(key=lambda e: e["rank"])
            exact_rule = EXACT.get((net, task.get("regime", "batched")))
            exact = next((e for e in entries if e["rule"] == exact_rule), None)
            lines = ["**%s, %s network, n = %d** (%s; exact: `%s`)" %
                     (name, net, n, task["metric"] + (", higher is better" if higher else ", lower is better"),
                      exact_rule if exact else "none in this ranking"), "",
                     "| rule | %s (test) | vs exact: median Δ, p | FLOPs/step | state | cos W, probe | "
                     "cos W along own training: start → end (median) |" % task["metric"],
                     "|---|---|---|---|---|---|---|"]
            for e in entries:
                metric = e["metric"]
                interval = metric.get("interval") or [None, None]
                value = "%s [%s, %s]" % (fmt(metric.get("median")), fmt(interval[0]), fmt(interval[1]))
                if exact is None:
                    vs = "–"
                else:
                    md, p, verdict = versus(e, exact, higher) if e is not exact else (None, None, "exact")
                    vs = verdict if md is None else "%s: %s, %s" % (verdict, fmt(md, 2), fmt(p, 2) if p is not None else "all equal")
                probe = e["gradient"][0]["recurrent"] if e.get("gradient") else {}
                lines.append("| `%s` | %s | %s | %s | %s | %s | %s |" %
                             (e["rule"], value, vs, fmt(cell_flops(cells_dir, e, cache)), fmt_bytes(e.get("state_bytes")),
                              fmt(probe.get("cosine_of_mean"), 2), alignment(e)))
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("leaderboard")
    parser.add_argument("--cells", required=True, help="the suite's directory (its cells/ hold the FLOP counts)")
    parser.add_argument("--task", help="only this task, by its name in the suite (its id unless renamed, e.g. add-online)")
    parser.add_argument("--hidden", type=int, help="only the networks of this hidden size")
    args = parser.parse_args(argv)
    with open(args.leaderboard) as f:
        board = json.load(f)
    sys.stdout.write(summary(board, args.cells, args.task, args.hidden))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
