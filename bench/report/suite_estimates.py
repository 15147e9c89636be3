#!/usr/bin/env python3
"""How close `tcabench suite --list`'s time estimates came to what the written cells took.

    tcabench suite --config CONFIG --out-dir DIR --list 2>&1 | python3 bench/report/suite_estimates.py DIR \
        [--exclude FILE ...]

Reads the listing from the standard input (one line per cell: "suite [i/N] FILE: done, estimated
X, took Y") and, for every written cell, its own wall_seconds from DIR/cells/FILE (the listing
rounds to three digits). Prints the totals and their ratio (measured / estimated) over all written
cells, per task, and without the cells named by --exclude (cells known to have run beside other
work), and the cells whose ratio lies outside [0.5, 2].
"""
import argparse
import json
import os
import re
import sys

LINE = re.compile(r"suite \[\d+/\d+\] (\S+): (pending|done|stale), estimated ([\d.e+-]+) (s|min|h)")
DONE = re.compile(r"suite \[\d+/\d+\] (\S+): done")
UNIT = {"s": 1.0, "min": 60.0, "h": 3600.0}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", help="the suite's --out-dir (its cells are in OUT_DIR/cells)")
    parser.add_argument("--exclude", nargs="*", default=[], help="cell files to leave out of the second total")
    args = parser.parse_args()
    rows = []  # (file, estimated seconds, measured seconds)
    left_out = []  # written cells without an estimate or a recorded time, and why
    for line in sys.stdin:
        done = DONE.search(line)
        if not done:
            continue
        match = LINE.search(line)
        if not match:
            left_out.append(f"{done.group(1)} (no estimate in the listing)")
            continue
        name = match.group(1)
        with open(os.path.join(args.out_dir, "cells", name)) as f:
            measured = json.load(f).get("wall_seconds")
        if not isinstance(measured, (int, float)):
            left_out.append(f"{name} (no wall_seconds in the cell)")
            continue
        rows.append((name, float(match.group(3)) * UNIT[match.group(4)], float(measured)))
    if not rows:
        sys.exit("suite_estimates: no written cell with an estimate in the listing on the standard input")

    def total(label, subset):
        estimated, measured = sum(r[1] for r in subset), sum(r[2] for r in subset)
        print(f"{label}: {len(subset)} cells, estimated {estimated / 3600:.2f} h, took {measured / 3600:.2f} h, "
              f"ratio {measured / estimated:.2f}")

    total("all written cells", rows)
    missing = [name for name in args.exclude if name not in {r[0] for r in rows}]
    if missing:
        sys.exit(f"suite_estimates: --exclude names cells that are not written: {', '.join(missing)}")
    if args.exclude:
        total(f"without the {len(args.exclude)} excluded", [r for r in rows if r[0] not in args.exclude])
    tasks = {}
    for r in rows:
        tasks.setdefault(r[0].split(".")[0], []).append(r)
    for task, subset in tasks.items():
        total(f"  {task}", subset)
    for reason in left_out:
        print(f"  left out: {reason}")
    outliers = [r for r in rows if not 0.5 <= r[2] / r[1] <= 2]
    for name, estimated, measured in outliers:
        print(f"  outside [0.5, 2]: {name}: estimated {estimated:.1f} s, took {measured:.1f} s ({measured / estimated:.2f})")


if __name__ == "__main__":
    main()
