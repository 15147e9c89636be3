#!/usr/bin/env python3
"""The standard suite's results in pandas, and one comparison plotted: for each rule, how well
its gradient aligns with BPTT's (the probe's cosine of the mean estimate, recurrent parameters)
against the test loss it trains to, at both network sizes, on one task.

    /usr/bin/python3 examples/leaderboard_pandas.py [RESULTS] [TASK] [OUT.png]

RESULTS defaults to results/standard (a folder with cells/), TASK to add-v0, OUT to
out/examples/alignment_vs_loss.png.
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import tcabench as tb  # noqa: E402


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else "results/standard"
    task = sys.argv[2] if len(sys.argv) > 2 else "add-v0"
    out = sys.argv[3] if len(sys.argv) > 3 else "out/examples/alignment_vs_loss.png"

    df = tb.load(results)  # one row per cell, run (or probe group) and metric
    df = df[(df.task == task) & (df.model == "rate")]
    if df.empty:
        sys.exit(f"no rate-network cells of {task} in {results}")
    # Training: the median over seeds at each cell's chosen learning rate.
    loss = (df[(df.source == "train") & (df.best_rate == 1) & (df.metric == "test_loss")]
            .groupby(["rule", "hidden"]).value.median().rename("test_loss"))
    # The probe at the initial parameters: the recurrent parameters' cosine of the mean estimate.
    cosine = (df[(df.source == "probe") & (df.group == "recurrent") & (df.metric == "cosine_of_mean")]
              .groupby(["rule", "hidden"]).value.median().rename("cosine"))
    table = loss.to_frame().join(cosine, how="inner").reset_index()
    print(table.pivot_table(index="rule", columns="hidden", values=["cosine", "test_loss"]).round(4).to_string())

    fig, ax = plt.subplots(figsize=(7, 5))
    for hidden, marker in zip(sorted(table.hidden.unique()), "os^"):
        part = table[table.hidden == hidden]
        ax.scatter(part.cosine, part.test_loss, marker=marker, label=f"n = {hidden}")
        for r in part.itertuples():
            ax.annotate(r.rule, (r.cosine, r.test_loss), fontsize=7, xytext=(3, 2), textcoords="offset points")
    ax.set_xlabel("cosine of the mean estimate with BPTT (recurrent parameters, initial point)")
    ax.set_ylabel("median test loss over seeds (chosen learning rate)")
    ax.set_yscale("log")
    ax.set_title(f"{task}: alignment at the start against the loss trained to")
    ax.legend()
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
