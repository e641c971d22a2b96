# expect: exercise=run_optimizer hint=optimizer_not_stepped
# run_optimizer records the point steps times but never computes a gradient nor calls optimizer.step, so every row is x0.

import numpy as np


def run_optimizer(optimizer, grad_fn, x0, steps):
    params = {"x": np.array(x0, dtype=float)}
    rows = [params["x"].copy()]
    for _ in range(steps):
        rows.append(params["x"].copy())
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
