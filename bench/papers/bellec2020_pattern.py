#!/usr/bin/env python3
"""Summary of the Bellec et al. 2020 pattern-generation runs (bench/papers/bellec2020_pattern.sh).

Reads results/papers/bellec2020_pattern/<rule>-seed<s>.json, writes
results/papers/bellec2020_pattern/summary.json and prints the Markdown tables of
docs/papers/bellec2020_pattern.md: per run the normalised error nmse (1: no better than the
target's mean) at the start, after 500 and 1000 iterations and at the end (2000), and per rule
the median final nmse and its ratio to BPTT's.
"""
import argparse
import glob
import json
import os
import re
import statistics

RULES = ["eprop_random", "eprop", "bptt"]
CHECKPOINTS = [0, 500, 1000, 2000]


def load(folder):
    runs = {}
    for path in sorted(glob.glob(os.path.join(folder, "*-seed*.json"))):
        m = re.search(r"([a-z_]+)-seed(\d+)\.json$", os.path.basename(path))
        if not m or m.group(1) not in RULES:
            continue
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        run = report["runs"][0]
        curve = {point["iteration"]: point["validation_metrics"]["nmse"] for point in run["curve"]}
        runs.setdefault(m.group(1), []).append({
            "seed": int(m.group(2)),
            "nmse": {str(it): curve.get(it) for it in CHECKPOINTS},
            "final_nmse": run["test_metrics"]["nmse"],
            "final_mse": run["test_metrics"]["mse"],
            "diverged": run["diverged"],
            "wall_seconds": run["wall_seconds"],
            "git_commit": report["git_commit"],
        })
    return runs


def summarise(runs):
    rules = []
    for rule in RULES:
        rows = sorted(runs.get(rule, []), key=lambda r: r["seed"])
        finals = [r["final_nmse"] for r in rows if r["final_nmse"] is not None]
        rules.append({"rule": rule, "seeds": len(rows), "runs": rows,
                      "median_final_nmse": statistics.median(finals) if finals else None})
    bptt = next(r["median_final_nmse"] for r in rules if r["rule"] == "bptt")
    for r in rules:
        r["ratio_to_bptt"] = r["median_final_nmse"] / bptt if bptt and r["median_final_nmse"] is not None else None
    return rules


def fmt(x):
    return "–" if x is None else "%.3g" % x


def markdown(rules):
    lines = ["| rule | seed | " + " | ".join("nmse at %d" % it for it in CHECKPOINTS) + " | training time |",
             "|---|---|" + "---|" * len(CHECKPOINTS) + "---|"]
    for r in rules:
        for run in r["runs"]:
            lines.append("| `%s` | %d | %s | %.0f s |" % (
                r["rule"], run["seed"], " | ".join(fmt(run["nmse"][str(it)]) for it in CHECKPOINTS),
                run["wall_seconds"]))
    lines += ["", "| rule | seeds | median final nmse | ratio to `bptt` |", "|---|---|---|---|"]
    for r in rules:
        lines.append("| `%s` | %d | %s | %s |" % (r["rule"], r["seeds"], fmt(r["median_final_nmse"]),
                                                fmt(r["ratio_to_bptt"])))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", default="results/papers/bellec2020_pattern")
    args = parser.parse_args()
    runs = load(args.folder)
    if not runs:
        raise SystemExit("bellec2020_pattern: no reports in %s; run bench/papers/bellec2020_pattern.sh" % args.folder)
    rules = summarise(runs)
    summary = {
        "paper": "Bellec et al. 2020, A solution to the learning dilemma for recurrent networks of spiking neurons "
                 "(Nature Communications 11:3625), pattern generation (the authors' tutorial)",
        "command": "bash bench/papers/bellec2020_pattern.sh",
        "git_commits": sorted({run["git_commit"] for r in rules for run in r["runs"]}),
        "rules": rules,
    }
    with open(os.path.join(args.folder, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(markdown(rules))


if __name__ == "__main__":
    main()
