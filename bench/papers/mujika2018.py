#!/usr/bin/env python3
"""Summary of the Mujika et al. 2018 reproduction (bench/papers/mujika2018.sh).

Reads results/papers/mujika2018/probe-n<N>-seed<S>.json, writes
results/papers/mujika2018/summary.json and prints the Markdown tables of
docs/papers/mujika2018.md.

The measured quantity is the probe's relative variance of the recurrent parameters' gradient,
tr(Cov ghat) / |g|^2 over K noise samples at frozen parameters (docs/metrics.md). Per probe
checkpoint it fits, by least squares over every (n, seed) point:
  - the log-log slope of UORO's variance over KF-RTRL's (the same seed and point) against n;
  - the log-log slope of each rule's own variance against n.
Agreement, as the issue that asked for this reproduction states it: the UORO / KF-RTRL ratio
grows about linearly in n (slope in [0.7, 1.3]) while KF-RTRL stays about flat (|slope| <= 0.3).
"""
import argparse
import glob
import json
import math
import os
import re
import statistics

RULES = ["uoro", "kf_rtrl", "rkf_rtrl"]
RATIO_SLOPE = (0.7, 1.3)
FLAT_SLOPE = 0.3


def fit(points):
    """Least-squares slope and its standard error of log y against log x."""
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    residual = sum((y - my - slope * (x - mx)) ** 2 for x, y in zip(xs, ys))
    se = math.sqrt(residual / (len(xs) - 2) / sxx) if len(xs) > 2 else float("nan")
    return slope, se


def load(folder):
    probes = []
    for path in sorted(glob.glob(os.path.join(folder, "probe-n*-seed*.json"))):
        m = re.search(r"probe-n(\d+)-seed(\d+)\.json$", path)
        with open(path, encoding="utf-8") as f:
            probes.append((int(m.group(1)), int(m.group(2)), json.load(f)))
    return probes


def summarise(probes):
    steps = sorted({cp["step"] for _, _, p in probes for cp in p["checkpoints"]})
    sizes = sorted({n for n, _, _ in probes})
    out = {"checkpoints": []}
    for step in steps:
        variances = {rule: {} for rule in RULES}  # rule -> n -> [values over seeds]
        ratio_points, own_points = [], {rule: [] for rule in RULES}
        for n, seed, p in probes:
            cp = next(c for c in p["checkpoints"] if c["step"] == step)
            v = {a["id"]: a["recurrent"]["rel_variance"] for a in cp["algorithms"]}
            for rule in RULES:
                variances[rule].setdefault(n, []).append(v[rule])
                own_points[rule].append((n, v[rule]))
            ratio_points.append((n, v["uoro"] / v["kf_rtrl"]))
        ratio_slope, ratio_se = fit(ratio_points)
        slopes = {rule: dict(zip(("slope", "standard_error"), fit(own_points[rule]))) for rule in RULES}
        ratio_ok = RATIO_SLOPE[0] <= ratio_slope <= RATIO_SLOPE[1]
        flat_ok = abs(slopes["kf_rtrl"]["slope"]) <= FLAT_SLOPE
        out["checkpoints"].append({
            "step": step,
            "rel_variance": {rule: {str(n): {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
                                             "seeds": len(vals)}
                                    for n, vals in sorted(variances[rule].items())} for rule in RULES},
            "uoro_over_kf_rtrl": {str(n): statistics.median(r for m, r in ratio_points if m == n) for n in sizes},
            "ratio_slope": {"slope": ratio_slope, "standard_error": ratio_se},
            "slopes": slopes,
            "verdict": {
                "ratio_grows_about_linearly": ratio_ok,
                "kf_rtrl_about_flat": flat_ok,
                "agrees": ratio_ok and flat_ok,
            },
        })
    return out


def markdown(summary):
    lines = []
    for cp in summary["checkpoints"]:
        sizes = list(cp["rel_variance"]["uoro"].keys())
        lines.append("Probe step %d (%s):" % (cp["step"], "initial parameters" if cp["step"] == 0 else
                                             "after %d Adam steps on the exact gradient" % cp["step"]))
        lines.append("")
        lines.append("| n | " + " | ".join("`%s`" % r for r in RULES) + " | UORO / KF-RTRL |")
        lines.append("|---|" + "---|" * (len(RULES) + 1))
        for n in sizes:
            cells = []
            for rule in RULES:
                s = cp["rel_variance"][rule][n]
                cells.append("%.3g [%.3g, %.3g]" % (s["median"], s["min"], s["max"]))
            lines.append("| %s | %s | %.3g |" % (n, " | ".join(cells), cp["uoro_over_kf_rtrl"][n]))
        lines.append("")
        lines.append("Log-log slopes against n: UORO / KF-RTRL %.2f ± %.2f; " % (
            cp["ratio_slope"]["slope"], cp["ratio_slope"]["standard_error"]) + "; ".join(
            "`%s` %.2f ± %.2f" % (r, cp["slopes"][r]["slope"], cp["slopes"][r]["standard_error"]) for r in RULES)
            + ". Verdict: %s." % ("agrees" if cp["verdict"]["agrees"] else "disagrees"))
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", default="results/papers/mujika2018")
    args = parser.parse_args()
    probes = load(args.folder)
    if not probes:
        raise SystemExit("mujika2018: no probe reports in %s; run bench/papers/mujika2018.sh" % args.folder)
    summary = {
        "paper": "Mujika, Meier & Steger 2018, Approximating real-time recurrent learning with random Kronecker "
                 "factors (NeurIPS)",
        "command": "bash bench/papers/mujika2018.sh",
        "measure": "relative variance tr(Cov ghat) / |g|^2 of the recurrent parameters' gradient, K noise samples "
                   "at frozen parameters, against BPTT in double",
        "criterion": {"ratio_slope": list(RATIO_SLOPE), "kf_rtrl_flat_slope": FLAT_SLOPE},
        "git_commits": sorted({p["git_commit"] for _, _, p in probes}),
        "probes": len(probes),
    }
    summary.update(summarise(probes))
    with open(os.path.join(args.folder, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(markdown(summary))


if __name__ == "__main__":
    main()
