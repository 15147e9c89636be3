#!/usr/bin/env python3
"""Summary of the Bellec et al. 2020 reproduction (bench/papers/bellec2020.sh).

Reads results/papers/bellec2020/<rule>-seed<s>.json, writes
results/papers/bellec2020/summary.json and prints the Markdown tables of
docs/papers/bellec2020.md.

Agreement, as the issue that asked for this reproduction states it: every seed of every rule
reaches the stopping criterion (validation error below 7%, confirmed on a fresh batch of 512
trials) within 2000 iterations.
"""
import argparse
import glob
import json
import os
import re
import statistics

RULES = ["eprop_random", "eprop", "bptt"]
LIMIT = 2000


def load(folder):
    runs = {}
    for path in sorted(glob.glob(os.path.join(folder, "*-seed*.json"))):
        m = re.search(r"([a-z_]+)-seed(\d+)\.json$", os.path.basename(path))
        if not m or m.group(1) not in RULES:
            continue
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        run = report["runs"][0]
        runs.setdefault(m.group(1), []).append({
            "seed": int(m.group(2)),
            "iterations_to_criterion": run["steps_to_criterion"],
            "confirmations": run.get("confirmations", []),
            "test_accuracy": run["test_metrics"]["accuracy"],
            "wall_seconds": run["wall_seconds"],
            "git_commit": report["git_commit"],
            "algorithm_config": report["algorithm"]["config"],
        })
    return runs


def summarise(runs):
    rules = []
    for rule in RULES:
        rows = sorted(runs.get(rule, []), key=lambda r: r["seed"])
        reached = [r["iterations_to_criterion"] for r in rows if r["iterations_to_criterion"] is not None]
        rules.append({
            "rule": rule,
            "seeds": len(rows),
            "runs": rows,
            "reached": len(reached),
            "median_iterations": statistics.median(reached) if reached else None,
            "max_iterations": max(reached) if reached else None,
            "agrees": len(rows) == 5 and len(reached) == len(rows) and max(reached) <= LIMIT,
        })
    return rules


def markdown(rules):
    lines = ["| rule | seed | iterations to criterion | confirmations (accuracy on 512 fresh trials) | "
             "test accuracy | training time |", "|---|---|---|---|---|---|"]
    for r in rules:
        for run in r["runs"]:
            checks = ", ".join("%d: %.3f%s" % (c["iteration"], c["value"], "" if c["met"] else " (not met)")
                               for c in run["confirmations"])
            lines.append("| `%s` | %d | %s | %s | %.3f | %.0f s |" % (
                r["rule"], run["seed"],
                "not within %d" % LIMIT if run["iterations_to_criterion"] is None else run["iterations_to_criterion"],
                checks or "–", run["test_accuracy"], run["wall_seconds"]))
    lines.append("")
    lines.append("| rule | seeds | reached | median iterations | most iterations | verdict |")
    lines.append("|---|---|---|---|---|---|")
    for r in rules:
        lines.append("| `%s` | %d | %d | %s | %s | %s |" % (
            r["rule"], r["seeds"], r["reached"], r["median_iterations"], r["max_iterations"],
            "pending" if r["seeds"] < 5 else ("agrees" if r["agrees"] else "disagrees")))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", default="results/papers/bellec2020")
    args = parser.parse_args()
    runs = load(args.folder)
    if not runs:
        raise SystemExit("bellec2020: no reports in %s; run bench/papers/bellec2020.sh" % args.folder)
    rules = summarise(runs)
    summary = {
        "paper": "Bellec et al. 2020, A solution to the learning dilemma for recurrent networks of spiking neurons "
                 "(Nature Communications 11:3625), Fig. 3",
        "command": "bash bench/papers/bellec2020.sh",
        "criterion": "validation accuracy >= 0.93 on 64 trials, confirmed on 512 fresh trials; every seed within %d "
                     "iterations" % LIMIT,
        "git_commits": sorted({run["git_commit"] for r in rules for run in r["runs"]}),
        "rules": rules,
        "agrees": all(r["agrees"] for r in rules),
    }
    with open(os.path.join(args.folder, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(markdown(rules))


if __name__ == "__main__":
    main()
