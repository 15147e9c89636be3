#!/usr/bin/env python3
"""A Markdown table of the speed-up of one tcabench_micro build over another, from runs that
alternate between the two (A B A B ...), so that the machine's drift hits both alike.

  python3 bench/micro/speedup_table.py --before A1.json A2.json --after B1.json B2.json [--filter REGEX]
      [--floor FLOOR.json]

For each benchmark: the median over every repetition of every run of each build (the per-
repetition rows of Google Benchmark's JSON; aggregates are ignored), their ratio (before /
after: above 1 is faster), and the commits the runs' contexts name.

With --floor, more columns estimate what an implementation could reach: the FLOP floor of a
window (the rule's counted FLOPs per step and sequence, the rule_FLOP/step counter of the
benchmark in FLOOR.json, times B and the window's steps, over the highest median FLOP/s of the
BM_Sgemm* benchmarks in FLOOR.json: every operation at the rate of a dense SGEMM on this
machine); when FLOOR.json has BM_StateStream medians, the byte floor (the rule's state, the
state_KiB counter, read and written once per step, at the highest median rate of the
BM_StateStream sizes up to the first one that holds the state: as fast as an in-place stream
over a buffer of that size ran; it counts a buffer that a rule only reads or only writes twice);
and the speed-up over the before build that the larger of the two floors would give. Both floors
are estimates at rates measured on the machine, not its peak rates: a rule's own products can run
faster than the best SGEMM shape measured.
"""
import argparse
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))
import gbench  # noqa: E402


def gemm_rate(path):
    """The highest median FLOP/s of the BM_Sgemm* benchmarks of one tcabench_micro JSON."""
    rates = [b["FLOP/s"] for name, b in gbench.medians(gbench.load(path)).items() if name.startswith("BM_Sgemm")]
    if not rates:
        sys.exit(f"speedup_table: {path} has no median of a BM_Sgemm* benchmark (run with --benchmark_repetitions)")
    return max(rates)


def stream_rates(path):
    """[(KiB, bytes/s)] of the BM_StateStream medians of one tcabench_micro JSON, by size."""
    rates = []
    for name, b in gbench.medians(gbench.load(path)).items():
        size = re.match(r"BM_StateStream/KiB:(\d+)", name)
        if size:
            rates.append((int(size.group(1)), b["bytes_per_second"]))
    return sorted(rates)


def window_steps(run):
    """The steps of one repetition's window: its items (the benchmark counts a window's steps)."""
    return round(run["items_per_second"] * gbench.microseconds(run) * 1e-6)


def window_bytes(paths, rates):
    """{name: the byte floor of a window in seconds}: 2 x state_KiB per step over the highest stream
    rate of the benchmarked sizes up to the first one that holds the state (all of them beyond)."""
    out = {}
    for path in paths:
        for name, runs in gbench.repetitions(gbench.load(path)).items():
            b = runs[-1]
            if "state_KiB" not in b or not rates:
                continue
            kib = b["state_KiB"]
            holds = next((i for i, (size, _) in enumerate(rates) if size >= kib), len(rates) - 1)
            rate = max(r for _, r in rates[:holds + 1])
            out[name] = 2 * kib * 1024 * window_steps(b) / rate
    return out


def window_flops(paths):
    """{name: the rule's FLOPs per window}: rule_FLOP/step x B x the window's steps (items per iteration)."""
    out = {}
    for path in paths:
        for name, runs in gbench.repetitions(gbench.load(path)).items():
            b = runs[-1]
            if "rule_FLOP/step" not in b:
                continue
            batch = re.search(r"/B:(\d+)", name)
            out[name] = b["rule_FLOP/step"] * (int(batch.group(1)) if batch else 1) * window_steps(b)
    return out


def times(paths):
    """{name: every repetition's time in µs, over all the files}, and the files' commits."""
    per_name, commits = {}, set()
    for path in paths:
        data = gbench.load(path)
        commits.add(data["context"].get("git_commit", "?"))
        for name, runs in gbench.repetitions(data).items():
            per_name.setdefault(name, []).extend(gbench.microseconds(b) for b in runs)
    return per_name, commits


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", nargs="+", required=True)
    parser.add_argument("--after", nargs="+", required=True)
    parser.add_argument("--filter", default=".")
    parser.add_argument("--floor", help="a tcabench_micro JSON with BM_Sgemm* medians, the rules' FLOP and state "
                        "counters and (for the byte floor) BM_StateStream medians")
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
    rate = gemm_rate(args.floor) if args.floor else None
    flops = window_flops([args.floor]) if rate else {}
    streams = stream_rates(args.floor) if rate else []
    floor_bytes = window_bytes([args.floor], streams) if streams else {}
    if rate and streams:
        print(f"FLOP floor at {rate / 1e9:.1f} GFLOP/s, the highest SGEMM rate in {args.floor}; byte floor at "
              f"the BM_StateStream rates there ({', '.join(f'{k} KiB: {r / 1e9:.0f} GB/s' for k, r in streams)}).\n")
        print("| benchmark | before (µs) | after (µs) | speed-up | FLOP floor (µs) | byte floor (µs) "
              "| speed-up at the higher floor |")
        print("|---|---|---|---|---|---|---|")
    elif rate:
        print(f"FLOP floor at {rate / 1e9:.1f} GFLOP/s, the highest SGEMM rate in {args.floor}.\n")
        print("| benchmark | before (µs) | after (µs) | speed-up | FLOP floor (µs) | speed-up at the floor |")
        print("|---|---|---|---|---|---|")
    else:
        print("| benchmark | before (µs) | after (µs) | speed-up |")
        print("|---|---|---|---|")
    for name in names:
        b, a = statistics.median(before[name]), statistics.median(after[name])
        row = f"| `{name.replace('/real_time', '')}` | {b:.1f} | {a:.1f} | {b / a:.2f}× |"
        if rate:
            floor = flops[name] / rate * 1e6 if name in flops else None
            if streams:
                byte_floor = floor_bytes[name] * 1e6 if name in floor_bytes else None
                higher = max(x for x in (floor, byte_floor, 0.0) if x is not None)
                row += (f" {floor:.1f} |" if floor else " – |") + (f" {byte_floor:.1f} |" if byte_floor else " – |")
                row += f" {b / higher:.1f}× |" if higher > 0 else " – |"
            else:
                row += f" {floor:.1f} | {b / floor:.1f}× |" if floor else " – | – |"
        print(row)


if __name__ == "__main__":
    main()
