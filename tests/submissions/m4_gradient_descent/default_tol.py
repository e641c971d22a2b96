# expect: exercise=gradient_descent hint=default_tol
# gradient_descent's default tol is 1e-5, ten times the contract's 1e-6, so it stops a few steps early when the caller gives none.

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=10000, tol=1e-5):
    x = np.array(x0, dtype=float)
    n_steps = 0
    while n_steps < max_iters:
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g.ravel()) < tol:
            break
        x = x - lr * g
        n_steps += 1
    return x, n_steps
