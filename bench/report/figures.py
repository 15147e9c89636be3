#!/usr/bin/env python3
"""Figures of a suite's leaderboard, drawn with matplotlib (Debian's python3-matplotlib), as PNG,
with an index.html that shows them all. Rate and spiking networks get separate figures.

    python3 bench/report/figures.py --leaderboard L.json --cells SUITE_DIR --out-dir DIR

Besides the PNG files and index.html it writes figures.json: each figure with the rules drawn
in it (what tests/leaderboard_checks.py checks).

Reads the leaderboard (`tcabench leaderboard`) and, for what it keeps only as medians, the cell
files it names (SUITE_DIR/cells/ or SUITE_DIR): the per-seed learning curves, alignment along
training and each rule's FLOPs. Figures, per task and network:

  bias_variance-TASK-nN-NET.png  the probe's bias (debiased, relative) against its variance
                                 (relative) for the recurrent parameters W, 95% intervals as
                                 bars; deterministic rules (variance 0) in a strip on the left
  cost-TASK-NET.png              quality against cost: cos(mean estimate, exact gradient) of W
                                 and the final test loss against FLOPs per step, rule-state
                                 bytes and measured seconds per sequence step, log axes
  curves-TASK-nN-NET.png         validation loss over training: median over seeds, band from
                                 the first to the third quartile
  alignment-TASK-nN-NET.png      cos(estimate, exact gradient) of W along each rule's own
                                 training run (suites with align_every), median and quartiles
  curvature-TASK-nN-NET.png      where training ends (suites with curvature_batch): the top
                                 Hessian eigenvalue of the training loss against the test loss
                                 minus the last training loss, medians with intervals over seeds
and, across tasks:
  summary-NET-nN.png             per rule and task, the score normalised between the
                                 readout_only baseline (0) and the best rule (1), as a heat map
                                 (in the spirit of bsuite's summary)
"""
import argparse
import html
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import headline  # noqa: E402  (beside this file: the normalised scores and number())
from headline import number  # noqa: E402

NETWORKS = {"rate": "rate network", "lif": "spiking network (LIF/ALIF)"}
DPI = 110


def colours(rules):
    """A fixed colour per rule name, from tab20 then tab20b."""
    palette = list(plt.get_cmap("tab20").colors) + list(plt.get_cmap("tab20b").colors)
    return {r: palette[i % len(palette)] for i, r in enumerate(sorted(rules))}


def read_cells(folder, entries):
    """The cell document of each entry, by file name."""
    base = os.path.join(folder, "cells") if os.path.isdir(os.path.join(folder, "cells")) else folder
    cells = {}
    for e in entries:
        path = os.path.join(base, e["file"])
        if not os.path.exists(path):
            raise SystemExit("figures: %s: the cell of %s n=%d is missing (--cells)" % (path, e["rule"], e["hidden"]))
        with open(path) as f:
            cells[e["file"]] = json.load(f)
    return cells


def best_runs(cell, entry):
    return [r for r in cell["train"]["runs"] if r["learning_rate"] == entry["learning_rate"]]


def by_network(entries):
    groups = {}
    for e in entries:
        groups.setdefault(e.get("model", "rate"), []).append(e)
    return groups


def legend_outside(ax, handles=None, labels=None):
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False,
                  ncol=1 if len(handles) <= 18 else 2)


def save(fig, out_dir, name, written, rules):
    """Writes the figure and records it with the rules it draws (figures.json)."""
    fig.savefig(os.path.join(out_dir, name), dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    written.append({"file": name, "rules": sorted(set(rules))})


def bias_variance(task, entries, net, n, colour, out_dir, written):
    floor = 1e-9  # log axes: a zero bias (the debiased estimate clipped at 0) is drawn here
    fig, (strip, ax) = plt.subplots(1, 2, figsize=(9, 5), sharey=True, gridspec_kw={"width_ratios": [1, 5]})
    drawn = []
    stochastic = [e for e in entries if e["gradient"][0]["stochastic"]]
    deterministic = [e for e in entries if not e["gradient"][0]["stochastic"]]
    for i, e in enumerate(deterministic):
        w = e["gradient"][0]["recurrent"]
        y = max(number(w["rel_bias_debiased"]) or floor, floor)
        strip.plot([i], [y], "o", color=colour[e["rule"]], label=e["rule"])
        drawn.append(e["rule"])
    strip.set_xlim(-1, max(1, len(deterministic)))
    strip.set_xticks([])
    strip.set_xlabel("deterministic\n(variance 0)")
    for e in stochastic:
        w = e["gradient"][0]["recurrent"]
        x, y = number(w["rel_variance"]), max(number(w["rel_bias_debiased"]) or floor, floor)
        if x is None:
            continue
        xerr = yerr = None
        if w.get("rel_variance_ci95"):
            lo, hi = w["rel_variance_ci95"]
            xerr = [[max(x - lo, 0)], [max(hi - x, 0)]]
        if w.get("rel_bias_ci95"):
            lo, hi = w["rel_bias_ci95"]
            yerr = [[max(y - max(lo, floor), 0)], [max(max(hi, floor) - y, 0)]]
        ax.errorbar([x], [y], xerr=xerr, yerr=yerr, fmt="s", color=colour[e["rule"]], capsize=2, label=e["rule"])
        drawn.append(e["rule"])
    if not drawn:
        plt.close(fig)
        return
    floor_var = entries[0]["gradient"][0]["recurrent"].get("data_floor_rel_variance")
    if number(floor_var):
        ax.axvline(floor_var, color="0.6", linestyle=":", label="data-variance floor")
    ax.set_xscale("log")
    strip.set_yscale("log")
    strip.set_ylabel("relative bias |mean ĝ − g| / |g| of W (debiased; 0 drawn at 1e-9)")
    ax.set_xlabel("relative variance tr Cov(ĝ) / |g|² of W")
    handles, labels = strip.get_legend_handles_labels()
    h2, l2 = ax.get_legend_handles_labels()
    legend_outside(ax, handles + h2, labels + l2)
    fig.suptitle("%s, n = %d, %s: gradient of W at the initial parameters" % (task["task"], n, NETWORKS[net]))
    save(fig, out_dir, "bias_variance-%s-n%d-%s.png" % (task["task"], n, net), written, drawn)


def cost(task, entries, cells, net, colour, out_dir, written):
    costs = [("FLOPs per step and sequence", lambda e, c: probe_algorithm(c).get("flops_per_step_per_sequence")),
             ("rule state (bytes)", lambda e, c: e["state_bytes"] or None),
             ("seconds per sequence step (training)",
              lambda e, c: 1.0 / e["steps_per_second"]["median"] if number(e["steps_per_second"]["median"]) else None)]
    quality = [("cos(mean ĝ, g) of W", lambda e: number(e["gradient"][0]["recurrent"]["cosine_of_mean"])),
               ("test loss (median over seeds)", lambda e: number(e["test_loss"]["median"]))]
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5), sharey="row")
    drawn = []
    markers = {}
    for e in entries:
        markers.setdefault(e["hidden"], "os^D"[len(markers) % 4])
    for row, (qname, q) in enumerate(quality):
        for col, (cname, cfun) in enumerate(costs):
            ax = axes[row][col]
            for e in entries:
                x, y = cfun(e, cells[e["file"]]), q(e)
                if x is None or y is None or x <= 0:
                    continue
                ax.plot([x], [y], markers[e["hidden"]], color=colour[e["rule"]], label=e["rule"])
                drawn.append(e["rule"])
            ax.set_xscale("log")
            if row == 1:
                ax.set_xlabel(cname)
                ax.set_yscale("log")
            if col == 0:
                ax.set_ylabel(qname)
            ax.grid(True, which="major", alpha=0.3)
    if not drawn:
        plt.close(fig)
        return
    seen, handles, labels = set(), [], []
    for ax in axes.flat:
        for h, l in zip(*ax.get_legend_handles_labels()):
            if l not in seen:
                seen.add(l)
                handles.append(h)
                labels.append(l)
    sizes = ", ".join("%s n = %d" % ({"o": "circles", "s": "squares", "^": "triangles", "D": "diamonds"}[m], n)
                      for n, m in sorted(markers.items()))
    legend_outside(axes[0][2], handles, labels)
    fig.suptitle("%s, %s: quality against cost (%s)" % (task["task"], NETWORKS[net], sizes))
    save(fig, out_dir, "cost-%s-%s.png" % (task["task"], net), written, drawn)


def probe_algorithm(cell):
    return cell["probe"]["checkpoints"][0]["algorithms"][0]


def quantile(sorted_values, q):
    """The q-quantile of sorted values, interpolated between order statistics."""
    position = q * (len(sorted_values) - 1)
    below = int(math.floor(position))
    above = min(below + 1, len(sorted_values) - 1)
    return sorted_values[below] + (position - below) * (sorted_values[above] - sorted_values[below])


def band(series_by_seed, key_x, key_y):
    """Median and quartiles over seeds at each x that every seed has."""
    xs = None
    for s in series_by_seed:
        these = [p[key_x] for p in s]
        xs = these if xs is None else [x for x in xs if x in these]
    if not xs:
        return [], [], [], []
    med, lo, hi = [], [], []
    for x in xs:
        values = sorted(v for s in series_by_seed for p in s if p[key_x] == x
                        for v in [number(p[key_y])] if v is not None)
        if not values:
            med.append(float("nan")), lo.append(float("nan")), hi.append(float("nan"))
            continue
        med.append(quantile(values, 0.5))
        lo.append(quantile(values, 0.25))
        hi.append(quantile(values, 0.75))
    return xs, med, lo, hi


def curves(task, entries, cells, net, n, colour, out_dir, written, what):
    fig, ax = plt.subplots(figsize=(9, 5))
    drawn = []
    for e in entries:
        runs = [r for r in best_runs(cells[e["file"]], e) if not r["diverged"]]
        if what == "loss":
            series = [r["curve"] for r in runs]
            xs, med, lo, hi = band(series, "iteration", "validation_loss")
        else:
            series = [r.get("alignment") or [] for r in runs]
            xs, med, lo, hi = band(series, "iteration", "cosine")
        if not xs:
            continue
        ax.plot(xs, med, color=colour[e["rule"]], label=e["rule"], linewidth=1.5)
        ax.fill_between(xs, lo, hi, color=colour[e["rule"]], alpha=0.1, linewidth=0)
        drawn.append(e["rule"])
    if not drawn:
        plt.close(fig)
        return
    ax.set_xlabel("training windows")
    if what == "loss":
        ax.set_ylabel("validation loss")
        ax.set_yscale("log")
        name = "curves-%s-n%d-%s.png" % (task["task"], n, net)
        title = "learning curves (median over seeds, quartile band)"
    else:
        ax.set_ylabel("cos(ĝ, g) of W on a fresh batch")
        ax.axhline(0, color="0.6", linewidth=0.8)
        name = "alignment-%s-n%d-%s.png" % (task["task"], n, net)
        title = "alignment along each rule's own run\n(median over seeds, quartile band)"
    ax.grid(True, alpha=0.3)
    legend_outside(ax)
    fig.suptitle("%s, n = %d, %s: %s" % (task["task"], n, NETWORKS[net], title))
    save(fig, out_dir, name, written, drawn)


def curvature(task, entries, net, n, colour, out_dir, written):
    """Where training ended: the top Hessian eigenvalue against the generalisation gap."""
    fig, ax = plt.subplots(figsize=(9, 5))
    drawn = []
    for e in entries:
        h, g = e.get("top_hessian_eigenvalue") or {}, e.get("generalization_gap") or {}
        x, y = number(h.get("median")), number(g.get("median"))
        if x is None or y is None:
            continue
        xr, yr = h.get("interval") or [None, None], g.get("interval") or [None, None]
        xerr = [[x - xr[0]], [xr[1] - x]] if None not in xr else None
        yerr = [[y - yr[0]], [yr[1] - y]] if None not in yr else None
        ax.errorbar([x], [y], xerr=xerr, yerr=yerr, fmt="o", color=colour[e["rule"]], capsize=2, label=e["rule"])
        drawn.append(e["rule"])
    if not drawn:
        plt.close(fig)
        return
    # Power iteration returns the eigenvalue of largest magnitude, which can be negative.
    ax.set_xscale("symlog", linthresh=1.0)
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.set_xlabel("top Hessian eigenvalue of the training loss at the end (median; bars: interval over seeds)")
    ax.set_ylabel("test loss − last training loss")
    ax.grid(True, alpha=0.3)
    legend_outside(ax)
    fig.suptitle("%s, n = %d, %s: where training ends" % (task["task"], n, NETWORKS[net]))
    save(fig, out_dir, "curvature-%s-n%d-%s.png" % (task["task"], n, net), written, drawn)


def summary(tasks, net, n, out_dir, written):
    """Score per (rule, task): (median − baseline) / (best − baseline), baseline = readout_only."""
    rows, columns, scores = [], [], {}
    for task in tasks:
        entries = [e for e in task["entries"] if e.get("model", "rate") == net and e["hidden"] == n]
        these = headline.task_scores(entries, task["better"] == "higher")
        if these is None:
            continue
        columns.append(task["task"])
        for rule, score in these.items():
            if rule not in rows:
                rows.append(rule)
            scores[(rule, task["task"])] = score
    if not columns:
        return
    mean = {}  # over the tasks the rule has a score on (a task's "rules" may leave it out), as headline.py
    for r in rows:
        mine = [scores[(r, c)] for c in columns if scores.get((r, c)) is not None]
        mean[r] = sum(mine) / len(mine) if mine else -math.inf
    rows.sort(key=lambda r: -mean[r])
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(columns), 1.2 + 0.32 * len(rows)))
    grid = [[scores.get((r, c)) if scores.get((r, c)) is not None else float("nan") for c in columns] for r in rows]
    image = ax.imshow(grid, cmap="RdYlGn", vmin=-0.5, vmax=1.0, aspect="auto")
    for i, r in enumerate(rows):
        for j, c in enumerate(columns):
            v = scores.get((r, c))
            ax.text(j, i, "–" if v is None else "%.2f" % v, ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(columns)), columns, rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    fig.colorbar(image, ax=ax, label="score: 0 = readout_only, 1 = best rule")
    ax.set_title("%s, n = %d: test metric normalised per task" % (NETWORKS[net], n))
    save(fig, out_dir, "summary-%s-n%d.png" % (net, n), written, rows)


def index_html(board, written, out_dir):
    commits = ", ".join(board.get("git_commits", []))
    names = [w["file"] for w in written]
    items = "\n".join('<h2>%s</h2>\n<img src="%s" alt="%s" style="max-width:100%%">' %
                      (html.escape(name[:-4]), html.escape(name), html.escape(name[:-4])) for name in names)
    with open(os.path.join(out_dir, "index.html"), "w") as f:
        f.write("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>tcabench figures</title></head>\n"
                "<body>\n<h1>tcabench figures</h1>\n<p>Leaderboard of commit(s) %s; figures by "
                "bench/report/figures.py.</p>\n%s\n</body></html>\n" % (html.escape(commits), items))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leaderboard", required=True, help="the leaderboard JSON (tcabench leaderboard --out)")
    parser.add_argument("--cells", required=True, help="the suite folder (or its cells/ folder) the leaderboard was built from")
    parser.add_argument("--out-dir", required=True, help="where the PNG files and index.html go")
    args = parser.parse_args(argv)
    with open(args.leaderboard) as f:
        board = json.load(f)
    os.makedirs(args.out_dir, exist_ok=True)
    all_entries = [e for t in board["tasks"] for e in t["entries"]]
    colour = colours({e["rule"] for e in all_entries})
    cells = read_cells(args.cells, all_entries)
    written = []
    for task in board["tasks"]:
        for net, entries in sorted(by_network(task["entries"]).items()):
            for n in sorted({e["hidden"] for e in entries}):
                sized = [e for e in entries if e["hidden"] == n]
                bias_variance(task, sized, net, n, colour, args.out_dir, written)
                curves(task, sized, cells, net, n, colour, args.out_dir, written, "loss")
                curves(task, sized, cells, net, n, colour, args.out_dir, written, "alignment")
                curvature(task, sized, net, n, colour, args.out_dir, written)
            cost(task, entries, cells, net, colour, args.out_dir, written)
    nets = sorted({e.get("model", "rate") for e in all_entries})
    for net in nets:
        for n in sorted({e["hidden"] for e in all_entries if e.get("model", "rate") == net}):
            summary(board["tasks"], net, n, args.out_dir, written)
    index_html(board, written, args.out_dir)
    with open(os.path.join(args.out_dir, "figures.json"), "w") as f:
        json.dump({"figures": written}, f, indent=1)
        f.write("\n")
    print("figures: wrote %d figures, index.html and figures.json to %s" % (len(written), args.out_dir))


if __name__ == "__main__":
    main(sys.argv[1:])
