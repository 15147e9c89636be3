#!/usr/bin/env python3
"""ctest checks of the leaderboard (run with Debian's /usr/bin/python3 and python3-jsonschema).

    leaderboard_checks.py schema TCABENCH SOURCE_DIR
        runs a tiny suite and `tcabench leaderboard`, validates the leaderboard against
        results/schema/leaderboard.schema.json (and the committed results/leaderboard.json),
        checks that every field of the schema is documented, and that broken documents fail.
    leaderboard_checks.py report TCABENCH SOURCE_DIR
        runs bench/report/leaderboard_report.py on such a leaderboard: every SVG is well-formed XML with
        one point (or curve) per rule, index.html shows them all; and the committed
        results/report/ is what the committed leaderboard gives.
Exits non-zero with a message on the first failed check.
"""
import copy
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

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
SVG = "{http://www.w3.org/2000/svg}"


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

    committed = os.path.join(source, "results", "leaderboard.json")
    if os.path.exists(committed):
        with open(committed) as f:
            errors = list(validator.iter_errors(json.load(f)))
        if errors:
            fail("results/leaderboard.json does not validate: %s at %s" % (errors[0].message, list(errors[0].path)))

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


def svg_groups(path, cls):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        fail("%s is not well-formed XML: %s" % (path, e))
    if root.tag != SVG + "svg":
        fail("%s: root element is %s, not svg" % (path, root.tag))
    return [g.get("data-rule") for g in root.iter(SVG + "g") if g.get("class") == cls]


def check_report(tcabench, source, work):
    board = make_leaderboard(tcabench, work)
    script = os.path.join(source, "bench", "report", "leaderboard_report.py")
    out = os.path.join(work, "report")
    r = subprocess.run([sys.executable, script, "--leaderboard", os.path.join(work, "board.json"), "--out-dir", out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("leaderboard_report.py exited %d:\n%s" % (r.returncode, r.stderr))
    with open(os.path.join(out, "index.html")) as f:
        index = f.read()
    figures = 0
    for task in board["tasks"]:
        for n in sorted({e["hidden"] for e in task["entries"]}):
            rules = sorted(e["rule"] for e in task["entries"] if e["hidden"] == n)
            for kind, cls in (("bias_variance", "point"), ("curves", "curve")):
                name = "%s-%s-n%d.svg" % (kind, task["task"], n)
                got = sorted(svg_groups(os.path.join(out, name), cls))
                if got != rules:
                    fail("%s: %s elements for %s, expected one per rule %s" % (name, cls, got, rules))
                if 'src="%s"' % name not in index:
                    fail("index.html does not show " + name)
                figures += 1
    # The committed report is what the committed leaderboard gives.
    committed = os.path.join(source, "results", "leaderboard.json")
    if os.path.exists(committed):
        again = os.path.join(work, "committed-report")
        r = subprocess.run([sys.executable, script, "--leaderboard", committed, "--out-dir", again],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail("leaderboard_report.py on results/leaderboard.json exited %d:\n%s" % (r.returncode, r.stderr))
        for name in sorted(os.listdir(again)):
            kept = os.path.join(source, "results", "report", name)
            if not os.path.exists(kept) or not filecmp.cmp(kept, os.path.join(again, name), shallow=False):
                fail("results/report/%s is missing or stale: rerun bench/report/leaderboard_report.py" % name)
    print("leaderboard report: %d well-formed SVG figures with one point or curve per rule" % figures)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("schema", "report"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, tcabench, source = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory() as work:
        (check_schema if mode == "schema" else check_report)(tcabench, source, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
