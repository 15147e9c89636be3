"""Reading Google Benchmark JSON (tcabench_micro, tcabench_gpu_bench) for the table scripts:
bench/report/results_table.py, bench/micro/speedup_table.py, rtrl_batch_table.py, gpu_table.py.

A benchmark's key is its run_name (its name without the aggregate's suffix). Runs with
--benchmark_repetitions hold the repetitions (run_type "iteration") and their aggregates
(mean, median, stddev, cv); a run without repetitions holds iterations only.
"""
import json

SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def load(path):
    """The JSON document of one run."""
    with open(path) as f:
        return json.load(f)


def key(b):
    return b.get("run_name", b["name"])


def medians(data):
    """{benchmark: its median aggregate}."""
    return {key(b): b for b in data["benchmarks"] if b.get("aggregate_name") == "median"}


def repetitions(data):
    """{benchmark: [its repetitions, in order]}, leaving out any that reported an error."""
    out = {}
    for b in data["benchmarks"]:
        if b.get("run_type", "iteration") == "iteration" and not b.get("error_occurred"):
            out.setdefault(key(b), []).append(b)
    return out


def summary(data):
    """{benchmark: its median aggregate, or its last repetition in a run without aggregates}."""
    out = {name: runs[-1] for name, runs in repetitions(data).items()}
    out.update(medians(data))
    return out


def microseconds(b):
    """A benchmark's real time per iteration in µs."""
    return b["real_time"] * SECONDS[b["time_unit"]] * 1e6
