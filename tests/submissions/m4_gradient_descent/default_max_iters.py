# expect: exercise=gradient_descent hint=default_max_iters
# gradient_descent's default max_iters is 1000 instead of the contract's 10000, so a slow run stops early when the caller gives none.

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=1000, tol=1e-6):
    x = np.array(x0, dtype=float)
    n_steps = 0
    while n_steps < max_iters:
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g.ravel()) < tol:
            break
        x = x - lr * g
        n_steps += 1
    return x, n_steps
