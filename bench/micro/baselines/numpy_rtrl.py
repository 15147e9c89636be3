#!/usr/bin/env python3
"""The competition: RTRL's per-step update written in numpy, timed on this machine.

Two versions of the same update M_t = J_t M_{t-1} + Mbar_t, g += c_t^T M_t (DESIGN.md), batch 1:
  research  float64, the immediate influence built with np.kron as published research code
            does (e.g. the learning_algorithms package of Marschall et al. 2020);
  tuned     float32, the immediate influence added in place on the block diagonal: the best a
            numpy user can do, one BLAS call for J_t M_{t-1} like tcabench.
Both compute the same numbers as tcabench's rtrl (checked below against a direct loop).

  python3 bench/micro/baselines/numpy_rtrl.py [--sizes 64 128] [--repeats 9] [--json out.json]
Prints the median seconds per step of each version over --repeats timings of --steps steps.
"""
import argparse
import json
import platform
import time

import numpy as np


def make_inputs(n, m, dtype, rng):
    k = n + m + 1
    W = rng.standard_normal((n, k)) / np.sqrt(n)
    ahat = np.concatenate([np.tanh(rng.standard_normal(n)), rng.standard_normal(m), [1.0]])
    dphi = 1.0 - np.tanh(rng.standard_normal(n)) ** 2
    c = rng.standard_normal(n)
    return [x.astype(dtype) for x in (W, ahat, dphi, c)]


def step_research(M, g, W, ahat, dphi, c, alpha):
    n = W.shape[0]
    J = (1 - alpha) * np.eye(n) + alpha * dphi[:, None] * W[:, :n]
    # Mbar[i, (i', j)] = delta(i, i') alpha dphi_i ahat_j, column index i' * k + j.
    Mbar = np.kron(np.diag(alpha * dphi), ahat[None, :])
    M = J.dot(M) + Mbar
    g += c.dot(M)
    return M


def step_tuned(M, g, W, ahat, dphi, c, alpha, scratch):
    n, k = W.shape
    J = alpha * dphi[:, None] * W[:, :n]
    J[np.diag_indices(n)] += 1 - alpha
    np.matmul(J, M, out=scratch)
    blocks = scratch.reshape(n, n, k)
    blocks[np.arange(n), np.arange(n), :] += (alpha * dphi)[:, None] * ahat[None, :]
    g += c @ scratch
    return scratch, M  # new M, and the old buffer becomes the scratch


def check_against_loop(alpha=0.7):
    """Both versions against a direct triple loop on a tiny network."""
    rng = np.random.default_rng(0)
    n, m = 3, 2
    k = n + m + 1
    W, ahat, dphi, c = make_inputs(n, m, np.float64, rng)
    M0 = rng.standard_normal((n, n * k))
    want = np.zeros_like(M0)
    for i in range(n):
        for col in range(n * k):
            s = (1 - alpha) * M0[i, col] + alpha * dphi[i] * sum(W[i, l] * M0[l, col] for l in range(n))
            if col // k == i:
                s += alpha * dphi[i] * ahat[col % k]
            want[i, col] = s
    g = np.zeros(n * k)
    got = step_research(M0.copy(), g, W, ahat, dphi, c, alpha)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12), "research version is wrong"
    assert np.allclose(g, c @ want, rtol=1e-12), "research gradient is wrong"
    g = np.zeros(n * k)
    got, _ = step_tuned(M0.copy(), g, W, ahat, dphi, c, alpha, np.empty_like(M0))
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12), "tuned version is wrong"


def time_version(version, n, m, steps, repeats):
    dtype = np.float64 if version == "research" else np.float32
    rng = np.random.default_rng(1)
    W, ahat, dphi, c = make_inputs(n, m, dtype, rng)
    k = n + m + 1
    M = np.zeros((n, n * k), dtype)
    scratch = np.empty_like(M)
    g = np.zeros(n * k, dtype)
    times = []
    for _ in range(repeats + 1):  # the first round warms up
        start = time.perf_counter()
        for _ in range(steps):
            if version == "research":
                M = step_research(M, g, W, ahat, dphi, c, 1.0)
            else:
                M, scratch = step_tuned(M, g, W, ahat, dphi, c, 1.0, scratch)
        times.append((time.perf_counter() - start) / steps)
    assert np.all(np.isfinite(M))
    return float(np.median(times[1:]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--inputs", type=int, default=2, help="m (dnms-v0 has 2)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    check_against_loop()
    results = []
    for n in args.sizes:
        for version in ("research", "tuned"):
            seconds = time_version(version, n, args.inputs, args.steps, args.repeats)
            results.append({"version": version, "n": n, "m": args.inputs, "batch": 1,
                            "seconds_per_step_median": seconds})
            print(f"numpy rtrl {version:8s} n={n:4d}: {seconds * 1e3:9.3f} ms/step (median of {args.repeats})")
    if args.json:
        info = {"numpy": np.__version__, "python": platform.python_version(), "machine": platform.node(),
                "processor": platform.processor()}
        with open(args.json, "w") as f:
            json.dump({"context": info, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
