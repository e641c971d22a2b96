# expect: exercise=compare_optimizers hint=trajectory_without_x0
# compare_optimizers drops the loss at x0, returning steps losses per optimizer instead of steps + 1.

import numpy as np


def _trajectory(optimizer, grad_fn, x0, steps):
    params = {"x": np.array(x0, dtype=float)}
    rows = [params["x"].copy()]
    for _ in range(steps):
        optimizer.step(params, {"x": np.asarray(grad_fn(params["x"].copy()), dtype=float)})
        rows.append(params["x"].copy())
    return np.array(rows)


def compare_optimizers(grad_fn, loss_fn, x0, steps, optimizers):
    results = {}
    for name, optimizer in optimizers.items():
        trajectory = _trajectory(optimizer, grad_fn, x0, steps)
        results[name] = [float(loss_fn(x)) for x in trajectory[1:]]
    return results
