# expect: exercise=compare_optimizers hint=losses_not_stored
# compare_optimizers computes each list of losses but stores it in a second dict and returns the empty results dict.

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
    curves = {}
    for name, optimizer in optimizers.items():
        trajectory = _trajectory(optimizer, grad_fn, x0, steps)
        curves[name] = [float(loss_fn(x)) for x in trajectory]
    return results
