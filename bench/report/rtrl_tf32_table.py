#!/usr/bin/env python3
"""RTRL with its influence product in TF32 against RTRL in float: the tables of
results/cpu/rtrl_tf32/ (written by its run.sh).

Probe: per task, n and checkpoint, the median over seeds of each mode's distance from exact
BPTT (rel_bias, |g_rule - g| / |g| over the recurrent parameters), the TF32 gradient's
cosine with the exact one and its norm ratio, and the data floor (the relative variance of
the exact gradient between batches, sqrt taken so it reads as a relative spread).
Training: per task, each mode's test metric at the selected learning rate (median, min and
max over seeds).

  python3 bench/report/rtrl_tf32_table.py results/cpu/rtrl_tf32/raw
"""
import glob
import json
import os
import re
import statistics
import sys

PROBE = re.compile(r"probe-(?P<task>.+)-n(?P<n>\d+)-(?P<mode>full|tf32)-s(?P<seed>\d+)\.json$")
TRAIN = re.compile(r"train-(?P<task>.+)-n(?P<n>\d+)-(?P<mode>full|tf32)\.json$")
METRIC = {"dnms-v1": "accuracy", "add-v0": "ce"}  # the default suite's metric of each trained task


def probe_rows(folder):
    cells = {}
    commits = set()
    for path in sorted(glob.glob(os.path.join(folder, "probe-*.json"))):
        m = PROBE.search(os.path.basename(path))
        if not m:
            continue
        report = json.load(open(path))
        commits.add(report["git_commit"])
        for checkpoint in report["checkpoints"]:
            rec = checkpoint["algorithms"][0]["recurrent"]
            key = (m["task"], int(m["n"]), checkpoint["step"])
            cell = cells.setdefault(key, {"full": [], "tf32": [], "cos": [], "ratio": [], "floor": []})
            cell[m["mode"]].append(rec["rel_bias"])
            if m["mode"] == "tf32":
                cell["cos"].append(rec["cosine_of_mean"])
                cell["ratio"].append(rec["norm_ratio"])
            cell["floor"].append(checkpoint["data_floor"]["recurrent_rel_variance"] ** 0.5)
    return cells, commits


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    folder = sys.argv[1]
    cells, commits = probe_rows(folder)
    if not cells:
        sys.exit(f"no probe reports in {folder}")
    med = statistics.median
    print(f"Probe reports of commit(s) {', '.join(sorted(commits))}; medians over seeds "
          f"({min(len(c['tf32']) for c in cells.values())} to {max(len(c['tf32']) for c in cells.values())})\n")
    print("| task | n | step | rel. error, float | rel. error, TF32 | TF32 cosine | TF32 norm ratio | "
          "data spread |")
    print("|---|---|---|---|---|---|---|---|")
    for (task, n, step), c in sorted(cells.items()):
        if not c["full"] or not c["tf32"]:
            continue
        print(f"| {task} | {n} | {step} | {med(c['full']):.1e} | {med(c['tf32']):.1e} | {med(c['cos']):.7f} | "
              f"{med(c['ratio']):.4f} | {med(c['floor']):.2f} |")

    trains = {}
    for path in sorted(glob.glob(os.path.join(folder, "train-*.json"))):
        m = TRAIN.search(os.path.basename(path))
        if m:
            trains.setdefault((m["task"], int(m["n"])), {})[m["mode"]] = json.load(open(path))
    if trains:
        print("\nTraining (3 seeds, the suite's settings): test metric at the selected learning rate, "
              "median [min, max] over seeds\n")
        print("| task | n | metric | float: lr | float | TF32: lr | TF32 |")
        print("|---|---|---|---|---|---|---|")
        for (task, n), modes in sorted(trains.items()):
            if set(modes) != {"full", "tf32"}:
                continue
            metric = METRIC.get(task, "test_loss")
            cols = []
            for mode in ("full", "tf32"):
                s = modes[mode]["summary"]
                v = s["test_metrics"][metric] if metric in s["test_metrics"] else s["test_loss"]
                cols.append(f"{s['learning_rate']:g}")
                cols.append(f"{v['median']:.3f} [{v['min']:.3f}, {v['max']:.3f}]")
            print(f"| {task} | {n} | {metric} | " + " | ".join(cols) + " |")


if __name__ == "__main__":
    main()
