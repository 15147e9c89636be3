#!/usr/bin/env python3
"""A Markdown table of the speed-up of one tcabench_micro build over another, from runs that
alternate between the two (A B A B ...), so that the machine's drift hits both alike.

  python3 bench/micro/speedup_table.py --before A1.json A2.json --after B1.json B2.json [--filter REGEX]

For each benchmark: the median over every repetition of every run of each build (the per-
repetition rows of Google Benchmark's JSON; aggregates are ignored), their ratio (before /
after: above 1 is faster), and the commits the runs' contexts name.
"""
import argparse
import json
import re
import statistics
import sys


def times(paths):
    per_name, commits = {}, set()
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        commits.add(data["context"].get("git_commit", "?"))
        for b in data["benchmarks"]:
            if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
                continue
            per_name.setdefault(b.get("run_name", b["name"]), []).append(b["real_time"])
    return per_name, commits


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", nargs="+", required=True)
    parser.add_argument("--after", nargs="+", required=True)
    parser.add_argument("--filter", default=".")
    args = parser.parse_args()
    before, commits_before = times(args.before)
    after, commits_after = times(args.after)
    # In registration order of the families, then by their numeric arguments.
    family_order = {}
    for n in before:
        family_order.setdefault(n.split("/")[1] if "/" in n else n, len(family_order))

    def key(name):
        parts = name.split("/")
        numbers = [int(x) for x in re.findall(r":(\d+)", name)]
        return (parts[0], family_order.get(parts[1] if len(parts) > 1 else name, 0), numbers)

    names = sorted((n for n in before if n in after and re.search(args.filter, n)), key=key)
    if not names:
        sys.exit("speedup_table: no benchmark in both builds matches the filter")
    print(f"Before: commit {', '.join(sorted(commits_before))}; after: commit {', '.join(sorted(commits_after))}; "
          f"medians of {len(before[names[0]])} and {len(after[names[0]])} repetitions (µs per window of 29 steps).\n")
    print("| benchmark | before (µs) | after (µs) | speed-up |")
    print("|---|---|---|---|")
    for name in names:
        b, a = statistics.median(before[name]), statistics.median(after[name])
        print(f"| `{name.replace('/real_time', '')}` | {b:.1f} | {a:.1f} | {b / a:.2f}× |")


if __name__ == "__main__":
    main()
