# expect: exercise=run_optimizer hint=trajectory_rows_aliased
# run_optimizer appends params["x"] itself instead of a copy, so every row is the same array and ends up equal to the final point.

import numpy as np


def _trajectory(optimizer, grad_fn, x0, steps):
    params = {"x": np.array(x0, dtype=float)}
    rows = [params["x"].copy()]
    for _ in range(steps):
        optimizer.step(params, {"x": np.asarray(grad_fn(params["x"].copy()), dtype=float)})
        rows.append(params["x"].copy())
    return np.array(rows)


def run_optimizer(optimizer, grad_fn, x0, steps):
    params = {"x": np.array(x0, dtype=float)}
    rows = [params["x"]]
    for _ in range(steps):
        optimizer.step(params, {"x": np.asarray(grad_fn(params["x"].copy()), dtype=float)})
        rows.append(params["x"])
    return np.array(rows)


def compare_optimizers(grad_fn, loss_fn, x0, steps, optimizers):
    results = {}
    for name, optimizer in optimizers.items():
        trajectory = _trajectory(optimizer, grad_fn, x0, steps)
        results[name] = [float(loss_fn(x)) for x in trajectory]
    return results
