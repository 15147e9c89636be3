#!/usr/bin/env python3
"""ctest checks of the leaderboard (run with Debian's /usr/bin/python3 and python3-jsonschema).

    leaderboard_checks.py schema TCABENCH SOURCE_DIR
        runs a tiny suite and `tcabench leaderboard`, validates the leaderboard against
        results/schema/leaderboard.schema.json (and the committed leaderboards, COMMITTED),
        checks that every field of the schema is documented, and that broken documents fail.
    leaderboard_checks.py report TCABENCH SOURCE_DIR
        runs bench/report/figures.py on such a leaderboard and its cells: every figure is a PNG
        that index.html shows, drawing one mark (or curve) per rule as its figures.json records;
        the committed figures (results/report/, results/standard/report/) are consistent the same way.
    leaderboard_checks.py csv TCABENCH SOURCE_DIR
        `tcabench leaderboard --csv` on such a suite: every run's and every probe's numbers are in
        the tidy CSV exactly as in the cells, bench/report/tidy.py loads it into pandas with its
        column types; the leaderboard goes into the suite folder when --out is not given, and at
        most one output may be the standard output.
Exits non-zero with a message on the first failed check.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

# The committed leaderboards and their figures: the smoke suite's and the standard suite's.
COMMITTED = [("results/leaderboard.json", "results/report"),
             ("results/standard/leaderboard.json", "results/standard/report")]

TINY_SUITE = {
    "description": "leaderboard checks",
    "tasks": [
        {"id": "add-v0", "params": {"T": 8}, "metric": "ce", "better": "lower", "criterion": "ce<=0.69"},
        {"id": "dnms-v0", "params": {"D": 1}, "metric": "accuracy", "better": "higher"},
    ],
    "algorithms": [{"id": "bptt"}, {"id": "rflo"}, {"id": "uoro"}],
    "hidden": [3, 5],
    "seeds": [1, 2, 3],
    "training": {"iterations": 4, "batch": 4, "eval_every": 2, "eval_batch": 8, "learning_rates": [0.01, 0.1]},
    "probe": {"samples": 4, "batch": 4, "data_batches": 2},
}


def fail(message):
    print("FAILED: " + message, file=sys.stderr)
    sys.exit(1)


def make_leaderboard(tcabench, work):
    config = os.path.join(work, "suite.json")
    with open(config, "w") as f:
        json.dump(TINY_SUITE, f)
    for args in (["suite", "--config", config, "--out-dir", os.path.join(work, "run"), "--quiet"],
                 ["leaderboard", "--cells", os.path.join(work, "run"), "--out", os.path.join(work, "board.json"),
                  "--markdown", os.path.join(work, "board.md")]):
        r = subprocess.run([tcabench] + args, capture_output=True, text=True)
        if r.returncode != 0:
            fail("tcabench %s exited %d:\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    with open(os.path.join(work, "board.json")) as f:
        return json.load(f)


def undocumented(node, path="#"):
    """Paths of schema properties (and $defs) without a description."""
    missing = []
    if isinstance(node, dict):
        for section in ("properties", "$defs"):
            for name, sub in node.get(section, {}).items():
                if not isinstance(sub, dict) or "description" not in sub:
                    missing.append("%s/%s/%s" % (path, section, name))
                missing += undocumented(sub, "%s/%s/%s" % (path, section, name))
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                missing += undocumented(node[key], path + "/" + key)
        for key in ("oneOf", "anyOf", "prefixItems"):
            for i, sub in enumerate(node.get(key, [])):
                missing += undocumented(sub, "%s/%s/%d" % (path, key, i))
    return missing


def check_schema(tcabench, source, work):
    import jsonschema

    with open(os.path.join(source, "results", "schema", "leaderboard.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    missing = undocumented(schema)
    if missing:
        fail("schema fields without a description: " + ", ".join(missing))

    board = make_leaderboard(tcabench, work)
    errors = sorted(validator.iter_errors(board), key=lambda e: list(e.path))
    if errors:
        fail("the produced leaderboard does not validate: %s at %s" % (errors[0].message, list(errors[0].path)))
    if len(board["tasks"]) != 2 or len(board["tasks"][0]["entries"]) != 6:
        fail("expected 2 tasks of 6 entries, got %s" % [len(t["entries"]) for t in board["tasks"]])

    for board_path, _ in COMMITTED:
        committed = os.path.join(source, board_path)
        if os.path.exists(committed):
            with open(committed) as f:
                errors = list(validator.iter_errors(json.load(f)))
            if errors:
                fail("%s does not validate: %s at %s" % (board_path, errors[0].message, list(errors[0].path)))

    # Broken documents must fail: the check is not vacuous.
    def broken(edit):
        doc = copy.deepcopy(board)
        edit(doc)
        return doc

    entry = lambda d: d["tasks"][0]["entries"][0]
    cases = {
        "an entry without its metric": lambda d: entry(d).pop("metric"),
        "a hidden size given as text": lambda d: entry(d).update(hidden="8"),
        "an unknown top-level key": lambda d: d.update(extra=1),
        "a malformed config hash": lambda d: entry(d).update(config_hash="xyz"),
        "an interval of one number": lambda d: entry(d)["metric"].update(interval=[0.5]),
        "a negative relative variance": lambda d: entry(d)["gradient"][0]["recurrent"].update(rel_variance=-1.0),
        "a gradient point without its recurrent part": lambda d: entry(d)["gradient"][0].pop("recurrent"),
        "a bias flag given as text": lambda d: entry(d)["gradient"][0]["all"].update(bias_interval_contains_zero="no"),
        "an unknown device": lambda d: entry(d).update(device="tpu"),
        "a task without entries": lambda d: d["tasks"][1].update(entries=[]),
    }
    for what, edit in cases.items():
        if validator.is_valid(broken(edit)):
            fail("a leaderboard with %s validates" % what)
    print("leaderboard schema: the produced leaderboard validates; %d broken documents fail" % len(cases))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_figure_folder(folder, what):
    """Every figure of figures.json is a PNG that index.html shows, and the folder holds no other."""
    with open(os.path.join(folder, "figures.json")) as f:
        figures = json.load(f)["figures"]
    with open(os.path.join(folder, "index.html")) as f:
        index = f.read()
    names = [fig["file"] for fig in figures]
    on_disk = sorted(n for n in os.listdir(folder) if n.endswith(".png"))
    if sorted(names) != on_disk:
        fail("%s: figures.json lists %s, the folder holds %s" % (what, sorted(names), on_disk))
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            if f.read(8) != PNG_SIGNATURE:
                fail("%s/%s is not a PNG file" % (what, name))
        if 'src="%s"' % name not in index:
            fail("%s: index.html does not show %s" % (what, name))
    return {fig["file"]: fig["rules"] for fig in figures}


def check_report(tcabench, source, work):
    board = make_leaderboard(tcabench, work)
    script = os.path.join(source, "bench", "report", "figures.py")
    out = os.path.join(work, "report")
    r = subprocess.run([sys.executable, script, "--leaderboard", os.path.join(work, "board.json"), "--cells",
                        os.path.join(work, "run"), "--out-dir", out], capture_output=True, text=True)
    if r.returncode != 0:
        fail("figures.py exited %d:\n%s" % (r.returncode, r.stderr))
    drawn = check_figure_folder(out, "the tiny suite's figures")
    figures = 0
    for task in board["tasks"]:
        every = sorted({e["rule"] for e in task["entries"]})
        expected = {"cost-%s-rate.png" % task["task"]: every}
        for n in sorted({e["hidden"] for e in task["entries"]}):
            rules = sorted(e["rule"] for e in task["entries"] if e["hidden"] == n)
            for kind in ("bias_variance", "curves"):
                expected["%s-%s-n%d-rate.png" % (kind, task["task"], n)] = rules
        for name, rules in expected.items():
            if drawn.get(name) != rules:
                fail("%s draws %s, expected one mark per rule %s" % (name, drawn.get(name), rules))
            figures += 1
    # The committed figures of each suite: what figures.json says, each shown by index.html.
    for board_path, report in COMMITTED:
        committed = os.path.join(source, report)
        if not os.path.isdir(committed):
            continue
        kept = check_figure_folder(committed, report)
        with open(os.path.join(source, board_path)) as f:
            suite = json.load(f)
        for task in suite["tasks"]:
            for net in sorted({e.get("model", "rate") for e in task["entries"]}):
                ranked = [e for e in task["entries"] if e.get("model", "rate") == net]
                for n in sorted({e["hidden"] for e in ranked}):
                    name = "bias_variance-%s-n%d-%s.png" % (task["task"], n, net)
                    rules = sorted(e["rule"] for e in ranked if e["hidden"] == n)
                    if kept.get(name) != rules:
                        fail("%s/%s draws %s, but %s has %s: rerun bench/report/figures.py" %
                             (report, name, kept.get(name), board_path, rules))
    print("leaderboard figures: %d PNG figures with one mark or curve per rule" % figures)


def check_csv(tcabench, source, work):
    import csv

    make_leaderboard(tcabench, work)
    run = os.path.join(work, "run")
    table = os.path.join(work, "cells.csv")
    # No --out: the leaderboard goes beside cells/, whichever folder --cells names.
    for cells_arg in (run, os.path.join(run, "cells") + "/"):
        target = os.path.join(run, "leaderboard.json")
        if os.path.exists(target):
            os.remove(target)
        r = subprocess.run([tcabench, "leaderboard", "--cells", cells_arg, "--markdown", os.path.join(work, "b.md"),
                            "--csv", table], capture_output=True, text=True, cwd=work)
        if r.returncode != 0 or not os.path.isfile(target):
            fail("leaderboard --cells %s without --out: exit %d, %s not written:\n%s" % (cells_arg, r.returncode, target,
                                                                                         r.stderr))
    r = subprocess.run([tcabench, "leaderboard", "--cells", run, "--csv", "-"], capture_output=True, text=True, cwd=work)
    if r.returncode == 0 or "only one of them may be the standard output" not in r.stderr:
        fail("--csv - with the Markdown on the standard output too was not refused: %d %s" % (r.returncode, r.stderr))

    with open(table, newline="") as f:
        rows = list(csv.DictReader(f))
    cells = []
    for name in sorted(os.listdir(os.path.join(run, "cells"))):
        with open(os.path.join(run, "cells", name)) as f:
            cells.append(json.load(f))
    found = {}
    for row in rows:
        rate = float(row["learning_rate"]) if row["learning_rate"] else ""
        key = (row["cell"], row["source"], row["seed"], rate, row["step"], row["group"], row["metric"])
        if key in found:
            fail("two rows for %s" % (key,))
        found[key] = row["value"]
    expected = 0
    for cell in cells:
        name, train = cell["cell"]["file"], cell["train"]
        best = train["selection"]["best_learning_rate"]
        for r in train["runs"]:
            metrics = {"test_loss": r["test_loss"], "final_validation_loss": r["final_validation_loss"],
                       "state_bytes": r["state_bytes"]}
            metrics.update({"test_" + k: v for k, v in r["test_metrics"].items()})
            expected += len(r["test_metrics"]) + 10
            for metric, want in metrics.items():
                key = (name, "train", str(r["seed"]), r["learning_rate"], "", "", metric)
                got = found.get(key)
                if got is None or float(got) != float(want):
                    fail("%s: %s is %r in the CSV, %r in the cell" % (name, key, got, want))
            best_rows = [row for row in rows if row["cell"] == name and row["source"] == "train" and
                         row["seed"] == str(r["seed"]) and float(row["learning_rate"]) == r["learning_rate"]]
            if any(row["best_rate"] != ("1" if r["learning_rate"] == best else "0") for row in best_rows):
                fail("%s: best_rate wrong for the run at rate %r" % (name, r["learning_rate"]))
        seed = str(cell["probe"]["config"]["seed"])
        for checkpoint in cell["probe"]["checkpoints"]:
            algorithm = checkpoint["algorithms"][0]
            groups = dict(algorithm["groups"], recurrent=algorithm["recurrent"], total=algorithm["total"])
            expected += 3 + 6 * len(groups)
            for group, stats in groups.items():
                key = (name, "probe", seed, "", str(checkpoint["step"]), group, "cosine_of_mean")
                want = stats["cosine_of_mean"]
                got = found.get(key)
                if got is None or (want is None and got != "") or (want is not None and float(got) != want):
                    fail("%s: %s is %r in the CSV, %r in the cell" % (name, key, got, want))
    if len(rows) != expected:
        fail("the CSV has %d rows, the cells give %d" % (len(rows), expected))

    sys.path.insert(0, os.path.join(source, "bench", "report"))
    import tidy

    df = tidy.load(table)
    if len(df) != len(rows) or str(df["hidden"].dtype) != "Int64" or str(df["value"].dtype) != "float64":
        fail("tidy.load: %d rows, hidden %s, value %s" % (len(df), df["hidden"].dtype, df["value"].dtype))
    runs = df[(df.source == "train") & (df.best_rate == 1) & (df.metric == "test_loss")]
    medians = runs.pivot_table(index="rule", columns="task", values="value", aggfunc="median")
    if sorted(medians.index) != ["bptt", "rflo", "uoro"]:
        fail("tidy: the example's table has rows %s" % list(medians.index))


def main():
    checks = {"schema": check_schema, "report": check_report, "csv": check_csv}
    if len(sys.argv) != 4 or sys.argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    mode, tcabench, source = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory() as work:
        checks[mode](tcabench, source, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
