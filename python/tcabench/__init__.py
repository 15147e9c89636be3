"""tcabench from Python: the tasks, the networks, every learning rule, the exact BPTT reference
and the probe's statistics, computed by the same C++ code as the tcabench command line.

    import tcabench as tb
    task = tb.make("dnms-v1")
    batch = task.sample(16, seed=1)                  # numpy arrays: batch.inputs, .targets, .mask
    net = tb.Network(task, hidden=32, seed=1)        # the probe's network for seed 1
    reference = tb.exact_gradient(net, batch)        # BPTT in double, flattened [W | W_outb]
    estimates = tb.gradient("uoro", net, batch, samples=64)   # [K, P]
    print(tb.score(estimates, reference, net)["recurrent"]["rel_bias_debiased"])

docs/python.md is the guide and the reference. Long calls release the GIL; Ctrl-C stops them
within one step of the network and raises KeyboardInterrupt. Bad arguments raise ValueError
with the command line's messages.
"""
import collections
import json
import operator
import os
import tempfile

from . import _core

__all__ = ["tasks", "rules", "models", "make", "Task", "Batch", "Network", "gradient", "exact", "exact_gradient",
           "score", "probe", "train", "suite", "leaderboard", "load", "command_line"]

Batch = _core.Batch
Batch.__doc__ = """A batch of B sequences of T steps, time-major: inputs [T, B, m], targets [T, B, o]
(class distributions for cross-entropy), mask [T, B] (the loss weight of each step), trial_start
[T, B]; loss is "mse" or "cross_entropy". Batch(inputs, targets, mask, loss) makes one of your own."""
Batch.__repr__ = lambda b: f"<tcabench.Batch T={b.T} B={b.B} loss={b.loss}>"


def tasks():
    """Every registered task: a list of {"id", "summary", "params": [{"name", "default", "valid", "help"}]}."""
    return _core.tasks()


def rules(model="rate"):
    """The learning rules of a network ("rate" or "lif"): {"id", "summary", "exact", "baseline", "params"}."""
    if model not in [m["id"] for m in _core.models()]:
        raise ValueError(f"unknown model '{model}' (valid: {', '.join(m['id'] for m in _core.models())})")
    return _core.rules(model)


def models():
    """The networks: a list of {"id", "summary", "knobs": [{"name", "default", "valid", "help"}]}."""
    return _core.models()


def _seed(seed):
    """A seed as the command line takes it: an integer in 0 .. 2^64 - 1."""
    try:
        value = None if isinstance(seed, bool) else operator.index(seed)
    except TypeError:
        value = None
    if value is None or not 0 <= value < 2**64:
        raise ValueError(f"seed must be an integer in 0 .. 2^64 - 1, got {seed!r}")
    return value


def _text(value):
    """A parameter value as the command line would spell it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Task:
    """A task of the registry, made by make(id, **params). Its batches are the command line's for
    the same seed, bit for bit."""

    def __init__(self, task_id, **params):
        self._params = {name: _text(value) for name, value in params.items()}
        self._task = _core.Task(task_id, self._params)

    id = property(lambda self: self._task.id)
    T = property(lambda self: self._task.T, doc="steps per sequence")
    input_size = property(lambda self: self._task.input_size)
    output_size = property(lambda self: self._task.output_size)
    loss = property(lambda self: self._task.loss, doc='"mse" or "cross_entropy"')
    config = property(lambda self: self._task.config, doc="every parameter's effective value, as text")

    def sample(self, batch_size, seed=1):
        """B sequences, deterministic given seed; sequence b does not depend on batch_size."""
        return self._task.sample(batch_size, _seed(seed))

    def metrics(self, batch, outputs):
        """The task's metrics (and their baselines) of network outputs [T, B, o] on batch."""
        return self._task.metrics(batch, outputs)

    def __repr__(self):
        return f"<tcabench.Task {self.id} T={self.T} m={self.input_size} o={self.output_size} loss={self.loss}>"


def make(task_id, **params):
    """The task task_id (see tasks()) with parameters overridden, e.g. make("dnms-v1", D=20)."""
    return Task(task_id, **params)


class Network:
    """A network of the probe at parameters theta, held in its precision (float rounds them).

    Network(task, model="rate", seed=1, precision="float", device="cpu", **knobs): the network's
    initialisation for seed, as `tcabench probe --seed seed` starts from. knobs are the model's
    (tcabench.models()): hidden, alpha and gain for the rate network, e.g. hidden=64.
    Parameters are W [n, k] (k = n + m + 1 columns: recurrent, input, bias) and
    W_outb [o, n + 1] (readout and its bias); flattened, [W | W_outb] row-major.
    """

    def __init__(self, task, model="rate", seed=1, precision="float", device="cpu", **knobs):
        if isinstance(task, str):
            task = make(task)
        self.task = task
        self._net = _core.Network(task._task, model, _seed(seed), precision, device,
                                  {name: _text(value) for name, value in knobs.items()})

    model = property(lambda self: self._net.model)
    n = property(lambda self: self._net.n, doc="hidden units")
    m = property(lambda self: self._net.m, doc="inputs")
    o = property(lambda self: self._net.o, doc="outputs")
    k = property(lambda self: self._net.k, doc="columns of W")
    seed = property(lambda self: self._net.seed)
    precision = property(lambda self: self._net.precision)
    device = property(lambda self: self._net.device)
    description = property(lambda self: self._net.description, doc="the model and its effective knobs")
    group_indices = property(lambda self: self._net.group_indices,
                             doc="each parameter group's flat indices in [W | W_outb]")
    recurrent_indices = property(lambda self: self._net.recurrent_indices,
                                 doc="the flat indices of the recurrent parameters W (every group but the readout)")

    @property
    def flat_params(self):
        return self._net.flat_params

    @property
    def params(self):
        """{"W": [n, k], "W_outb": [o, n + 1]} (copies)."""
        return self.unflatten(self.flat_params)

    def set_params(self, W=None, W_outb=None, flat=None, groups=None):
        """Sets W and/or W_outb, all parameters flattened, or some parameter groups' entries
        (groups={"W_rec": array, ...}, each as groups() gives it); rounded to the network's
        precision."""
        import numpy as np

        if flat is not None:
            if W is not None or W_outb is not None or groups is not None:
                raise ValueError("give flat alone, or W, W_outb and groups")
            self._net.set_flat_params(np.asarray(flat, dtype=np.float64))
            return
        values = self.flat_params
        size = self._net.W_size
        if W is not None:
            if np.shape(W) != (self.n, self.k):
                _shape_error("W", np.shape(W), (self.n, self.k))
            values[:size] = np.asarray(W, dtype=np.float64).reshape(-1)
        if W_outb is not None:
            if np.shape(W_outb) != (self.o, self.n + 1):
                _shape_error("W_outb", np.shape(W_outb), (self.o, self.n + 1))
            values[size:] = np.asarray(W_outb, dtype=np.float64).reshape(-1)
        for name, entries in (groups or {}).items():
            indices = self.group_indices.get(name)
            if indices is None:
                raise ValueError(f"unknown parameter group '{name}' (groups: {', '.join(self.group_indices)})")
            if np.shape(entries) != indices.shape:
                _shape_error(f"group {name}", np.shape(entries), indices.shape)
            values[indices] = np.asarray(entries, dtype=np.float64)
        self._net.set_flat_params(values)

    def unflatten(self, flat):
        """A flat [W | W_outb] vector (parameters or a gradient) as {"W": [n, k], "W_outb": [o, n + 1]}."""
        import numpy as np

        flat = np.asarray(flat, dtype=np.float64)
        size = self._net.W_size
        if flat.shape != (size + self.o * (self.n + 1),):
            _shape_error("flat vector", flat.shape, (size + self.o * (self.n + 1),))
        return {"W": flat[:size].reshape(self.n, self.k).copy(), "W_outb": flat[size:].reshape(self.o, self.n + 1).copy()}

    def groups(self, flat=None):
        """Each parameter group's entries (of the parameters, or of a flat gradient) as 1-D arrays."""
        import numpy as np

        flat = self.flat_params if flat is None else np.asarray(flat, dtype=np.float64)
        return {name: flat[idx] for name, idx in self.group_indices.items()}

    def __repr__(self):
        return (f"<tcabench.Network {self.model} n={self.n} m={self.m} o={self.o} seed={self.seed} "
                f"{self.precision} on {self.device}>")


def _shape_error(what, got, want):
    raise ValueError(f"{what} has shape {tuple(got)}, expected {tuple(want)}")


def gradient(rule, network, batch, samples=64, seed=None, params=None, adapt_windows=100):
    """The rule's gradient estimates at the network's parameters on batch, flattened [W | W_outb]:
    an array [K, P], K = samples for a stochastic rule and 1 for a deterministic one, as `tcabench
    probe` computes them: estimate s draws its noise from the seed's s-th noise stream (seed:
    the network's by default). params: the rule's hyperparameters (tcabench.rules()). A rule
    that learns parameters of its own (kernl, dni, miconi) first adapts on adapt_windows fresh
    batches of the network's task, as the probe does, then is frozen."""
    return _core.gradient(network._net, rule, batch, samples, network.seed if seed is None else _seed(seed),
                          {name: _text(value) for name, value in (params or {}).items()}, adapt_windows)


Exact = collections.namedtuple("Exact", "gradient loss outputs")


def exact(network, batch):
    """The exact gradient (BPTT in double on the CPU) at the network's parameters: (gradient [P],
    the window's loss, the outputs [T, B, o])."""
    return Exact(*_core.exact_gradient(network._net, batch))


def exact_gradient(network, batch):
    """The exact gradient [P] (BPTT in double on the CPU) at the network's parameters: the probe's reference."""
    return exact(network, batch).gradient


def score(estimates, reference, network, stochastic=None, rule=None, params=None):
    """The probe's statistics of K estimates [K, P] (or a list of K flat vectors) against the exact
    gradient: {"recurrent": ..., "total": ..., "groups": {name: ...}}, each with samples, rel_bias,
    rel_bias_debiased, rel_bias_ci95, bias_interval_contains_zero, rel_variance,
    rel_variance_ci95, cosine_of_mean(_ci95), mean_cosine(_ci95), norm_ratio, reference_norm and
    notes (None where undefined; notes say why), exactly as a probe report holds them for a rule.
    stochastic: whether the estimates come from a rule that draws noise. Unless given, a built-in
    rule named by rule (with its params) says, as in the probe; else K > 1 counts as stochastic,
    so a single estimate of a stochastic rule of your own needs stochastic=True."""
    import numpy as np

    estimates = np.atleast_2d(np.asarray(estimates, dtype=np.float64))
    if stochastic is None:
        if rule is not None:
            stochastic = _core.rule_is_stochastic(network._net, rule,
                                                  {name: _text(value) for name, value in (params or {}).items()})
        else:
            stochastic = estimates.shape[0] > 1
    return _core.score(network._net, estimates, np.asarray(reference, dtype=np.float64), bool(stochastic))


# ---- runs of the command line ----------------------------------------------------------------

def _arguments(options):
    """Keyword options as command-line arguments: hidden=32 -> --hidden 32; lists joined by commas;
    True -> a flag; dicts -> repeated name=value (task_param, model_param) or rule.name=value
    (algo_param)."""
    args = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, dict):  # algo_param={"uoro": {"epsilon": 1e-6}}
                    args += [a for k2, v2 in inner.items() for a in (flag, f"{key}.{k2}={_text(v2)}")]
                else:
                    args += [flag, f"{key}={_text(inner)}"]
        elif isinstance(value, (list, tuple)):
            args += [flag, ",".join(_text(v) for v in value)]
        else:
            args += [flag, _text(value)]
    return args


def command_line(*args):
    """Runs `tcabench ARGS...` in this process; returns its exit status (0, or 1 when a gate
    fails); bad input raises ValueError with the command's message."""
    return _core.run_command_line(["tcabench", *[str(a) for a in args]])


# What the package's runs of the command line pass unless told otherwise.
_RUN_DEFAULTS = {"device": "cpu", "quiet": True}


def _run_with_report(command, options):
    """Runs `tcabench command` with options and --out into a temporary file; returns the JSON.
    A leaderboard's Markdown goes to a temporary file too unless markdown= names one."""
    with tempfile.TemporaryDirectory(prefix="tcabench-") as folder:
        if command == "leaderboard":
            options = {"markdown": os.path.join(folder, "leaderboard.md"), **options}
        path = os.path.join(folder, "report.json")
        command_line(command, *_arguments(options), "--out", path)
        with open(path) as f:
            return json.load(f)


def probe(**options):
    """`tcabench probe` with these options (docs/cli.md), e.g. probe(task="dnms-v1",
    algo=["rtrl", "uoro"], hidden=32, samples=16); returns the report's dictionary, as --out
    writes it. device defaults to "cpu" and quiet to True."""
    return _run_with_report("probe", {**_RUN_DEFAULTS, **options})


def train(**options):
    """`tcabench train` with these options, e.g. train(task="add-v0", algo="rflo", seeds=[1, 2],
    lr=[0.01]); returns the report's dictionary. device defaults to "cpu" and quiet to True."""
    return _run_with_report("train", {**_RUN_DEFAULTS, **options})


def suite(config, out_dir, **options):
    """`tcabench suite --config config --out-dir out_dir` (resumable: written cells are kept);
    returns the cells as dictionaries, in file order."""
    command_line("suite", "--config", config, "--out-dir", out_dir, *_arguments({**_RUN_DEFAULTS, **options}))
    cells = os.path.join(out_dir, "cells")
    result = []
    for name in sorted(os.listdir(cells)):
        if name.endswith(".json"):
            with open(os.path.join(cells, name)) as f:
                result.append(json.load(f))
    return result


def leaderboard(cells, **options):
    """`tcabench leaderboard --cells cells`: the leaderboard's dictionary. markdown=FILE and
    csv=FILE also write those (the Markdown tables are not printed)."""
    return _run_with_report("leaderboard", dict(options, cells=cells))


def load(path):
    """A suite's results as a pandas DataFrame, one row per cell, run and metric (the tidy table of
    `tcabench leaderboard --csv`): path is a results folder (with cells/) or a CSV file."""
    from . import tidy

    if os.path.isdir(path):
        with tempfile.TemporaryDirectory(prefix="tcabench-") as folder:
            csv = os.path.join(folder, "cells.csv")
            leaderboard(path, csv=csv)
            return tidy.load(csv)
    return tidy.load(path)
