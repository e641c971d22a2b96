# expect: exercise=run_optimizer hint=steps_off_by_one
# run_optimizer counts its steps from 1 (range(1, steps)), so it takes steps - 1 steps and returns steps rows.

import numpy as np


def run_optimizer(optimizer, grad_fn, x0, steps):
    params = {"x": np.array(x0, dtype=float)}
    rows = [params["x"].copy()]
    for _ in range(1, steps):
        optimizer.step(params, {"x": np.asarray(grad_fn(params["x"].copy()), dtype=float)})
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
