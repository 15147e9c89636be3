#!/usr/bin/env python3
"""Markdown tables of the CPU per-step benchmarks, from committed JSON files.

  python3 bench/report/results_table.py results/cpu/micro.json results/cpu/numpy_rtrl.json

micro.json: tcabench_micro --benchmark_repetitions=N --benchmark_format=json output (medians
are read from its aggregates); numpy_rtrl.json: bench/micro/baselines/numpy_rtrl.py --json output.
Every number printed is read from, or is a ratio of numbers in, those files.
"""
import json
import sys

import gbench


def medians(path):
    """{benchmark: (median real time in µs, items_per_second)}."""
    data = gbench.load(path)
    return data["context"], {name: (gbench.microseconds(b), b.get("items_per_second"))
                             for name, b in gbench.medians(data).items()}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    context, bench = medians(sys.argv[1])
    with open(sys.argv[2]) as f:
        numpy_runs = {(r["version"], r["n"]): r["seconds_per_step_median"] * 1e6 for r in json.load(f)["results"]}

    print(f"RTRL step, batch 1, float (OpenBLAS threads: {context.get('blas_threads', '?')}; "
          f"commit {context.get('git_commit', '?')}):\n")
    print("| n | RTRL step (us) | SGEMM n×n · n×nk (us) | RTRL / SGEMM | numpy research f64 (us) | speed-up | numpy tuned f32 (us) | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    for n in (32, 64, 128):
        rtrl = bench.get(f"BM_RtrlStep/n:{n}/real_time")
        gemm = bench.get(f"BM_SgemmInfluenceShape/n:{n}/real_time")
        if not rtrl or not gemm:
            continue
        research, tuned = numpy_runs.get(("research", n)), numpy_runs.get(("tuned", n))
        cells = [f"{n}", f"{rtrl[0]:.1f}", f"{gemm[0]:.1f}", f"{rtrl[0] / gemm[0]:.2f}"]
        for ref in (research, tuned):
            cells += [f"{ref:.1f}", f"{ref / rtrl[0]:.2f}×"] if ref else ["–", "–"]
        print("| " + " | ".join(cells) + " |")

    rules = sorted({name.split("/")[1] for name in bench if name.startswith("BM_RuleWindow/")})
    if rules:
        print("\nPer-step cost of every rule (dnms-v0 windows, T = 29, batch 1, float; forward pass included):\n")
        sizes = (32, 64, 128)
        print("| rule | " + " | ".join(f"n={n} (us/step)" for n in sizes) + " | n=128: × BPTT | n=128: RTRL ÷ rule |")
        print("|---|" + "---|" * (len(sizes) + 2))
        per_step = {}
        for rule in rules:
            for n in sizes:
                entry = bench.get(f"BM_RuleWindow/{rule}/n:{n}/real_time")
                if entry and entry[1]:
                    per_step[(rule, n)] = 1e6 / entry[1]
        for rule in rules:
            cells = [f"`{rule}`"] + [f"{per_step[(rule, n)]:.2f}" if (rule, n) in per_step else "–" for n in sizes]
            bptt, rtrl, mine = per_step.get(("bptt", 128)), per_step.get(("rtrl", 128)), per_step.get((rule, 128))
            cells.append(f"{mine / bptt:.2f}" if mine and bptt else "–")
            cells.append(f"{rtrl / mine:.1f}" if mine and rtrl else "–")
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
