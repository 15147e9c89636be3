#!/usr/bin/env python3
"""What scoring from Python costs beside the command line's probe of the same configuration.

The configuration: UORO's K = 64 estimates of a rate network with n = 64 on one dnms-v1 batch of
16 sequences (float, CPU), against the exact gradient (BPTT in double), with the probe's
statistics. Timed three ways, interleaved, medians over --repeats:

  cli          `tcabench probe --task dnms-v1 --algo uoro --hidden 64 --batch 16 --samples 64
               --data-batches 0 --device cpu --quiet --go-on --out FILE`, as a process
               (its start, the cost estimate it makes before running, the run, the report);
  python       the same computation from Python, timed inside the process after `import numpy,
               tcabench` (as in a session where they are loaded): tb.Network, Task.sample,
               tb.exact_gradient, tb.gradient(samples=64) and tb.score;
  python_cold  that Python program as a process: the interpreter's start and the imports added.

    PYTHONPATH=build/python python3 bench/micro/python_overhead.py build/tcabench [--json OUT]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PROGRAM = """
import time
import numpy
import tcabench as tb
start = time.perf_counter()
net = tb.Network("dnms-v1", hidden=64, seed=1)
batch = net.task.sample(16, seed=1)
reference = tb.exact_gradient(net, batch)
estimates = tb.gradient("uoro", net, batch, samples=64)
scores = tb.score(estimates, reference, net)
print(time.perf_counter() - start, scores["recurrent"]["rel_variance"])
"""


def timed_process(args):
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tcabench")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json")
    args = parser.parse_args()

    times = {"cli": [], "python": [], "python_cold": []}
    variances = {}
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "probe.json")
        cli = [args.tcabench, "probe", "--task", "dnms-v1", "--algo", "uoro", "--hidden", "64", "--batch", "16",
               "--samples", "64", "--data-batches", "0", "--device", "cpu", "--quiet", "--go-on", "--out", out]
        for _ in range(args.repeats):
            seconds, _ = timed_process(cli)
            times["cli"].append(seconds)
            with open(out) as f:
                variances["cli"] = json.load(f)["checkpoints"][0]["algorithms"][0]["recurrent"]["rel_variance"]
            seconds, stdout = timed_process([sys.executable, "-c", PROGRAM])
            inside, variance = stdout.split()
            times["python_cold"].append(seconds)
            times["python"].append(float(inside))
            variances["python"] = float(variance)
    if variances["cli"] != variances["python"]:
        sys.exit(f"the two paths computed different numbers: {variances}")
    medians = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "configuration": "uoro, K = 64, dnms-v1, n = 64, B = 16, float, cpu; exact gradient and statistics",
        "repeats": args.repeats,
        "median_seconds": medians,
        "ratio_python_to_cli": medians["python"] / medians["cli"],
        "ratio_python_cold_to_cli": medians["python_cold"] / medians["cli"],
        "seconds": times,
        "same_numbers": True,
    }
    for name, value in medians.items():
        print(f"{name:12s} median {value:.3f} s")
    print(f"python / cli: {result['ratio_python_to_cli']:.3f}; python_cold / cli: {result['ratio_python_cold_to_cli']:.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
