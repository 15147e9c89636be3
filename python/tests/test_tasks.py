"""Tasks from Python: the registry as the command line lists it, and batches equal to the command
line's for the same seed, bit for bit."""
import numpy as np
import pytest

import tcabench as tb


def test_registry_lists_every_task_with_its_parameters(tcabench_binary):
    import subprocess

    listing = subprocess.run([tcabench_binary, "tasks"], capture_output=True, text=True, check=True).stdout
    cli_ids = [line.split()[0] for line in listing.splitlines() if line and not line.startswith(" ")]
    assert [t["id"] for t in tb.tasks()] == cli_ids
    dnms = next(t for t in tb.tasks() if t["id"] == "dnms-v1")
    assert {"name", "default", "valid", "help"} <= set(dnms["params"][0])
    assert [r["id"] for r in tb.rules("rate")][:2] == ["bptt", "rtrl"]
    assert "eprop" in [r["id"] for r in tb.rules("lif")]


@pytest.mark.parametrize("task_id", [t["id"] for t in tb.tasks()])
def test_batches_are_the_command_lines_bit_for_bit(cli, task_id):
    dump = cli("probe", "--task", task_id, "--algo", "bptt", "--hidden", 4, "--batch", 3, "--seed", 11,
               "--data-batches", 0, "--device", "cpu", "--max-hours", 100, out_option="--dump")
    batch = tb.make(task_id).sample(3, seed=11)
    T, B, m, o = dump["T"], dump["B"], dump["m"], dump["o"]
    assert (batch.T, batch.B) == (T, B)
    assert batch.loss == dump["loss"]
    assert np.array_equal(batch.inputs, np.array(dump["inputs"]).reshape(T, B, m))
    assert np.array_equal(batch.targets, np.array(dump["targets"]).reshape(T, B, o))
    assert np.array_equal(batch.mask, np.array(dump["loss_mask"]).reshape(T, B))
    assert batch.mask.sum() > 0


def test_overrides_and_their_errors_are_the_command_lines(cli_error):
    task = tb.make("dnms-v1", D=7)
    assert task.config["D"] == "7"
    with pytest.raises(ValueError) as error:
        tb.make("dnms-v1", D=-3)
    assert str(error.value) == cli_error("probe", "--task", "dnms-v1", "--task-param", "D=-3")
    with pytest.raises(ValueError) as error:
        tb.make("no-such-task")
    assert str(error.value) == cli_error("probe", "--task", "no-such-task")


def test_metrics_score_outputs():
    task = tb.make("dnms-v1")
    batch = task.sample(8, seed=2)
    net = tb.Network(task, hidden=8)
    outputs = tb.exact(net, batch).outputs
    metrics = task.metrics(batch, outputs)
    assert 0 <= metrics["accuracy"] <= 1
    with pytest.raises(ValueError, match="outputs has shape"):
        task.metrics(batch, outputs[:, :2])


def test_a_batch_of_your_own():
    T, B, m, o = 5, 2, 3, 2
    rng = np.random.default_rng(0)
    batch = tb.Batch(rng.normal(size=(T, B, m)), rng.normal(size=(T, B, o)), np.ones((T, B)), "mse")
    assert (batch.T, batch.B, batch.loss) == (T, B, "mse")
    assert batch.inputs.shape == (T, B, m)
    with pytest.raises(ValueError, match="mask has shape"):
        tb.Batch(np.zeros((T, B, m)), np.zeros((T, B, o)), np.ones((T, B + 1)), "mse")
    with pytest.raises(ValueError, match="loss must be"):
        tb.Batch(np.zeros((T, B, m)), np.zeros((T, B, o)), np.ones((T, B)), "hinge")
    with pytest.raises(ValueError, match="at least one step"):
        tb.Batch(np.zeros((0, B, m)), np.zeros((0, B, o)), np.ones((0, B)), "mse")
    with pytest.raises(ValueError, match="inputs: entry 3 is nan"):
        tb.Batch(np.where(np.arange(T * B * m).reshape(T, B, m) == 3, np.nan, 0.0), np.zeros((T, B, o)),
                 np.ones((T, B)), "mse")


def test_a_batch_of_your_own_runs_like_the_tasks():
    task = tb.make("dnms-v1")
    net = tb.Network(task, hidden=6, precision="double")
    batch = task.sample(3, seed=4)
    own = tb.Batch(batch.inputs, batch.targets, batch.mask, batch.loss)
    assert np.array_equal(tb.exact_gradient(net, own), tb.exact_gradient(net, batch))
    assert np.array_equal(tb.gradient("rflo", net, own), tb.gradient("rflo", net, batch))
    with pytest.raises(ValueError, match="loss mse; the network takes m = 2, o = 2 and its task's loss, cross_entropy"):
        tb.exact_gradient(net, tb.Batch(batch.inputs, batch.targets, batch.mask, "mse"))
    with pytest.raises(ValueError, match="is not one of dnms-v1's"):
        task.metrics(tb.make("add-v0").sample(3), np.zeros((100, 3, 2)))


def test_seeds_are_the_command_lines():
    task = tb.make("add-v0")
    assert np.array_equal(task.sample(2, seed=np.uint64(2**64 - 1)).inputs, task.sample(2, seed=2**64 - 1).inputs)
    for bad in (-1, 2**64, 1.5, "3", True):
        with pytest.raises(ValueError, match=r"seed must be an integer in 0 \.\. 2\^64 - 1"):
            task.sample(2, seed=bad)
    with pytest.raises(ValueError, match="seed must be"):
        tb.Network(task, seed=-3)
