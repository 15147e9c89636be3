#!/usr/bin/env python3
"""A Markdown table of RTRL's rate at batch B against the SGEMM rates that bound it, one row per
size and run, from tcabench_micro JSON files run with --benchmark_repetitions (medians):

  python3 bench/micro/rtrl_batch_table.py RUN1.json [RUN2.json ...]

Columns: RTRL's FLOP/s at batch B (BM_RtrlBatchStep), the FLOP/s of one SGEMM over every
sequence's influence matrix side by side, n x n times n x (B nk) (BM_SgemmInfluenceBatch), their
ratio, the FLOP/s of the one-sequence SGEMM n x n times n x nk (BM_SgemmInfluenceShape, whose
operands stay in cache), and RTRL's rate over it.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))
import gbench  # noqa: E402


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("| run | n | B | RTRL (GFLOP/s) | batch SGEMM (GFLOP/s) | RTRL / batch SGEMM | one-sequence SGEMM (GFLOP/s) | RTRL / one-sequence SGEMM |")
    print("|---|---|---|---|---|---|---|---|")
    for run, path in enumerate(sys.argv[1:], 1):
        medians = {name: b["FLOP/s"] / 1e9 for name, b in gbench.medians(gbench.load(path)).items() if "FLOP/s" in b}
        sizes = sorted((int(m.group(1)), int(m.group(2))) for m in
                       (re.fullmatch(r"BM_RtrlBatchStep/n:(\d+)/B:(\d+)/real_time", name) for name in medians) if m)
        for n, B in sizes:
            rtrl = medians[f"BM_RtrlBatchStep/n:{n}/B:{B}/real_time"]
            batch = medians[f"BM_SgemmInfluenceBatch/n:{n}/B:{B}/real_time"]
            one = medians[f"BM_SgemmInfluenceShape/n:{n}/real_time"]
            print(f"| {run} | {n} | {B} | {rtrl:.1f} | {batch:.1f} | {rtrl / batch:.2f} | {one:.1f} | {rtrl / one:.2f} |")


if __name__ == "__main__":
    main()
