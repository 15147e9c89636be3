#!/usr/bin/env python3
"""PyTorch on the same GPU and shapes as tcabench's GPU benchmark, for the speed ratios.

  python3 bench/micro/baselines/torch_compare.py [--json out.json]

- BPTT: torch.nn.RNN (tanh, cuDNN) forward + backward of a summed loss at n = 128, B = 64,
  T = 100, m = 2, float32 (the issue's comparison point);
- RTRL written with torch ops (the influence update M = J M + Mbar and g += c^T M, batched with
  torch.bmm) at n = 64, 128, B = 1 and 16, T = 29.
Timed with CUDA events after warm-up; medians of --repeats.
"""
import argparse
import json

import torch


def median_ms(fn, repeats, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    return times[len(times) // 2]


def bptt_rnn(n, B, T, m, repeats):
    rnn = torch.nn.RNN(m, n, nonlinearity="tanh", batch_first=False).cuda()
    readout = torch.nn.Linear(n, 2).cuda()
    x = torch.randn(T, B, m, device="cuda")
    target = torch.randn(T, B, 2, device="cuda")

    def step():
        rnn.zero_grad(set_to_none=True)
        readout.zero_grad(set_to_none=True)
        h, _ = rnn(x)
        loss = ((readout(h) - target) ** 2).sum()
        loss.backward()

    ms = median_ms(step, repeats)
    return {"what": "torch.nn.RNN tanh forward+backward", "n": n, "B": B, "T": T, "ms_per_window": ms,
            "steps_per_s": B * T / (ms * 1e-3)}


def rtrl_torch(n, B, T, m, repeats):
    k = n + m + 1
    W = torch.randn(n, k, device="cuda") / n ** 0.5
    x = torch.randn(T, B, m, device="cuda")
    c = torch.randn(T, B, n, device="cuda")

    def window():
        M = torch.zeros(B, n, n * k, device="cuda")
        g = torch.zeros(n * k, device="cuda")
        a = torch.zeros(B, n, device="cuda")
        eye = torch.eye(n, device="cuda")
        for t in range(T):
            ahat = torch.cat([a, x[t], torch.ones(B, 1, device="cuda")], dim=1)
            h = ahat @ W.T
            a = torch.tanh(h)
            dphi = 1 - a * a
            J = dphi[:, :, None] * W[None, :, :n]  # alpha = 1
            Mbar = torch.zeros(B, n, n, k, device="cuda")
            Mbar[:, eye.bool(), :] = (dphi[:, :, None] * ahat[:, None, :])
            M = torch.bmm(J, M) + Mbar.reshape(B, n, n * k)
            g += torch.einsum("bi,bij->j", c[t], M)
        return g

    ms = median_ms(window, repeats)
    return {"what": "RTRL in torch ops", "n": n, "B": B, "T": T, "ms_per_window": ms,
            "steps_per_s": B * T / (ms * 1e-3)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json")
    args = parser.parse_args()
    results = [bptt_rnn(128, 64, 100, 2, args.repeats)]
    for n in (64, 128):
        for B in (1, 16):
            results.append(rtrl_torch(n, B, 29, 2, args.repeats))
    for r in results:
        print(f"{r['what']:40s} n={r['n']:4d} B={r['B']:3d} T={r['T']:3d}: {r['ms_per_window']:9.3f} ms/window, "
              f"{r['steps_per_s']:.3g} steps/s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "results": results}, f,
                      indent=2)


if __name__ == "__main__":
    main()
