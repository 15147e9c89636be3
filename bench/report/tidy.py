#!/usr/bin/env python3
"""Load the tidy CSV of a suite (`tcabench leaderboard --cells DIR --csv FILE`) into a pandas
DataFrame: one row per cell, run and metric, with the cell's configuration in columns (the
columns are listed in bench/report/tidy_csv.h and docs/results.md#tidy-data).

    import sys; sys.path.insert(0, "bench/report")
    import tidy
    df = tidy.load("out/suite/cells.csv")
    # median test loss over seeds at each rule's chosen learning rate, one column per task
    runs = df[(df.source == "train") & (df.best_rate == 1) & (df.metric == "test_loss")]
    print(runs.pivot_table(index="rule", columns="task", values="value", aggfunc="median"))

Run as a script, it prints that table for a CSV file:

    python3 bench/report/tidy.py out/suite/cells.csv
"""
import sys

# Column types: text columns stay text (a rule named "1" is not a number), counts and flags are
# nullable integers (empty for probe rows), values are floats (empty: not defined, NaN).
TEXT = ["cell", "task", "task_id", "rule", "algorithm", "model", "regime", "update", "optimizer", "precision",
        "device", "config_hash", "git_commit", "source", "group", "metric"]
INTEGER = ["hidden", "batch", "iterations", "seed", "best_rate", "step"]
FLOAT = ["learning_rate", "value"]


def load(path):
    """The CSV at path as a DataFrame with the column types above."""
    import pandas as pd

    dtypes = {c: "string" for c in TEXT}
    dtypes.update({c: "Int64" for c in INTEGER})
    dtypes.update({c: "float64" for c in FLOAT})
    # keep_default_na=False: a rule or group named "NA" stays text; only empty fields are missing.
    try:
        df = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values={c: [""] for c in INTEGER + FLOAT})
    except pd.errors.EmptyDataError:
        raise ValueError("%s: empty, not a tcabench tidy CSV" % path) from None
    missing = [c for c in TEXT + INTEGER + FLOAT if c not in df.columns]
    if missing:
        raise ValueError("%s: not a tcabench tidy CSV (no column %s)" % (path, ", ".join(missing)))
    return df


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    df = load(sys.argv[1])
    runs = df[(df.source == "train") & (df.best_rate == 1) & (df.metric == "test_loss")]
    print(runs.pivot_table(index="rule", columns="task", values="value", aggfunc="median").to_string())


if __name__ == "__main__":
    main()
