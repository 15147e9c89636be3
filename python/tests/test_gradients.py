"""Every rule's gradient from Python equals the command line's probe for the same configuration
and seed, bit for bit; the exact gradient equals its reference; score() equals the probe's
statistics on the same samples."""
import numpy as np
import pytest

import tcabench as tb

SEED, B, K = 5, 4, 3
CASES = {  # name: (task, network knobs, the probe's options for them)
    "rate": ("dnms-v1", {"hidden": 9}, ["--hidden", 9]),
    "rate-double": ("add-v0", {"hidden": 7, "precision": "double", "alpha": 0.5},
                    ["--hidden", 7, "--precision", "double", "--alpha", 0.5, "--task-param", "T=30"]),
    "lif": ("dnms-v1", {"model": "lif", "n_lif": 5, "n_alif": 4},
            ["--model", "lif", "--model-param", "n_lif=5", "--model-param", "n_alif=4"]),
}
TASK_PARAMS = {"rate-double": {"T": 30}}


@pytest.fixture(scope="module", params=sorted(CASES))
def probed(request, cli):
    """The probe's report and dump of every rule of one network, and the same network in Python."""
    task_id, knobs, options = CASES[request.param]
    common = ["probe", "--task", task_id, *options, "--algo", "all", "--batch", B, "--samples", K, "--seed", SEED,
              "--data-batches", 0, "--adapt-windows", 2, "--device", "cpu", "--max-hours", 100]
    report, dump = cli(*common), cli(*common, out_option="--dump")
    task = tb.make(task_id, **TASK_PARAMS.get(request.param, {}))
    net = tb.Network(task, seed=SEED, **knobs)
    return report, dump, net, task.sample(B, seed=SEED)


def test_parameters_and_exact_gradient_are_the_probes(probed):
    _, dump, net, batch = probed
    point = dump["checkpoints"][0]
    assert np.array_equal(net.params["W"].reshape(-1), point["W"])
    assert np.array_equal(net.params["W_outb"].reshape(-1), point["W_outb"])
    exact = tb.exact(net, batch)
    assert np.array_equal(exact.gradient, point["reference_gradient"])
    assert exact.outputs.shape == (batch.T, B, net.o)


def test_every_rules_estimates_are_the_probes(probed):
    report, dump, net, batch = probed
    estimates = dump["checkpoints"][0]["estimates"]
    assert len(estimates) == len(tb.rules(net.model))
    for entry in report["checkpoints"][0]["algorithms"]:
        rule = entry["id"]
        mine = tb.gradient(rule, net, batch, samples=K, adapt_windows=2)
        assert mine.shape == (entry["samples"], len(net.flat_params)), rule
        assert np.array_equal(mine, np.array(estimates[rule])), rule


def test_score_is_the_probes_statistics(probed):
    report, dump, net, _ = probed
    point = dump["checkpoints"][0]
    for entry in report["checkpoints"][0]["algorithms"]:
        scores = tb.score(point["estimates"][entry["id"]], point["reference_gradient"], net,
                          stochastic=entry["stochastic"])
        assert scores == {key: entry[key] for key in ("recurrent", "total", "groups")}, entry["id"]


def test_score_asks_the_rule_whether_it_is_stochastic(probed):
    _, dump, net, batch = probed
    point = dump["checkpoints"][0]
    stochastic = [r["id"] for r in tb.rules(net.model) if _stochastic(net, r["id"])]
    assert stochastic, "every network has stochastic rules"
    one = tb.gradient(stochastic[0], net, batch, samples=1)
    reference = point["reference_gradient"]
    assert tb.score(one, reference, net, rule=stochastic[0]) == tb.score(one, reference, net, stochastic=True)
    assert tb.score(one, reference, net, rule=stochastic[0]) != tb.score(one, reference, net, stochastic=False)
    assert tb.score(one, reference, net) == tb.score(one, reference, net, stochastic=False)  # K = 1, no rule named


def _stochastic(net, rule):
    return tb._core.rule_is_stochastic(net._net, rule, {})


def test_non_finite_values_are_refused(probed):
    _, dump, net, _ = probed
    reference = np.array(dump["checkpoints"][0]["reference_gradient"])
    estimates = np.tile(reference, (3, 1))
    estimates[1, 4] = np.nan
    with pytest.raises(ValueError, match="estimates: entry .* is nan"):
        tb.score(estimates, reference, net)
    with pytest.raises(ValueError, match="flat parameters: entry 0 is inf"):
        net.set_params(flat=np.full(len(net.flat_params), np.inf))


def test_groups_and_layout(probed):
    _, _, net, _ = probed
    indices = np.concatenate(list(net.group_indices.values()))
    assert len(np.unique(indices)) == len(indices)
    assert set(net.recurrent_indices) <= set(indices)
    parts = net.groups()
    assert sum(len(v) for v in parts.values()) == len(indices)
    flat = np.arange(len(net.flat_params), dtype=float)
    assert np.array_equal(np.concatenate([net.unflatten(flat)["W"].ravel(), net.unflatten(flat)["W_outb"].ravel()]), flat)


def test_set_params_rounds_to_the_precision():
    net = tb.Network("add-v0", hidden=4)
    W = np.full((net.n, net.k), 0.1)
    net.set_params(W=W)
    assert net.params["W"][0, 0] == np.float32(0.1)
    with pytest.raises(ValueError, match="W has shape"):
        net.set_params(W=np.zeros((2, 2)))
    net.set_params(groups={"b": np.full(net.n, 0.25)})
    assert np.array_equal(net.params["W"][:, -1], np.full(net.n, 0.25))
    assert np.array_equal(net.groups()["b"], np.full(net.n, 0.25))
    with pytest.raises(ValueError, match="unknown parameter group 'nope'"):
        net.set_params(groups={"nope": np.zeros(3)})
    double = tb.Network("add-v0", hidden=4, precision="double")
    double.set_params(W=W)
    assert double.params["W"][0, 0] == 0.1


def test_unbiased_rule_is_unbiased_by_the_probes_test():
    # UORO's debiased bias interval contains zero in about 95% of probes: a check of the whole path.
    net = tb.Network("add-v0", hidden=6, seed=3, precision="double")
    batch = net.task.sample(4, seed=3)
    scores = tb.score(tb.gradient("uoro", net, batch, samples=200), tb.exact_gradient(net, batch), net)
    assert scores["recurrent"]["samples"] == 200
    assert scores["recurrent"]["bias_interval_contains_zero"] is True


def test_errors_are_the_command_lines(cli_error):
    net = tb.Network("dnms-v1", hidden=4)
    batch = net.task.sample(2)
    with pytest.raises(ValueError) as error:
        tb.gradient("no-such-rule", net, batch)
    assert str(error.value) == cli_error("probe", "--algo", "no-such-rule", "--hidden", 4)
    with pytest.raises(ValueError) as error:
        tb.gradient("uoro", net, batch, params={"epsilon": -1})
    assert str(error.value) == cli_error("probe", "--algo", "uoro", "--algo-param", "uoro.epsilon=-1", "--hidden", 4)
    with pytest.raises(ValueError, match="the network takes"):
        tb.gradient("bptt", net, tb.make("add-v0").sample(2))
    with pytest.raises(ValueError, match="parameter 'hidden' must be an integer, got '12abc'"):
        tb.Network("dnms-v1", hidden="12abc")
    with pytest.raises(ValueError, match=r"parameter 'hidden' must be an integer in \[1, 4096\], got '0'"):
        tb.Network("dnms-v1", hidden=0)
    with pytest.raises(ValueError, match="precision must be"):
        tb.Network("dnms-v1", precision="half")
    with pytest.raises(ValueError, match="estimates has shape"):
        tb.score(np.zeros((2, 3)), np.zeros(len(net.flat_params)), net)
