"""probe, train, suite and leaderboard runs from Python return the command line's reports; a
results folder loads into pandas; errors carry the command line's messages."""
import json
import os

import pytest

import tcabench as tb

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DETERMINISTIC = ("git_commit", "machine", "seconds_per_window", "wall_seconds", "steps_per_second", "peak_rss_bytes",
                 "calibration")


def strip_timings(value):
    """The report without what differs between two runs of the same configuration."""
    if isinstance(value, dict):
        return {k: strip_timings(v) for k, v in value.items() if k not in DETERMINISTIC}
    if isinstance(value, list):
        return [strip_timings(v) for v in value]
    return value


def test_probe_returns_the_command_lines_report(cli):
    options = dict(task="add-v0", algo=["rtrl", "uoro"], hidden=6, batch=3, samples=4, seed=2, data_batches=2)
    mine = tb.probe(**options)
    theirs = cli("probe", "--task", "add-v0", "--algo", "rtrl,uoro", "--hidden", 6, "--batch", 3, "--samples", 4,
                 "--seed", 2, "--data-batches", 2, "--device", "cpu")
    assert mine["kind"] == "probe"
    assert strip_timings(mine) == strip_timings(theirs)


def test_train_returns_the_command_lines_report(cli):
    mine = tb.train(task="add-v0", algo="rflo", hidden=5, iterations=6, eval_every=3, eval_batch=8, seeds=[1, 2],
                    lr=[0.01], jobs=1, task_param={"T": 20})
    theirs = cli("train", "--task", "add-v0", "--algo", "rflo", "--hidden", 5, "--iterations", 6, "--eval-every", 3,
                 "--eval-batch", 8, "--seeds", "1,2", "--lr", "0.01", "--jobs", 1, "--task-param", "T=20",
                 "--device", "cpu")
    assert mine["kind"] == "train"
    assert strip_timings(mine) == strip_timings(theirs)


def test_rule_options_pass_through():
    report = tb.probe(task="add-v0", algo="uoro", hidden=4, batch=2, samples=3, data_batches=0,
                      algo_param={"uoro": {"epsilon": 0.001}})
    assert report["checkpoints"][0]["algorithms"][0]["config"]["epsilon"] == "0.001"


def test_errors_are_the_command_lines(cli_error):
    with pytest.raises(ValueError) as error:
        tb.probe(task="add-v0", hidden=-5)
    assert str(error.value) == cli_error("probe", "--task", "add-v0", "--hidden", "-5", "--device", "cpu", "--quiet")
    with pytest.raises(ValueError, match="no-such-option"):
        tb.train(no_such_option=3)


def test_suite_leaderboard_and_load(tmp_path):
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps({
        "description": "two rules, two seeds, a few windows",
        "tasks": [{"id": "add-v0", "params": {"T": 12}, "metric": "ce", "better": "lower"}],
        "algorithms": [{"id": "bptt"}, {"id": "rflo"}],
        "hidden": [4], "seeds": [1, 2],
        "training": {"iterations": 4, "batch": 4, "eval_every": 2, "eval_batch": 8, "learning_rates": [0.01]},
        "probe": {"samples": 3, "batch": 4, "data_batches": 0, "checkpoints": [0]}}))
    cells = tb.suite(str(config), str(tmp_path / "out"))
    assert [c["cell"]["rule"] for c in cells] == ["bptt", "rflo"]
    board = tb.leaderboard(str(tmp_path / "out"))
    assert board["kind"] == "leaderboard"
    frame = tb.load(str(tmp_path / "out"))
    assert set(frame["rule"]) == {"bptt", "rflo"}
    assert set(frame["source"]) == {"train", "probe"}
    assert (frame[frame.source == "train"].seed.dropna().unique().tolist()) == [1, 2]
