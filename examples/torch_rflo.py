#!/usr/bin/env python3
"""A learning rule written in PyTorch, scored by tcabench against the exact gradient, beside
tcabench's own implementation of the same rule.

The rule is RFLO (Murray 2019, "Local online learning in recurrent networks with random
feedback", eLife 8:e43299) on tcabench's rate network, written here with torch ops:

    h_t = W [a_{t-1}; x_t; 1],  a_t = (1 - alpha) a_{t-1} + alpha tanh(h_t)
    E_t = (1 - alpha) E_{t-1} + alpha tanh'(h_t) [a_{t-1}; x_t; 1]^T     (one n x k trace per sequence)
    gW += (B_fb e_t) * E_t,  e_t = dL/dy_t                                 (summed over t and sequences)

with the readout's gradient exact, as tcabench's rules compute it. Two feedback matrices B_fb:
W_out^T (symmetric), and a random matrix with N(0, 1/n) entries, drawn anew for each of K
samples, so that the spread over draws is the rule's variance. tcabench.score gives the probe's
statistics of both, on dnms-v1 and add-v0, beside those of `tcabench.gradient("rflo", ...)`
(whose random feedback comes from its own generator, feedback_seed s for sample s).

    /usr/bin/python3 examples/torch_rflo.py        # after bash scripts/build.sh (Debian: python3-torch)
"""
import numpy as np
import torch

import tcabench as tb

K = 32  # random feedback draws


def rflo_torch(net, batch, feedback=None, generator=None):
    """RFLO's estimate, flattened [W | W_outb] like tcabench's gradients. feedback: None for
    W_out^T, "random" for one N(0, 1/n) matrix drawn from generator."""
    p = {name: torch.tensor(value) for name, value in net.params.items()}
    W, W_outb = p["W"], p["W_outb"]
    n, o = net.n, net.o
    alpha = float(net.description["alpha"])
    x = torch.tensor(batch.inputs)
    target = torch.tensor(batch.targets)
    mask = torch.tensor(batch.mask)
    T, B, _ = x.shape
    B_fb = W_outb[:, :n].T if feedback is None else torch.randn(n, o, generator=generator, dtype=torch.float64) / n**0.5

    a = torch.zeros(B, n, dtype=torch.float64)
    E = torch.zeros(B, n, net.k, dtype=torch.float64)
    gW = torch.zeros_like(W)
    gW_outb = torch.zeros_like(W_outb)
    for t in range(T):
        ahat = torch.cat([a, x[t], torch.ones(B, 1, dtype=torch.float64)], dim=1)
        tanh_h = torch.tanh(ahat @ W.T)
        a = (1 - alpha) * a + alpha * tanh_h
        E = (1 - alpha) * E + (alpha * (1 - tanh_h**2))[:, :, None] * ahat[:, None, :]
        y = a @ W_outb[:, :n].T + W_outb[:, n]
        # e_t = dL/dy_t of tcabench's loss (1/B) sum mask * l: softmax cross-entropy or 1/2 |y - y*|^2.
        error = torch.softmax(y, dim=1) - target[t] if batch.loss == "cross_entropy" else y - target[t]
        e = error * (mask[t] / B)[:, None]
        gW += torch.einsum("bi,bij->ij", e @ B_fb.T, E)
        gW_outb += e.T @ torch.cat([a, torch.ones(B, 1, dtype=torch.float64)], dim=1)
    return torch.cat([gW.reshape(-1), gW_outb.reshape(-1)]).numpy()


def row(task, rule, who, scores):
    s = scores["recurrent"]
    fmt = lambda v: "   n/a" if v is None else f"{v:6.3f}"
    print(f"| {task} | {rule} | {who} | {fmt(s['rel_bias_debiased'])} | {fmt(s['rel_variance'])} | "
          f"{fmt(s['cosine_of_mean'])} | {fmt(s['mean_cosine'])} |")


def main():
    print("Recurrent parameters W, n = 32, B = 16, seed 1, double precision; "
          f"random feedback: K = {K} draws\n")
    print("| task | rule | implementation | bias (debiased, rel.) | variance (rel.) | cos of mean | mean cos |")
    print("|---|---|---|---|---|---|---|")
    for task_id in ("dnms-v1", "add-v0"):
        net = tb.Network(task_id, hidden=32, seed=1, precision="double")
        batch = net.task.sample(16, seed=1)
        reference = tb.exact_gradient(net, batch)

        mine = rflo_torch(net, batch)
        theirs = tb.gradient("rflo", net, batch, params={"feedback": "symmetric"})
        row(task_id, "RFLO, symmetric feedback", "PyTorch (this file)", tb.score(mine[None], reference, net))
        row(task_id, "RFLO, symmetric feedback", "tcabench rflo", tb.score(theirs, reference, net))
        largest = np.abs(mine - theirs[0]).max() / np.abs(theirs[0]).max()
        assert largest < 1e-10, f"the two implementations differ by {largest:.1e}"

        generator = torch.Generator().manual_seed(1)
        mine = np.stack([rflo_torch(net, batch, "random", generator) for _ in range(K)])
        theirs = np.concatenate([tb.gradient("rflo", net, batch, params={"feedback_seed": s}) for s in range(K)])
        row(task_id, "RFLO, random feedback", "PyTorch (this file)", tb.score(mine, reference, net, stochastic=True))
        row(task_id, "RFLO, random feedback", "tcabench rflo", tb.score(theirs, reference, net, stochastic=True))
    print("\nWith symmetric feedback the two implementations agree to 1e-10 (checked above); with random "
          "feedback\nthey agree in distribution: the draws come from different generators.")


if __name__ == "__main__":
    main()
