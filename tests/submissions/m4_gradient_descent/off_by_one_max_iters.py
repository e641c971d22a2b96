# expect: exercise=gradient_descent hint=off_by_one_steps
# gradient_descent loops `while n_steps <= max_iters`, so when the gradient never gets below tol it makes max_iters + 1 steps.

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=10000, tol=1e-6):
    x = np.array(x0, dtype=float)
    n_steps = 0
    while n_steps <= max_iters:
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g) < tol:
            break
        x = x - lr * g
        n_steps += 1
    return x, n_steps
