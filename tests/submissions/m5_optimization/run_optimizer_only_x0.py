# expect: exercise=run_optimizer hint=points_not_recorded
# run_optimizer steps the optimizer but records only x0, returning a single row.

import numpy as np


def run_optimizer(optimizer, grad_fn, x0, steps):
    params = {"x": np.array(x0, dtype=float)}
    rows = [params["x"].copy()]
    for _ in range(steps):
        optimizer.step(params, {"x": np.asarray(grad_fn(params["x"].copy()), dtype=float)})
    return np.array(rows)


def compare_optimizers(grad_fn, loss_fn, x0, steps, optimizers):
    results = {}
    for name, optimizer in optimizers.items():
        params = {"x": np.array(x0, dtype=float)}
        trajectory = [params["x"].copy()]
        for _ in range(steps):
            optimizer.step(params, {"x": np.asarray(grad_fn(params["x"].copy()), dtype=float)})
            trajectory.append(params["x"].copy())
        results[name] = [float(loss_fn(x)) for x in trajectory]
    return results
