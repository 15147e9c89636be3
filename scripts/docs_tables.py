#!/usr/bin/env python3
"""The parameter tables in docs/, generated from the registries.

Every task, rule and network declares its parameters once (core/param_table.h), and
`tcabench tasks|algos|models --markdown` prints a table for each. The docs hold those tables
between markers:

    <!-- generated: tcabench tasks --markdown, dnms-v0 -->
    | parameter | default | valid values | meaning |
    ...
    <!-- end generated -->

(rules are named "<network>/<rule>", e.g. "rate/uoro"). With --check (what the test runs) this
script fails when a table in the docs differs from what tcabench prints, or when an entry with
parameters has no table in the docs; with --write it rewrites the tables in place.

    python3 scripts/docs_tables.py --check build/tcabench
    python3 scripts/docs_tables.py --write build/tcabench
"""
import argparse
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# A marker at the start of a line (an indented one, as in an example, is not a table's).
MARKER = re.compile(r"^<!-- generated: tcabench (tasks|algos|models) --markdown, (\S+) -->\n(.*?)^<!-- end generated -->\n",
                    re.S | re.M)


def listing_tables(tcabench, command):
    """{entry key: its parameter table} from `tcabench COMMAND --markdown`."""
    text = subprocess.run([tcabench, command, "--markdown"], check=True, capture_output=True, text=True).stdout
    tables, section, entry = {}, "", None
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):  # rules come in one section per network: "## rules on the rate network ..."
            section = line.split()[4] + "/"
        elif line.startswith("### `"):
            entry = section + line[5:line.index("`", 5)]
        elif line.startswith("|") and entry is not None:
            tables[entry] = tables.get(entry, "") + line
    return tables


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="fail when a table differs or is missing")
    mode.add_argument("--write", action="store_true", help="rewrite the tables in docs/")
    parser.add_argument("tcabench", help="the tcabench binary")
    parser.add_argument("--docs", default=str(ROOT / "docs"), help="the folder of Markdown pages (default: docs/)")
    args = parser.parse_args()

    expected = {command: listing_tables(args.tcabench, command) for command in ("tasks", "algos", "models")}
    problems, placed = [], set()
    for doc in sorted(pathlib.Path(args.docs).glob("*.md")):
        text = doc.read_text()

        def replace(match):
            command, key, table = match.groups()
            if key not in expected[command]:
                problems.append(f"{doc.name}: `tcabench {command}` has no parameter table for '{key}'")
                return match.group(0)
            placed.add((command, key))
            if table != expected[command][key]:
                problems.append(f"{doc.name}: the table of '{key}' differs from `tcabench {command} --markdown`")
            return f"<!-- generated: tcabench {command} --markdown, {key} -->\n{expected[command][key]}<!-- end generated -->\n"

        updated = MARKER.sub(replace, text)
        if args.write and updated != text:
            doc.write_text(updated)
    for command, tables in expected.items():
        for key in tables:
            if (command, key) not in placed:
                problems.append(f"no table in docs/ for '{key}' of `tcabench {command}`: add a marker for it")
    if args.check and problems:
        print("\n".join(problems), file=sys.stderr)
        print("Run: python3 scripts/docs_tables.py --write build/tcabench", file=sys.stderr)
        return 1
    if args.write:
        missing = [p for p in problems if p.startswith("no table")]
        for p in missing:
            print(p, file=sys.stderr)
        return 1 if missing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
