#!/usr/bin/env python3
"""Markdown tables of tcabench_gpu_bench JSON: every rule's throughput and its fraction of the
ceilings measured in the same run (SGEMM FLOP/s, device-to-device copy bytes/s); the
forward pass alone, the persistent kernel against the step-by-step versions; rules with
the forward pass of each window precomputed against step by step; the per-row
norms against the copy ceiling; and the host time of a device allocation and its free.

  python3 bench/micro/gpu_table.py results/<device>/gpu.json
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))
import gbench  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    data = gbench.load(sys.argv[1])
    rows = gbench.summary(data)
    sgemm = next((b["FLOP/s"] for n, b in rows.items() if n.startswith("BM_CeilingSgemm")), None)
    copy = next((b["bytes/s"] for n, b in rows.items() if n.startswith("BM_CeilingCopy")), None)
    print(f"Device: {data['context'].get('device', '?')}, commit {data['context'].get('git_commit', '?')}")
    print(f"Ceilings measured in this run: SGEMM {sgemm / 1e12:.1f} TFLOP/s, copy {copy / 1e9:.0f} GB/s\n"
          if sgemm and copy else "Ceilings missing from this run\n")
    print("| rule | n | B | steps/s | rule GFLOP/s | of SGEMM ceiling | state MiB |")
    print("|---|---|---|---|---|---|---|")
    for name, b in sorted(rows.items()):
        if not name.startswith("BM_GpuRule/"):
            continue
        parts = dict(p.split(":") for p in name.split("/")[2:] if ":" in p)
        frac = f"{b['FLOP/s'] / sgemm:.1%}" if sgemm else "–"
        print(f"| `{name.split('/')[1]}` | {parts.get('n')} | {parts.get('B')} | {b['steps/s']:.3g} | "
              f"{b['FLOP/s'] / 1e9:.1f} | {frac} | {b['state_MiB']:.1f} |")


    forward = {}
    for name, b in rows.items():
        kind = name.split("/")[0]
        if kind in ("BM_ForwardPersistent", "BM_ForwardStepwise", "BM_ForwardRateRnnStep"):
            parts = dict(p.split(":") for p in name.split("/")[1:] if ":" in p)
            forward.setdefault((int(parts["n"]), int(parts["B"])), {})[kind] = b
    if forward:
        print("\nForward pass, T = 100, float: sequence steps/s (persistent = one launch with W in shared "
              "memory; stepwise = three ops per step; RateRnn::step = the rules' forward step, readout and "
              "loss included)\n")
        print("| n | B | persistent | stepwise | RateRnn::step | persistent / stepwise | persistent bytes/s "
              "of copy ceiling |")
        print("|---|---|---|---|---|---|---|")
        for (n, B), kinds in sorted(forward.items()):
            per, step, rnn = (kinds.get(k) for k in ("BM_ForwardPersistent", "BM_ForwardStepwise",
                                                     "BM_ForwardRateRnnStep"))
            rate = lambda b, missing: f"{b['steps/s']:.3g}" if b else missing
            ratio = f"{per['steps/s'] / step['steps/s']:.1f}x" if per and step else "–"
            frac = f"{per['bytes/s'] / copy:.1%}" if per and copy else "–"
            print(f"| {n} | {B} | {rate(per, 'does not fit')} | {rate(step, '–')} | {rate(rnn, '–')} | {ratio} | "
                  f"{frac} |")


    ensembles = {}
    for name, b in rows.items():
        kind = name.split("/")[0]
        if kind in ("BM_ForwardEnsemble", "BM_ForwardEnsembleLoop"):
            parts = dict(p.split(":") for p in name.split("/")[1:] if ":" in p)
            ensembles.setdefault((int(parts["n"]), int(parts["E"])), {})[kind] = b
    if ensembles:
        print("\nEnsembles of E networks (B = 16 each, T = 100, float): sequence steps/s\n")
        print("| n | E | one launch | one launch per network | ratio |")
        print("|---|---|---|---|---|")
        for (n, E), kinds in sorted(ensembles.items()):
            one, loop = kinds.get("BM_ForwardEnsemble"), kinds.get("BM_ForwardEnsembleLoop")
            ratio = f"{one['steps/s'] / loop['steps/s']:.1f}x" if one and loop else "–"
            print(f"| {n} | {E} | {one['steps/s'] if one else float('nan'):.3g} | "
                  f"{loop['steps/s'] if loop else float('nan'):.3g} | {ratio} |")

    stepwise = []
    for name, b in rows.items():
        if name.startswith("BM_GpuRuleStepwise/"):
            window = next((w for n, w in rows.items() if n == name.replace("BM_GpuRuleStepwise/", "BM_GpuRule/")), None)
            parts = dict(p.split(":") for p in name.split("/")[2:] if ":" in p)
            stepwise.append((name.split("/")[1], int(parts["n"]), int(parts["B"]), b, window))
    if stepwise:
        print("\nThe rate network's forward pass: each window precomputed (the default on the GPU) against "
              "step by step, sequence steps/s\n")
        print("| rule | n | B | precomputed | step by step | ratio |")
        print("|---|---|---|---|---|---|")
        for rule, n, B, step, window in sorted(stepwise):
            ratio = f"{window['steps/s'] / step['steps/s']:.2f}x" if window else "–"
            print(f"| `{rule}` | {n} | {B} | {window['steps/s'] if window else float('nan'):.3g} | "
                  f"{step['steps/s']:.3g} | {ratio} |")

    norms = []
    for name, b in rows.items():
        if name.startswith("BM_RowNorms/"):
            parts = dict(p.split(":") for p in name.split("/")[1:] if ":" in p)
            norms.append((int(parts["rows"]), int(parts["cols"]), b))
    if norms:
        print("\nPer-row norms of a float [rows, cols] matrix (one read of it)\n")
        print("| rows | cols | µs | GB/s | of copy ceiling |")
        print("|---|---|---|---|---|")
        for r, c, b in sorted(norms):
            frac = f"{b['bytes/s'] / copy:.1%}" if copy else "–"
            print(f"| {r} | {c} | {gbench.microseconds(b):.1f} | {b['bytes/s'] / 1e9:.0f} | {frac} |")

    allocations = [(n, b) for n, b in sorted(rows.items()) if n.startswith("BM_AllocateFree/")]
    if allocations:
        print("\nA device allocation, a fill and the free, host time per round\n")
        print("| bytes | another thread's stream | µs |")
        print("|---|---|---|")
        for name, b in allocations:
            parts = dict(p.split(":") for p in name.split("/")[1:] if ":" in p)
            print(f"| {parts['bytes']} | {'busy' if parts['busy'] == '1' else 'idle'} | "
                  f"{gbench.microseconds(b):.1f} |")


if __name__ == "__main__":
    main()
