"""Shared by the package's tests: the tcabench binary of the same build (TCABENCH, set by ctest;
tests/CMakeLists.txt) and runs of it whose JSON the tests compare with the package's numbers."""
import json
import os
import subprocess

import pytest


@pytest.fixture(scope="session")
def tcabench_binary():
    path = os.environ.get("TCABENCH")
    if not path or not os.path.exists(path):
        pytest.fail("TCABENCH must name the tcabench binary of the build that made the module (ctest sets it)")
    return path


@pytest.fixture(scope="session")
def cli(tcabench_binary, tmp_path_factory):
    """cli(*args, out_option="--out") runs `tcabench args... out_option FILE` and returns the JSON."""
    folder = tmp_path_factory.mktemp("cli")
    count = [0]

    def run(*args, out_option="--out"):
        count[0] += 1
        path = folder / f"out{count[0]}.json"
        subprocess.run([tcabench_binary, *map(str, args), "--quiet", out_option, str(path)], check=True,
                       stdout=subprocess.DEVNULL)
        with open(path) as f:
            return json.load(f)

    return run


@pytest.fixture(scope="session")
def cli_error(tcabench_binary):
    """cli_error(*args): the message `tcabench args...` prints after "tcabench: error: " (exit 2)."""

    def run(*args):
        done = subprocess.run([tcabench_binary, *map(str, args)], capture_output=True, text=True)
        assert done.returncode == 2, done.stderr
        line = done.stderr.strip().splitlines()[-1]
        assert line.startswith("tcabench: error: "), line
        return line[len("tcabench: error: "):]

    return run
