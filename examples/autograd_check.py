#!/usr/bin/env python3
"""tcabench's exact gradient (BPTT in double) against torch.autograd on the same weights and
batch: the rate network and its loss written in torch ops, differentiated by autograd, for one
task of each loss (cross-entropy, soft-target cross-entropy, mean squared error).

    /usr/bin/python3 examples/autograd_check.py    # after bash scripts/build.sh (Debian: python3-torch)
"""
import numpy as np
import torch

import tcabench as tb


def loss_torch(net, batch, W, W_outb):
    """tcabench's window loss, (1/B) sum_t,b mask * l, of the rate network at (W, W_outb)."""
    n = net.n
    alpha = float(net.description["alpha"])
    x, target, mask = (torch.tensor(v) for v in (batch.inputs, batch.targets, batch.mask))
    T, B, _ = x.shape
    a = torch.zeros(B, n, dtype=torch.float64)
    total = torch.zeros((), dtype=torch.float64)
    for t in range(T):
        ahat = torch.cat([a, x[t], torch.ones(B, 1, dtype=torch.float64)], dim=1)
        a = (1 - alpha) * a + alpha * torch.tanh(ahat @ W.T)
        y = a @ W_outb[:, :n].T + W_outb[:, n]
        if batch.loss == "cross_entropy":
            per_sequence = -(target[t] * torch.log_softmax(y, dim=1)).sum(dim=1)
        else:
            per_sequence = 0.5 * ((y - target[t]) ** 2).sum(dim=1)
        total = total + (mask[t] * per_sequence).sum() / B
    return total


def main():
    print("| task | loss | n | alpha | max rel. difference, W | max rel. difference, W_outb | loss difference |")
    print("|---|---|---|---|---|---|---|")
    for task_id, alpha in (("dnms-v1", 1.0), ("add-v0", 0.5), ("path_integration-v0", 0.2)):
        net = tb.Network(task_id, hidden=24, alpha=alpha, seed=3, precision="double")
        batch = net.task.sample(8, seed=3)
        exact = tb.exact(net, batch)

        W, W_outb = (torch.tensor(v, requires_grad=True) for v in (net.params["W"], net.params["W_outb"]))
        loss = loss_torch(net, batch, W, W_outb)
        loss.backward()
        mine = net.unflatten(exact.gradient)
        diff = {name: np.abs(mine[name] - grad.numpy()).max() / np.abs(grad.numpy()).max()
                for name, grad in (("W", W.grad), ("W_outb", W_outb.grad))}
        print(f"| {task_id} | {batch.loss} | {net.n} | {alpha} | {diff['W']:.1e} | {diff['W_outb']:.1e} | "
              f"{abs(exact.loss - loss.item()):.1e} |")
        assert max(diff.values()) < 1e-12, diff


if __name__ == "__main__":
    main()
